import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { Notification, NotificationPublisher } from '../tracking/notification.ts';

/** Publishes a task summary as JSON, with state, backend and target as attributes for subscription filters. */
export class SnsPublisher implements NotificationPublisher {
  readonly #client: SNSClient;
  readonly #topicArn: string;

  constructor(options: { client: SNSClient; topicArn: string }) {
    this.#client = options.client;
    this.#topicArn = options.topicArn;
  }

  async publish(notification: Notification): Promise<void> {
    await this.#client.send(
      new PublishCommand({
        TopicArn: this.#topicArn,
        Subject: notification.subject.replace(/[^\x20-\x7e]/g, '?'),
        Message: JSON.stringify(notification.summary, null, 2),
        MessageAttributes: {
          state: { DataType: 'String', StringValue: notification.summary.state },
          backend: { DataType: 'String', StringValue: notification.summary.backend },
          ...(notification.summary.target ? { target: { DataType: 'String', StringValue: notification.summary.target } } : {}),
        },
      }),
    );
  }
}

import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { DeadLetter, DeadLetterSink } from '../submit/dead-letter.ts';

/** SQS message attributes hold at most 256 KiB in all; a reason is kept short and readable. */
const maxReasonLength = 1000;

export class SqsDeadLetterSink implements DeadLetterSink {
  readonly #client: SQSClient;
  readonly #queueUrl: string;

  constructor(options: { client: SQSClient; queueUrl: string }) {
    this.#client = options.client;
    this.#queueUrl = options.queueUrl;
  }

  async send(letter: DeadLetter): Promise<void> {
    const attributes: Record<string, { DataType: 'String'; StringValue: string }> = {
      'bulkpilot-reason': text(letter.reason.slice(0, maxReasonLength)),
      'bulkpilot-source-message-id': text(letter.sourceMessageId),
    };
    if (letter.field) attributes['bulkpilot-field'] = text(letter.field.slice(0, 256));
    if (letter.taskId) attributes['bulkpilot-task-id'] = text(letter.taskId);
    await this.#client.send(new SendMessageCommand({ QueueUrl: this.#queueUrl, MessageBody: letter.body, MessageAttributes: attributes }));
  }
}

function text(value: string): { DataType: 'String'; StringValue: string } {
  // SQS rejects attribute values with characters outside its allowed set; the body keeps the original.
  return { DataType: 'String', StringValue: value.replace(/[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '?') || '-' };
}

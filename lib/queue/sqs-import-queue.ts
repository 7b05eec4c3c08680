import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { ImportQueue } from '../triggers/import-queue.ts';

export class SqsImportQueue implements ImportQueue {
  readonly #client: SQSClient;
  readonly #queueUrl: string;

  constructor(options: { client: SQSClient; queueUrl: string }) {
    this.#client = options.client;
    this.#queueUrl = options.queueUrl;
  }

  async enqueue(bodies: string[]): Promise<void> {
    for (let i = 0; i < bodies.length; i += 10) {
      const chunk = bodies.slice(i, i + 10);
      const out = await this.#client.send(
        new SendMessageBatchCommand({ QueueUrl: this.#queueUrl, Entries: chunk.map((body, j) => ({ Id: String(j), MessageBody: body })) }),
      );
      if (out.Failed?.length) {
        throw new Error(
          `import queue refused ${out.Failed.length} of ${chunk.length} messages: ${out.Failed.map((f) => `${f.Code}: ${f.Message}`).join('; ')}`,
        );
      }
    }
  }
}

import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { sourceFileAttribute } from '../submit/queue-record.ts';
import type { ImportQueue, QueuedImport } from '../triggers/import-queue.ts';

export class SqsImportQueue implements ImportQueue {
  readonly #client: SQSClient;
  readonly #queueUrl: string;

  constructor(options: { client: SQSClient; queueUrl: string }) {
    this.#client = options.client;
    this.#queueUrl = options.queueUrl;
  }

  async enqueue(messages: QueuedImport[]): Promise<void> {
    for (let i = 0; i < messages.length; i += 10) {
      const chunk = messages.slice(i, i + 10);
      const out = await this.#client.send(
        new SendMessageBatchCommand({
          QueueUrl: this.#queueUrl,
          Entries: chunk.map((m, j) => ({
            Id: String(j),
            MessageBody: m.body,
            ...(m.sourceFile ? { MessageAttributes: { [sourceFileAttribute]: { DataType: 'String', StringValue: m.sourceFile } } } : {}),
          })),
        }),
      );
      if (out.Failed?.length) {
        throw new Error(
          `import queue refused ${out.Failed.length} of ${chunk.length} messages: ${out.Failed.map((f) => `${f.Code}: ${f.Message}`).join('; ')}`,
        );
      }
    }
  }
}

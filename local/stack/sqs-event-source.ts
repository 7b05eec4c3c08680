// An SQS event source mapping with Lambda's semantics, for the local stack: batches of up to `batchSize`,
// the handler invoked with an SQSEvent, and with ReportBatchItemFailures only the reported items left on
// the queue (they come back after the visibility timeout; the queue's redrive policy dead-letters them in
// the end). A handler that throws, or reports an unknown item, fails the whole batch, as Lambda does.
// serverless-offline-sqs ignores batchItemFailures (and uses SDK v2), which is why this exists.
import { DeleteMessageBatchCommand, GetQueueAttributesCommand, type Message, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';

export type SqsHandler = (
  event: SQSEvent,
  context: { getRemainingTimeInMillis(): number; functionName: string; awsRequestId: string },
) => Promise<SQSBatchResponse | void>;

export interface SqsEventSourceOptions {
  sqs: SQSClient;
  queueUrl: string;
  functionName: string;
  handler: SqsHandler;
  batchSize: number;
  reportBatchItemFailures: boolean;
  timeoutSeconds: number;
  region: string;
  onBatch?: (summary: { received: number; failed: number; error?: unknown }) => void;
}

export class SqsEventSource {
  readonly #options: SqsEventSourceOptions;
  #running = false;
  #loop: Promise<void> | undefined;
  #abort = new AbortController();

  constructor(options: SqsEventSourceOptions) {
    this.#options = options;
  }

  start(): void {
    this.#running = true;
    this.#loop = this.#run();
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#abort.abort();
    await this.#loop;
  }

  async #run(): Promise<void> {
    const { sqs, queueUrl } = this.#options;
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
    const arn = Attributes?.QueueArn ?? queueUrl;
    while (this.#running) {
      let messages: Message[];
      try {
        const out = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: Math.min(10, this.#options.batchSize),
            WaitTimeSeconds: 1,
            MessageSystemAttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
          { abortSignal: this.#abort.signal },
        );
        messages = out.Messages ?? [];
      } catch (error) {
        if (!this.#running) return;
        this.#options.onBatch?.({ received: 0, failed: 0, error });
        await new Promise((r) => setTimeout(r, 1000));
        continue;
      }
      if (messages.length > 0) await this.#invoke(messages, arn);
    }
  }

  async #invoke(messages: Message[], arn: string): Promise<void> {
    const { sqs, queueUrl, handler, timeoutSeconds, functionName, region } = this.#options;
    const event: SQSEvent = {
      Records: messages.map((m) => ({
        messageId: m.MessageId!,
        receiptHandle: m.ReceiptHandle!,
        body: m.Body ?? '',
        attributes: m.Attributes as never,
        messageAttributes: Object.fromEntries(
          Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [
            k,
            { dataType: v.DataType!, stringValue: v.StringValue, binaryValue: undefined, stringListValues: [], binaryListValues: [] },
          ]),
        ) as never,
        md5OfBody: m.MD5OfBody ?? '',
        eventSource: 'aws:sqs',
        eventSourceARN: arn,
        awsRegion: region,
      })),
    };
    const deadline = Date.now() + timeoutSeconds * 1000;
    let failedIds: Set<string>;
    try {
      const response = await handler(event, {
        getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
        functionName,
        awsRequestId: crypto.randomUUID(),
      });
      failedIds = this.#failedItems(response, messages);
    } catch (error) {
      this.#options.onBatch?.({ received: messages.length, failed: messages.length, error });
      return; // nothing deleted: every message comes back after the visibility timeout
    }
    const succeeded = messages.filter((m) => !failedIds.has(m.MessageId!));
    if (succeeded.length > 0) {
      await sqs.send(
        new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: succeeded.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }),
      );
    }
    this.#options.onBatch?.({ received: messages.length, failed: failedIds.size });
  }

  #failedItems(response: SQSBatchResponse | void, messages: Message[]): Set<string> {
    const all = new Set(messages.map((m) => m.MessageId!));
    if (!this.#options.reportBatchItemFailures) return new Set();
    const failures = response?.batchItemFailures ?? [];
    const ids = new Set(failures.map((f) => f.itemIdentifier));
    // Lambda treats an empty or unknown identifier as a failure of the whole batch.
    for (const id of ids) if (!id || !all.has(id)) return all;
    return ids;
  }
}

/** The parts of an SQS record the submit path reads (structurally an aws-lambda SQSRecord). */
export interface QueueRecord {
  messageId: string;
  body: string;
  attributes?: { ApproximateReceiveCount?: string };
  messageAttributes?: Record<string, { stringValue?: string | undefined } | undefined>;
}

/** The message attribute a file trigger sets: the object that started the request, as `s3://bucket/key`. */
export const sourceFileAttribute = 'bulkpilot-source-file';

/** The file a message says it comes from, if it says one (an attribute, so the request itself stays as the contract defines it). */
export function sourceFileOf(record: QueueRecord): { sourceFile: string; sourceBucket: string } | undefined {
  const url = record.messageAttributes?.[sourceFileAttribute]?.stringValue;
  const match = url ? /^s3:\/\/([^/]+)\/(.+)$/s.exec(url) : null;
  return match ? { sourceBucket: match[1]!, sourceFile: match[2]! } : undefined;
}

/** Thrown by a record handler to have SQS deliver the message again later (a partial batch failure). */
export class RetryLaterError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RetryLaterError';
  }
}

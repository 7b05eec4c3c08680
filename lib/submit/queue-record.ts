/** The parts of an SQS record the submit path reads (structurally an aws-lambda SQSRecord). */
export interface QueueRecord {
  messageId: string;
  body: string;
  attributes?: { ApproximateReceiveCount?: string };
}

/** Thrown by a record handler to have SQS deliver the message again later (a partial batch failure). */
export class RetryLaterError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RetryLaterError';
  }
}

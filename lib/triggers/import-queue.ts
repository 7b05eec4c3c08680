/** An import request on its way to the queue; `sourceFile` (`s3://bucket/key`) when a file arrival made it. */
export interface QueuedImport {
  body: string;
  sourceFile?: string;
}

/** Where triggers put import requests: the import queue, which the submit function reads. */
export interface ImportQueue {
  /** Sends every message, or throws naming the ones that failed. */
  enqueue(messages: QueuedImport[]): Promise<void>;
}

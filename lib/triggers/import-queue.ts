/** Where triggers put import requests: the import queue, which the submit function reads. */
export interface ImportQueue {
  /** Sends every body, or throws naming the ones that failed. */
  enqueue(bodies: string[]): Promise<void>;
}

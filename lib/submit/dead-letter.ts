/** Where a message that can never succeed goes at once, with the reason attached. */
export interface DeadLetter {
  body: string;
  reason: string;
  field?: string;
  taskId?: string;
  sourceMessageId: string;
}

export interface DeadLetterSink {
  send(letter: DeadLetter): Promise<void>;
}

/** No task matches the id an operator gave (task id, requestId or the backend's job id). */
export class TaskNotFoundError extends Error {
  constructor(id: string) {
    super(`no task found for ${JSON.stringify(id)} (tried task id, requestId, backend job id and source file key)`);
    this.name = 'TaskNotFoundError';
  }
}

/** The operation does not fit the task's state; the message says why and what to do instead. */
export class OperationRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OperationRefusedError';
  }
}

/** The backend could not be asked; the message says whether anything was changed. */
export class BackendUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BackendUnavailableError';
  }
}

import { scrubSecrets } from '../../observability/redact.ts';
import { BackendCallError } from '../backend.ts';

/** The DIS client's error tree: DIS answers `{errorCode, message}`, its gateway `{error_code, error_msg}`. */
export class DisError extends BackendCallError {
  constructor(message: string, details: { method: string; url: string; mayHaveReachedBackend: boolean; cause?: unknown }) {
    super(message, details);
    this.name = 'DisError';
  }
}

export class DisNetworkError extends DisError {
  readonly code: string | undefined;

  constructor(details: { method: string; url: string; code: string | undefined; mayHaveReachedBackend: boolean; cause: unknown }) {
    super(`network error${details.code ? ` ${details.code}` : ''}: ${details.cause instanceof Error ? details.cause.message : String(details.cause)}`, details);
    this.name = 'DisNetworkError';
    this.code = details.code;
  }
}

export class DisTimeoutError extends DisError {
  readonly phase: 'connect' | 'headers' | 'body' | 'deadline';

  constructor(details: { method: string; url: string; phase: DisTimeoutError['phase']; cause?: unknown }) {
    super(`timed out waiting for ${details.phase === 'deadline' ? 'the call deadline' : details.phase}`, {
      ...details,
      mayHaveReachedBackend: details.phase !== 'connect',
    });
    this.name = 'DisTimeoutError';
    this.phase = details.phase;
  }
}

export class DisHttpError extends DisError {
  readonly status: number;
  readonly bodySnippet: string;

  constructor(details: { method: string; url: string; status: number; bodySnippet: string; problem: string }) {
    super(`HTTP ${details.status}, ${details.problem}${details.bodySnippet ? ` (${scrubSecrets(details.bodySnippet)})` : ''}`, {
      ...details,
      mayHaveReachedBackend: true,
    });
    this.name = 'DisHttpError';
    this.status = details.status;
    this.bodySnippet = scrubSecrets(details.bodySnippet);
  }
}

/** An error answer with a code: DIS's (`DIS.4354`) or the gateway's (`APIGW.0301`). */
export class DisApiError extends DisError {
  readonly status: number;
  readonly code: string;
  readonly apiMessage: string;

  constructor(details: { method: string; url: string; status: number; code: string; apiMessage: string }) {
    super(`HTTP ${details.status} ${details.code}: ${scrubSecrets(details.apiMessage)}`, { ...details, mayHaveReachedBackend: true });
    this.name = 'DisApiError';
    this.status = details.status;
    this.code = details.code;
    this.apiMessage = scrubSecrets(details.apiMessage);
  }

  get isTaskNotFound(): boolean {
    return this.code === 'DIS.4354';
  }

  get isTaskExists(): boolean {
    return this.code === 'DIS.4355';
  }

  /** Refused by an auth layer (the gateway's 401, DIS's own 441) before the service did anything. */
  get isAuthRefusal(): boolean {
    return /^APIGW?\./.test(this.code) || this.status === 441 || this.code === 'DIS.4114';
  }
}

/** A create answered "exists" (DIS.4355) for a task that is not this request's. */
export class DisTaskTakenError extends DisError {
  constructor(details: { method: string; url: string; problem: string }) {
    super(details.problem, { ...details, mayHaveReachedBackend: true });
    this.name = 'DisTaskTakenError';
  }
}

import { scrubSecrets } from '../../observability/redact.ts';
import { BackendCallError } from '../backend.ts';

/**
 * The Linkis client's error tree. Every error names the method and the URL (never a credential). An
 * answer in the envelope is decided on its `status`, not on HTTP alone: Linkis puts a gateway's routing
 * failure in an HTTP 200.
 */
export class LinkisError extends BackendCallError {
  constructor(message: string, details: { method: string; url: string; mayHaveReachedBackend: boolean; cause?: unknown }) {
    super(message, details);
    this.name = 'LinkisError';
  }
}

/** The connection failed (refused, reset, DNS): `mayHaveReachedBackend` is false only when it certainly did not leave. */
export class LinkisNetworkError extends LinkisError {
  readonly code: string | undefined;

  constructor(details: { method: string; url: string; code: string | undefined; mayHaveReachedBackend: boolean; cause: unknown }) {
    super(`network error${details.code ? ` ${details.code}` : ''}: ${details.cause instanceof Error ? details.cause.message : String(details.cause)}`, details);
    this.name = 'LinkisNetworkError';
    this.code = details.code;
  }
}

export class LinkisTimeoutError extends LinkisError {
  readonly phase: 'connect' | 'headers' | 'body' | 'deadline';

  constructor(details: { method: string; url: string; phase: LinkisTimeoutError['phase']; cause?: unknown }) {
    super(`timed out waiting for ${details.phase === 'deadline' ? 'the call deadline' : details.phase}`, {
      ...details,
      mayHaveReachedBackend: details.phase !== 'connect',
    });
    this.name = 'LinkisTimeoutError';
    this.phase = details.phase;
  }
}

/** An answer that is not the envelope: a proxy's error page, Spring's default 500 body, a truncated body. */
export class LinkisHttpError extends LinkisError {
  readonly status: number;
  readonly bodySnippet: string;

  constructor(details: { method: string; url: string; status: number; bodySnippet: string; problem: string }) {
    super(`HTTP ${details.status}, ${details.problem}${details.bodySnippet ? ` (${scrubSecrets(details.bodySnippet)})` : ''}`, {
      ...details,
      mayHaveReachedBackend: true,
    });
    this.name = 'LinkisHttpError';
    this.status = details.status;
    this.bodySnippet = scrubSecrets(details.bodySnippet);
  }
}

/** The envelope says no: status -1 (not logged in), 1 (error, with data.errorMsg), 2 (validation), 3 (no permission). */
export class LinkisApiError extends LinkisError {
  readonly status: number;
  readonly httpStatus: number;
  readonly apiMessage: string;
  readonly errCode: number | undefined;

  constructor(details: { method: string; url: string; status: number; httpStatus: number; apiMessage: string; errCode: number | undefined }) {
    super(
      `Linkis answered status ${details.status}${details.errCode === undefined ? '' : ` (errCode ${details.errCode})`}: ${scrubSecrets(details.apiMessage)}`,
      { ...details, mayHaveReachedBackend: true },
    );
    this.name = 'LinkisApiError';
    this.status = details.status;
    this.httpStatus = details.httpStatus;
    this.apiMessage = scrubSecrets(details.apiMessage);
    this.errCode = details.errCode;
  }

  /** The gateway could not route the call to an entrance (errCode 11012, HTTP 200 + status 1): it never reached one. */
  get isRoutingFailure(): boolean {
    return this.status === 1 && (this.errCode === 11012 || /routing chain|Cannot find an instance/i.test(this.apiMessage));
  }

  get isNotLoggedIn(): boolean {
    return this.status === -1;
  }
}

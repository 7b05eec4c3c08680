import { scrubSecrets } from '../../observability/redact.ts';
import { BackendCallError } from '../backend.ts';

/**
 * The Lindorm bulk load client's error tree. Every error names the method and the URL (never credentials)
 * so a log line alone tells an operator which call failed.
 */
export class LindormError extends BackendCallError {
  /** False only when the request certainly never reached the master (connection refused, DNS, connect timeout). */
  readonly mayHaveReachedMaster: boolean;

  constructor(message: string, details: { method: string; url: string; mayHaveReachedMaster: boolean; cause?: unknown }) {
    super(message, { ...details, mayHaveReachedBackend: details.mayHaveReachedMaster });
    this.name = 'LindormError';
    this.mayHaveReachedMaster = details.mayHaveReachedMaster;
  }
}

/** The master (or something in front of it) answered with a non-2xx status that is not an API refusal. */
export class LindormHttpError extends LindormError {
  readonly status: number;
  readonly bodySnippet: string;
  readonly retryAfterMs: number | undefined;

  constructor(details: { method: string; url: string; status: number; bodySnippet: string; retryAfterMs?: number }) {
    super(`HTTP ${details.status}${details.bodySnippet ? ` (${scrubSecrets(details.bodySnippet)})` : ''}`, { ...details, mayHaveReachedMaster: true });
    this.name = 'LindormHttpError';
    this.status = details.status;
    this.bodySnippet = scrubSecrets(details.bodySnippet);
    this.retryAfterMs = details.retryAfterMs;
  }
}

/** The connection failed: refused, reset, closed early, DNS. */
export class LindormNetworkError extends LindormError {
  readonly code: string | undefined;

  constructor(details: { method: string; url: string; code: string | undefined; mayHaveReachedMaster: boolean; cause: unknown }) {
    super(`network error${details.code ? ` ${details.code}` : ''}: ${describe(details.cause)}`, details);
    this.name = 'LindormNetworkError';
    this.code = details.code;
  }
}

export type TimeoutPhase = 'connect' | 'headers' | 'body' | 'deadline';

/** No answer in time. `phase` says where the time ran out; only a connect timeout proves nothing was sent. */
export class LindormTimeoutError extends LindormError {
  readonly phase: TimeoutPhase;

  constructor(details: { method: string; url: string; phase: TimeoutPhase; cause?: unknown }) {
    super(`timed out waiting for ${details.phase === 'deadline' ? 'the call deadline' : details.phase}`, {
      ...details,
      mayHaveReachedMaster: details.phase !== 'connect',
    });
    this.name = 'LindormTimeoutError';
    this.phase = details.phase;
  }
}

/** The API answered `success` other than "true": the master refused the operation, with its reason. */
export class LindormRefusedError extends LindormError {
  readonly apiMessage: string;
  readonly status: number;

  constructor(details: { method: string; url: string; apiMessage: string; status: number }) {
    super(`refused by the bulk load master: ${details.apiMessage}`, { ...details, mayHaveReachedMaster: true });
    this.name = 'LindormRefusedError';
    this.apiMessage = details.apiMessage;
    this.status = details.status;
  }
}

/** The master answered, but not with the documented envelope (not JSON, no `success`, no procId, no `data`). */
export class LindormMalformedResponseError extends LindormError {
  readonly status: number;
  readonly bodySnippet: string;

  constructor(details: { method: string; url: string; status: number; problem: string; bodySnippet: string; cause?: unknown }) {
    super(`malformed response (HTTP ${details.status}): ${details.problem}; body starts ${JSON.stringify(scrubSecrets(details.bodySnippet))}`, {
      ...details,
      mayHaveReachedMaster: true,
    });
    this.name = 'LindormMalformedResponseError';
    this.status = details.status;
    this.bodySnippet = scrubSecrets(details.bodySnippet);
  }
}

function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

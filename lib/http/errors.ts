import { scrubSecrets } from '../observability/redact.ts';

/**
 * Failures of the transport itself: no usable answer came back. Each names the method and the URL (with
 * credentials removed) and says whether the request may have reached the server — the one fact that
 * decides whether a call with side effects might have taken effect. Backends map these into their own
 * error trees; an answer that arrived (any status) is never one of these.
 */
export class TransportError extends Error {
  readonly method: string;
  readonly url: string;
  /** False only when the request certainly never left (connection refused, DNS, connect timeout). */
  readonly mayHaveReachedServer: boolean;

  constructor(message: string, details: { method: string; url: string; mayHaveReachedServer: boolean; cause?: unknown }) {
    super(`${details.method} ${details.url}: ${message}`, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'TransportError';
    this.method = details.method;
    this.url = details.url;
    this.mayHaveReachedServer = details.mayHaveReachedServer;
  }
}

/** The connection failed: refused, reset, closed early, DNS. */
export class NetworkError extends TransportError {
  readonly code: string | undefined;

  constructor(details: { method: string; url: string; code: string | undefined; mayHaveReachedServer: boolean; cause: unknown }) {
    super(`network error${details.code ? ` ${details.code}` : ''}: ${scrubSecrets(describe(details.cause))}`, details);
    this.name = 'NetworkError';
    this.code = details.code;
  }
}

/** Where the time ran out: only a connect timeout proves nothing was sent. `deadline` is the caller's signal or the call's own bound. */
export type TimeoutPhase = 'connect' | 'headers' | 'body' | 'deadline';

export class TimeoutError extends TransportError {
  readonly phase: TimeoutPhase;

  constructor(details: { method: string; url: string; phase: TimeoutPhase; cause?: unknown }) {
    super(`timed out waiting for ${details.phase === 'deadline' ? 'the call deadline' : details.phase}`, {
      ...details,
      mayHaveReachedServer: details.phase !== 'connect',
    });
    this.name = 'TimeoutError';
    this.phase = details.phase;
  }
}

/** The answer was larger than the transport accepts: the server answered, so the request reached it. */
export class ResponseTooLargeError extends TransportError {
  readonly status: number;

  constructor(details: { method: string; url: string; status: number; maxBytes: number }) {
    super(`response larger than ${details.maxBytes} bytes (HTTP ${details.status})`, { ...details, mayHaveReachedServer: true });
    this.name = 'ResponseTooLargeError';
    this.status = details.status;
  }
}

function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

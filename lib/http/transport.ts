import type { Dispatcher } from 'undici';
import sendRequest from 'undici/lib/api/api-request.js';
import Pool from 'undici/lib/dispatcher/pool.js';
import { type Clock, systemClock } from '../clock.ts';
import { assertKnownKeys } from '../options.ts';
import { NetworkError, ResponseTooLargeError, TimeoutError, TransportError } from './errors.ts';
import { parseRetryAfter, type RetryBudget, withRetries } from './retry.ts';

/**
 * The one HTTP transport of every backend client, on undici: a keep-alive Pool per origin, a timeout per
 * phase (connect, response headers, body silence) and a hard bound on the whole call, a cap on the answer's
 * size, an auth hook, credentials kept out of every error, and the one retry allow-list:
 *
 *   only a request marked `idempotent` (a read without side effects) is ever sent again, and only after a
 *   network error, a timeout, HTTP 408/429/500/502/503/504, or an answer its caller calls transient.
 *
 * A create, submit, start, stop, kill, abort, retry or delete is sent once; the one exception is the auth
 * hook's replay after a 401 that the backend's auth layer gave before the call reached the service.
 * Non-2xx answers are returned, not thrown: each backend reads its own envelope (some APIs put their errors
 * in a 200, others refuse inside a 2xx body).
 */
export interface PhaseTimeouts {
  connectMs: number;
  /** Time to the response headers once the request is sent (undici's phase timers tick about once a second). */
  headersMs: number;
  /** Longest silence while the body arrives. */
  bodyMs: number;
}

export const defaultTimeouts: PhaseTimeouts = { connectMs: 3_000, headersMs: 10_000, bodyMs: 10_000 };

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface HttpRequest {
  method: HttpMethod;
  /** Path below the base URL's path, already encoded, with its query string. */
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** A read without side effects: may be sent again after a transient failure. Default false. */
  idempotent?: boolean;
  /** An answer that arrived but says "try again" in the backend's own words (e.g. a gateway routing error in a 200). */
  transient?: (response: HttpResponse) => boolean;
  /** Sent without the auth hook (the auth hook's own login call). */
  noAuth?: boolean;
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  /** Lower-cased names; repeated headers joined by the server's order. */
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** What an auth hook sees of a request it is to authorize (a signer needs all of it). */
export interface OutgoingRequest {
  method: HttpMethod;
  url: URL;
  headers: Record<string, string>;
  body: string | undefined;
}

/**
 * Credentials per request: headers (a token) or a signature over the request. `rejectedBeforeService` is
 * asked after a 401 (or the hook's own refusal statuses): it answers true only when the answer proves the backend's auth layer turned the call
 * away before the service saw it (an expired session, a stale token), after refreshing what it needs; the
 * transport then sends the call once more, side effects or not.
 */
export interface AuthHook {
  authorize(request: OutgoingRequest, signal: AbortSignal | undefined): Promise<Record<string, string>>;
  rejectedBeforeService?(response: HttpResponse, signal: AbortSignal | undefined): Promise<boolean>;
  /** The statuses an auth layer refuses with (default 401; some services have their own, e.g. 441). */
  refusalStatuses?: readonly number[];
}

export interface HttpTransportOptions {
  /** http(s)://host[:port][/base/path] — every request path is appended to it. */
  baseUrl: string;
  timeouts?: Partial<PhaseTimeouts>;
  /** Transient failures of idempotent requests are retried within this budget; an attempt starts only if it can finish in it. */
  retry?: Partial<RetryBudget>;
  connections?: number;
  /** Idle keep-alive sockets are closed after this (keep it below the server's own idle timeout). */
  keepAliveTimeoutMs?: number;
  maxResponseBytes?: number;
  auth?: AuthHook;
  /** Another undici dispatcher (a MockAgent, a proxy agent) instead of the transport's own Pool. */
  dispatcher?: Dispatcher;
  clock?: Clock;
  random?: () => number;
}

/** How a backend client's connections are made: the same keys for every client, passed on to its transport. */
export type ConnectionOptions = Pick<HttpTransportOptions, 'connections' | 'keepAliveTimeoutMs' | 'dispatcher' | 'clock' | 'random'>;

const optionKeys = ['baseUrl', 'timeouts', 'retry', 'connections', 'keepAliveTimeoutMs', 'maxResponseBytes', 'auth', 'dispatcher', 'clock', 'random'];
const defaultMaxResponseBytes = 1024 * 1024;

/** The statuses after which an idempotent request is sent again (ky's list, plus 500 from servers that restart). */
const retryableStatuses = new Set([408, 429, 500, 502, 503, 504]);

// Errors proving the request never left this machine: nothing can have been created.
const notSentCodes = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

/** A transient answer of an idempotent request, carried through the retry loop and handed back if retries run out. */
class TransientAnswer extends Error {
  readonly response: HttpResponse;

  constructor(response: HttpResponse) {
    super(`transient answer HTTP ${response.status}`);
    this.response = response;
  }
}

export class HttpTransport {
  readonly timeouts: PhaseTimeouts;
  readonly retryBudget: RetryBudget;
  /** The origin and base path as shown in errors: no credentials. */
  readonly displayBase: string;
  readonly #origin: string;
  readonly #basePath: string;
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;
  readonly #maxResponseBytes: number;
  readonly #auth: AuthHook | undefined;
  readonly #clock: Clock;
  readonly #random: () => number;

  constructor(options: HttpTransportOptions) {
    assertKnownKeys('HttpTransport options', options, optionKeys);
    assertKnownKeys('HttpTransport options.timeouts', options.timeouts ?? {}, Object.keys(defaultTimeouts));
    const url = parseBaseUrl(options.baseUrl);
    this.timeouts = { ...defaultTimeouts, ...options.timeouts };
    const callMs = this.maxCallMs;
    this.retryBudget = { budgetMs: callMs + 2_000, maxAttempts: 3, baseDelayMs: 200, maxDelayMs: 2_000, ...options.retry };
    assertKnownKeys('HttpTransport options.retry', options.retry ?? {}, Object.keys(this.retryBudget));
    if (this.retryBudget.budgetMs < callMs) throw new TypeError(`HttpTransport options.retry.budgetMs must be at least one call's bound (${callMs} ms)`);
    this.#origin = url.origin;
    this.#basePath = url.pathname.replace(/\/+$/, '');
    this.displayBase = `${url.protocol}//${url.host}${this.#basePath}`;
    this.#maxResponseBytes = options.maxResponseBytes ?? defaultMaxResponseBytes;
    this.#auth = options.auth;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#ownsDispatcher = options.dispatcher === undefined;
    this.#dispatcher =
      options.dispatcher ??
      new Pool(url.origin, {
        connections: options.connections ?? 32,
        keepAliveTimeout: options.keepAliveTimeoutMs ?? 4_000,
        keepAliveMaxTimeout: options.keepAliveTimeoutMs ?? 4_000,
        connect: { timeout: this.timeouts.connectMs },
        headersTimeout: this.timeouts.headersMs,
        bodyTimeout: this.timeouts.bodyMs,
      });
  }

  /** The longest one attempt can take: each call is cut off there, whatever its phases do. */
  get maxCallMs(): number {
    return this.timeouts.connectMs + this.timeouts.headersMs + this.timeouts.bodyMs;
  }

  /** The longest an idempotent request can take with its retries (the retry budget bounds it). */
  get maxIdempotentMs(): number {
    return this.retryBudget.budgetMs;
  }

  /** The URL of a path as errors show it. */
  display(path: string): string {
    return this.displayBase + scrubQuery(path);
  }

  async request(request: HttpRequest): Promise<HttpResponse> {
    if (!request.idempotent) return this.#withAuthReplay(request);
    try {
      return await withRetries(
        async () => {
          const response = await this.#withAuthReplay(request);
          if (retryableStatuses.has(response.status) || request.transient?.(response)) throw new TransientAnswer(response);
          return response;
        },
        {
          budget: this.retryBudget,
          attemptMs: this.maxCallMs,
          clock: this.#clock,
          random: this.#random,
          // An oversized answer will not shrink on a second try.
          isRetryable: (error) => error instanceof TransientAnswer || (error instanceof TransportError && !(error instanceof ResponseTooLargeError)),
          retryAfterMs: (error) => (error instanceof TransientAnswer ? parseRetryAfter(error.response.headers['retry-after'], this.#clock.now()) : undefined),
          ...(request.signal ? { signal: request.signal } : {}),
        },
      );
    } catch (error) {
      // Out of retries on a transient answer: the caller reads it as it would any answer.
      if (error instanceof TransientAnswer) return error.response;
      throw error;
    }
  }

  async close(): Promise<void> {
    if (this.#ownsDispatcher) await this.#dispatcher.destroy();
  }

  async #withAuthReplay(request: HttpRequest): Promise<HttpResponse> {
    const response = await this.#send(request);
    if (request.noAuth || !this.#auth?.rejectedBeforeService || !(this.#auth.refusalStatuses ?? [401]).includes(response.status)) return response;
    // The auth layer turned the call away before the service saw it: sending it again cannot repeat an effect.
    if (!(await this.#auth.rejectedBeforeService(response, request.signal))) return response;
    return this.#send(request);
  }

  async #send(request: HttpRequest): Promise<HttpResponse> {
    const method = request.method;
    const where = { method, url: this.display(request.path) };
    const path = this.#basePath + request.path;
    let headers: Record<string, string> = { accept: 'application/json', ...request.headers };
    // The whole call is bounded, so no phase's timer (a body trickling under its idle limit) can outlive the Lambda.
    // Credentials first, outside the call's bound: an auth hook's own failure (a refused login) is its own error.
    if (this.#auth && !request.noAuth) {
      headers = { ...headers, ...(await this.#auth.authorize({ method, url: new URL(this.#origin + path), headers, body: request.body }, request.signal)) };
    }
    const bound = AbortSignal.timeout(this.maxCallMs);
    const signal = request.signal ? AbortSignal.any([request.signal, bound]) : bound;
    try {
      const answer = await sendRequest.call(this.#dispatcher, {
        origin: this.#origin,
        path,
        method,
        headers,
        ...(request.body === undefined ? {} : { body: request.body }),
        signal,
        headersTimeout: this.timeouts.headersMs,
        bodyTimeout: this.timeouts.bodyMs,
      });
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of answer.body) {
        size += (chunk as Buffer).length;
        if (size > this.#maxResponseBytes) {
          answer.body.destroy();
          throw new ResponseTooLargeError({ ...where, status: answer.statusCode, maxBytes: this.#maxResponseBytes });
        }
        chunks.push(chunk as Buffer);
      }
      return { status: answer.statusCode, headers: answer.headers, text: Buffer.concat(chunks).toString('utf8') };
    } catch (error) {
      throw toTransportError(error, where, request.signal, bound);
    }
  }
}

function toTransportError(error: unknown, where: { method: string; url: string }, callerSignal: AbortSignal | undefined, bound: AbortSignal): TransportError {
  if (error instanceof TransportError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return new TimeoutError({ ...where, phase: 'connect', cause: error });
  if (code === 'UND_ERR_HEADERS_TIMEOUT') return new TimeoutError({ ...where, phase: 'headers', cause: error });
  if (code === 'UND_ERR_BODY_TIMEOUT') return new TimeoutError({ ...where, phase: 'body', cause: error });
  if (callerSignal?.aborted || bound.aborted || code === 'UND_ERR_ABORTED' || (error as Error | null)?.name === 'AbortError') {
    return new TimeoutError({ ...where, phase: 'deadline', cause: callerSignal?.reason ?? bound.reason ?? error });
  }
  const errorCode = typeof code === 'string' ? code : undefined;
  return new NetworkError({ ...where, code: errorCode, mayHaveReachedServer: !(errorCode && notSentCodes.has(errorCode)), cause: error });
}

function parseBaseUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`baseUrl: not a URL: ${JSON.stringify(value)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`baseUrl: must be http or https, got ${url.protocol}`);
  if (url.search || url.hash) throw new TypeError('baseUrl: must not carry a query or fragment');
  if (url.username || url.password) throw new TypeError("baseUrl: must not carry credentials (use the target's auth)");
  return url;
}

const secretParameter = /^(pass(word)?|passwd\w*|secret\w*|token\w*|access.?key\w*|signature|credential\w*)$/i;

/** A query string as errors may show it: values of secret-looking parameters masked. */
function scrubQuery(path: string): string {
  const at = path.indexOf('?');
  if (at < 0) return path;
  const query = path
    .slice(at + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const key = eq < 0 ? pair : pair.slice(0, eq);
      return eq >= 0 && secretParameter.test(decodeURIComponent(key)) ? `${key}=[redacted]` : pair;
    })
    .join('&');
  return `${path.slice(0, at)}?${query}`;
}

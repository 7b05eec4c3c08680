import { systemClock, type Clock } from '../../clock.ts';
import { KeepAliveTransport, TransportError } from '../../http/keep-alive-transport.ts';
import { parseRetryAfter, withRetries, type RetryBudget } from '../../http/retry.ts';
import { assertKnownKeys } from '../../options.ts';
import { LindormError, LindormHttpError, LindormMalformedResponseError, LindormNetworkError, LindormRefusedError, LindormTimeoutError } from './errors.ts';
import { encodeCreateForm } from './form.ts';
import { readProcInfo, type LindormProcInfo } from './info.ts';
import type { LindormBulkloadParams } from './request.ts';

export interface LindormTimeouts {
  connectMs: number;
  /** Time to the response headers, counted from the connection: no call may outlive the Lambda making it. */
  headersMs: number;
  /** Longest silence while the body arrives. */
  bodyMs: number;
}

export interface LindormClientOptions {
  /** Base URL of the bulk load master, e.g. http://host:12311 (BDS_MASTER_URL). */
  baseUrl: string;
  timeouts?: Partial<LindormTimeouts>;
  /** Only `info` is retried, and only on transient errors, within this budget. */
  infoRetry?: Partial<RetryBudget>;
  connections?: number;
  keepAliveTimeoutMs?: number;
  clock?: Clock;
  random?: () => number;
}

const optionKeys = ['baseUrl', 'timeouts', 'infoRetry', 'connections', 'keepAliveTimeoutMs', 'clock', 'random'];
const defaultTimeouts: LindormTimeouts = { connectMs: 3_000, headersMs: 10_000, bodyMs: 10_000 };
const defaultInfoRetry: RetryBudget = { budgetMs: 8_000, maxAttempts: 3, baseDelayMs: 200, maxDelayMs: 2_000 };
const maxBodyBytes = 1024 * 1024;

/** The one retry allow-list of this client: transient failures of a call without side effects. */
const retryableStatuses = new Set([408, 429, 500, 502, 503, 504]);
export function isTransientLindormError(error: unknown): boolean {
  if (error instanceof LindormHttpError) return retryableStatuses.has(error.status);
  return error instanceof LindormNetworkError || error instanceof LindormTimeoutError;
}

// Errors proving the request never left this machine: nothing can have been created.
const notSentCodes = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'connect-timeout']);

/**
 * Thin client of the Lindorm bulk load master (`/pro/proc/...`). `create`, `abort`, `retry` and `delete`
 * have side effects (the last three are GETs!) and are never retried here: the caller decides.
 */
export class LindormBulkloadClient {
  readonly baseUrl: string;
  readonly timeouts: LindormTimeouts;
  readonly #displayBase: string;
  readonly #basePath: string;
  readonly #transport: KeepAliveTransport;
  readonly #infoRetry: RetryBudget;
  readonly #clock: Clock;
  readonly #random: () => number;

  constructor(options: LindormClientOptions) {
    assertKnownKeys('LindormBulkloadClient options', options, optionKeys);
    assertKnownKeys('LindormBulkloadClient options.timeouts', options.timeouts ?? {}, Object.keys(defaultTimeouts));
    assertKnownKeys('LindormBulkloadClient options.infoRetry', options.infoRetry ?? {}, Object.keys(defaultInfoRetry));
    const url = parseBaseUrl(options.baseUrl);
    this.baseUrl = options.baseUrl;
    this.#basePath = url.pathname.replace(/\/+$/, '');
    this.#displayBase = `${url.protocol}//${url.host}${this.#basePath}`;
    this.timeouts = { ...defaultTimeouts, ...options.timeouts };
    this.#infoRetry = { ...defaultInfoRetry, ...options.infoRetry };
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#transport = new KeepAliveTransport({
      origin: url.origin,
      connections: options.connections ?? 32,
      keepAliveTimeoutMs: options.keepAliveTimeoutMs ?? 4_000,
      timeouts: this.timeouts,
      maxBodyBytes,
    });
  }

  /** The longest a single call can take before it gives up: used to size leases around `create`. */
  get maxCallMs(): number {
    return this.timeouts.connectMs + this.timeouts.headersMs + this.timeouts.bodyMs;
  }

  /** Submits a bulk load; resolves to the procId the master returns in `message`. */
  async create(params: LindormBulkloadParams, options: { signal?: AbortSignal } = {}): Promise<string> {
    const path = '/pro/proc/bulkload/create';
    const envelope = await this.#call('POST', path, options.signal, encodeCreateForm(params));
    const procId = typeof envelope.body.message === 'string' ? envelope.body.message.trim() : '';
    if (!procId) {
      throw new LindormMalformedResponseError({
        ...envelope.where,
        status: envelope.status,
        problem: 'success without a procId in `message`',
        bodySnippet: envelope.text.slice(0, 200),
      });
    }
    return procId;
  }

  /** Reads a proc's state; transient failures are retried within the info budget. */
  async info(procId: string, options: { signal?: AbortSignal } = {}): Promise<LindormProcInfo> {
    const path = `/pro/proc/${encodeURIComponent(procId)}/info`;
    return withRetries(
      async () => {
        const envelope = await this.#call('GET', path, options.signal);
        const info = readProcInfo(envelope.body.data, procId);
        if (typeof info === 'string') {
          throw new LindormMalformedResponseError({ ...envelope.where, status: envelope.status, problem: info, bodySnippet: envelope.text.slice(0, 200) });
        }
        return info;
      },
      {
        budget: this.#infoRetry,
        clock: this.#clock,
        random: this.#random,
        isRetryable: isTransientLindormError,
        retryAfterMs: (error) => (error instanceof LindormHttpError ? error.retryAfterMs : undefined),
        ...(options.signal ? { signal: options.signal } : {}),
      },
    );
  }

  abort(procId: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    return this.#command(procId, 'abort', options.signal);
  }

  retry(procId: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    return this.#command(procId, 'retry', options.signal);
  }

  delete(procId: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    return this.#command(procId, 'delete', options.signal);
  }

  async close(): Promise<void> {
    await this.#transport.close();
  }

  async #command(procId: string, verb: 'abort' | 'retry' | 'delete', signal: AbortSignal | undefined): Promise<void> {
    await this.#call('GET', `/pro/proc/${encodeURIComponent(procId)}/${verb}`, signal);
  }

  async #call(method: 'GET' | 'POST', path: string, signal: AbortSignal | undefined, form?: string) {
    const where = { method, url: this.#displayBase + path };
    let status: number;
    let headers: Record<string, string | string[] | undefined>;
    let text: string;
    try {
      ({ status, headers, text } = await this.#transport.request({
        path: this.#basePath + path,
        method,
        headers: form === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
        ...(form === undefined ? {} : { body: form }),
        ...(signal ? { signal } : {}),
      }));
    } catch (error) {
      if (error instanceof TransportError && error.code === 'body-too-large') {
        throw new LindormMalformedResponseError({ ...where, status: error.status ?? 0, problem: error.message, bodySnippet: '' });
      }
      throw toLindormError(error, where, signal);
    }
    let body: Record<string, unknown> | undefined;
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) body = parsed as Record<string, unknown>;
    } catch {
      body = undefined;
    }
    const refused = body !== undefined && 'success' in body && String(body.success) !== 'true';
    // A refusal is a refusal whatever the status code, unless the status says the server itself broke.
    if (refused && status < 500) {
      throw new LindormRefusedError({ ...where, status, apiMessage: typeof body?.message === 'string' && body.message ? body.message : '(no message)' });
    }
    if (status < 200 || status >= 300) {
      const retryAfterMs = parseRetryAfter(headers['retry-after'], this.#clock.now());
      throw new LindormHttpError({ ...where, status, bodySnippet: text.slice(0, 200), ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
    }
    if (body === undefined || !('success' in body)) {
      throw new LindormMalformedResponseError({
        ...where,
        status,
        problem: body === undefined ? 'not a JSON object' : 'no `success` field',
        bodySnippet: text.slice(0, 200),
      });
    }
    return { where, status, body, text };
  }
}

function toLindormError(error: unknown, where: { method: string; url: string }, signal: AbortSignal | undefined): LindormError {
  if (error instanceof LindormError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'connect-timeout') return new LindormTimeoutError({ ...where, phase: 'connect', cause: error });
  if (code === 'headers-timeout') return new LindormTimeoutError({ ...where, phase: 'headers', cause: error });
  if (code === 'body-timeout') return new LindormTimeoutError({ ...where, phase: 'body', cause: error });
  if (signal?.aborted || code === 'aborted') return new LindormTimeoutError({ ...where, phase: 'deadline', cause: signal?.reason ?? error });
  const errorCode = typeof code === 'string' ? code : undefined;
  return new LindormNetworkError({ ...where, code: errorCode, mayHaveReachedMaster: !(errorCode && notSentCodes.has(errorCode)), cause: error });
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
  return url;
}

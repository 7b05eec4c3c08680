import { type Clock, systemClock } from '../../clock.ts';
import { NetworkError, ResponseTooLargeError, TimeoutError, TransportError } from '../../http/errors.ts';
import type { RetryBudget } from '../../http/retry.ts';
import { parseRetryAfter } from '../../http/retry.ts';
import { type ConnectionOptions, type HttpMethod, HttpTransport } from '../../http/transport.ts';
import { assertKnownKeys } from '../../options.ts';
import { LindormError, LindormHttpError, LindormMalformedResponseError, LindormNetworkError, LindormRefusedError, LindormTimeoutError } from './errors.ts';
import { encodeCreateForm } from './form.ts';
import { type LindormProcInfo, readProcInfo } from './info.ts';
import type { LindormBulkloadParams } from './request.ts';

export interface LindormTimeouts {
  connectMs: number;
  /** Time to the response headers once the request is sent: no call may outlive the Lambda making it. */
  headersMs: number;
  /** Longest silence while the body arrives. */
  bodyMs: number;
}

export interface LindormClientOptions extends ConnectionOptions {
  /** Base URL of the bulk load master, e.g. http://host:12311 (the target's `url`). */
  baseUrl: string;
  timeouts?: Partial<LindormTimeouts>;
  /** Only `info` is retried, and only on transient errors, within this budget. */
  infoRetry?: Partial<RetryBudget>;
}

const optionKeys = ['baseUrl', 'timeouts', 'infoRetry', 'connections', 'keepAliveTimeoutMs', 'dispatcher', 'clock', 'random'];
const defaultTimeouts: LindormTimeouts = { connectMs: 3_000, headersMs: 10_000, bodyMs: 10_000 };
const maxBodyBytes = 1024 * 1024;

/**
 * Thin client of the Lindorm bulk load master (`/pro/proc/...`). `create`, `abort`, `retry` and `delete`
 * have side effects (the last three are GETs!) and are never retried here: the caller decides.
 */
export class LindormBulkloadClient {
  readonly baseUrl: string;
  readonly timeouts: LindormTimeouts;
  readonly #transport: HttpTransport;
  readonly #clock: Clock;

  constructor(options: LindormClientOptions) {
    assertKnownKeys('LindormBulkloadClient options', options, optionKeys);
    assertKnownKeys('LindormBulkloadClient options.timeouts', options.timeouts ?? {}, Object.keys(defaultTimeouts));
    this.baseUrl = options.baseUrl;
    this.timeouts = { ...defaultTimeouts, ...options.timeouts };
    this.#clock = options.clock ?? systemClock;
    this.#transport = new HttpTransport({
      baseUrl: options.baseUrl,
      timeouts: this.timeouts,
      ...(options.infoRetry ? { retry: options.infoRetry } : {}),
      connections: options.connections ?? 32,
      keepAliveTimeoutMs: options.keepAliveTimeoutMs ?? 4_000,
      maxResponseBytes: maxBodyBytes,
      ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
      clock: this.#clock,
      ...(options.random ? { random: options.random } : {}),
    });
  }

  /** The longest a single call can take before it gives up: used to size leases around `create`. */
  get maxCallMs(): number {
    return this.#transport.maxCallMs;
  }

  /** The longest `info` can take, its retries included. */
  get maxInfoMs(): number {
    return this.#transport.maxIdempotentMs;
  }

  /** Submits a bulk load; resolves to the procId the master returns in `message`. */
  async create(params: LindormBulkloadParams, options: { signal?: AbortSignal } = {}): Promise<string> {
    const path = '/pro/proc/bulkload/create';
    const envelope = await this.#call('POST', path, options.signal, { form: encodeCreateForm(params) });
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

  /** Reads a proc's state; transient failures are retried by the transport within the info budget. */
  async info(procId: string, options: { signal?: AbortSignal } = {}): Promise<LindormProcInfo> {
    const path = `/pro/proc/${encodeURIComponent(procId)}/info`;
    const envelope = await this.#call('GET', path, options.signal, { idempotent: true });
    const info = readProcInfo(envelope.body.data, procId);
    if (typeof info === 'string') {
      throw new LindormMalformedResponseError({ ...envelope.where, status: envelope.status, problem: info, bodySnippet: envelope.text.slice(0, 200) });
    }
    return info;
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

  // abort, retry and delete are GETs with side effects: sent once, never marked idempotent.
  async #command(procId: string, verb: 'abort' | 'retry' | 'delete', signal: AbortSignal | undefined): Promise<void> {
    await this.#call('GET', `/pro/proc/${encodeURIComponent(procId)}/${verb}`, signal, {});
  }

  async #call(method: HttpMethod, path: string, signal: AbortSignal | undefined, options: { form?: string; idempotent?: boolean }) {
    const where = { method, url: this.#transport.display(path) };
    let response: Awaited<ReturnType<HttpTransport['request']>>;
    try {
      response = await this.#transport.request({
        method,
        path,
        headers: options.form === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' },
        ...(options.form === undefined ? {} : { body: options.form }),
        ...(options.idempotent ? { idempotent: true } : {}),
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      throw toLindormError(error, where);
    }
    const { status, text } = response;
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
      const retryAfterMs = parseRetryAfter(response.headers['retry-after'], this.#clock.now());
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

function toLindormError(error: unknown, where: { method: string; url: string }): LindormError {
  if (error instanceof LindormError) return error;
  if (error instanceof ResponseTooLargeError) {
    return new LindormMalformedResponseError({ ...where, status: error.status, problem: `body larger than ${maxBodyBytes} bytes`, bodySnippet: '' });
  }
  if (error instanceof TimeoutError) return new LindormTimeoutError({ ...where, phase: error.phase, cause: error });
  if (error instanceof NetworkError)
    return new LindormNetworkError({ ...where, code: error.code, mayHaveReachedMaster: error.mayHaveReachedServer, cause: error.cause ?? error });
  if (error instanceof TransportError)
    return new LindormNetworkError({ ...where, code: undefined, mayHaveReachedMaster: error.mayHaveReachedServer, cause: error });
  return new LindormNetworkError({ ...where, code: undefined, mayHaveReachedMaster: true, cause: error });
}

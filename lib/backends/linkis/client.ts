import { NetworkError, ResponseTooLargeError, TimeoutError, TransportError } from '../../http/errors.ts';
import type { RetryBudget } from '../../http/retry.ts';
import { type ConnectionOptions, type HttpMethod, HttpTransport, type PhaseTimeouts } from '../../http/transport.ts';
import type { SecretSource } from '../../targets/secrets.ts';
import { type LinkisAuth, LinkisAuthError, linkisAuthHook, ticketOf } from './auth.ts';
import { type Envelope, errCodeOf, isRoutingFailure, readEnvelope } from './envelope.ts';
import { LinkisApiError, LinkisError, LinkisHttpError, LinkisNetworkError, LinkisTimeoutError } from './errors.ts';
import { type LinkisQueryTask, readQueryTask } from './query-task.ts';

export interface LinkisClientOptions extends ConnectionOptions {
  /** The gateway, e.g. http://linkis-gateway:9001 (the REST prefix /api/rest_j/v1 is added). */
  url: string;
  auth: LinkisAuth;
  secrets: SecretSource;
  timeouts?: Partial<PhaseTimeouts>;
  retry?: Partial<RetryBudget>;
}

const restPrefix = '/api/rest_j/v1';
const maxResponseBytes = 4 * 1024 * 1024;

export interface LinkisProgress {
  progress: number;
  /** Per engine job: `{id, succeedTasks, failedTasks, runningTasks, totalTasks}`. */
  parts: Array<{ id: string; succeeded: number; failed: number; running: number; total: number }>;
}

/**
 * Thin client of the Linkis gateway (entrance and jobhistory). `submit` and `kill` have side effects and
 * are never retried by it (kill is a GET); reads are retried on transient failures, a gateway routing
 * failure in a 200 included. An answer is decided on the envelope's `status`, not on HTTP alone.
 */
export class LinkisClient {
  readonly user: string;
  readonly #transport: HttpTransport;

  constructor(options: LinkisClientOptions) {
    this.user = options.auth.user;
    const base = options.url.replace(/\/+$/, '');
    this.#transport = new HttpTransport({
      baseUrl: base.endsWith(restPrefix) ? base : base + restPrefix,
      ...(options.timeouts ? { timeouts: options.timeouts } : {}),
      ...(options.retry ? { retry: options.retry } : {}),
      connections: options.connections ?? 32,
      keepAliveTimeoutMs: options.keepAliveTimeoutMs ?? 4_000,
      maxResponseBytes,
      auth: linkisAuthHook(options.auth, options.secrets, (user, password, signal) => this.#login(user, password, signal)),
      ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.random ? { random: options.random } : {}),
    });
  }

  /** The longest one call can take. */
  get maxCallMs(): number {
    return this.#transport.maxCallMs;
  }

  get maxReadMs(): number {
    return this.#transport.maxIdempotentMs;
  }

  /** POST /entrance/submit; resolves to the new task's ids. Sent once. */
  async submit(body: Record<string, unknown>, signal?: AbortSignal): Promise<{ taskID: number; execID: string }> {
    const envelope = await this.#call('POST', '/entrance/submit', { body, signal });
    const taskID = Number(envelope.data.taskID);
    const execID = envelope.data.execID;
    if (!Number.isSafeInteger(taskID) || taskID <= 0 || typeof execID !== 'string' || !execID) {
      throw new LinkisHttpError({
        method: 'POST',
        url: this.#transport.display('/entrance/submit'),
        status: 200,
        bodySnippet: JSON.stringify(envelope.data).slice(0, 200),
        problem: 'a submit answer without taskID and execID',
      });
    }
    return { taskID, execID };
  }

  /** GET /jobhistory/{taskID}/get: the task as the history has it, the source of truth for its end. */
  async jobInfo(taskID: number, signal?: AbortSignal): Promise<LinkisQueryTask> {
    const path = `/jobhistory/${taskID}/get`;
    const envelope = await this.#call('GET', path, { idempotent: true, signal });
    const task = readQueryTask(envelope.data.task);
    if (typeof task === 'string')
      throw new LinkisHttpError({
        method: 'GET',
        url: this.#transport.display(path),
        status: 200,
        bodySnippet: JSON.stringify(envelope.data).slice(0, 200),
        problem: task,
      });
    return task;
  }

  /** GET /jobhistory/list: own tasks, newest first (QueryRestfulApi.list). */
  async listTasks(
    query: { startDate: number; endDate: number; executeApplicationName?: string; creator?: string; pageNow: number; pageSize: number },
    signal?: AbortSignal,
  ): Promise<{ tasks: LinkisQueryTask[]; total: number }> {
    const params = new URLSearchParams({
      startDate: String(query.startDate),
      endDate: String(query.endDate),
      pageNow: String(query.pageNow),
      pageSize: String(query.pageSize),
    });
    if (query.executeApplicationName) params.set('executeApplicationName', query.executeApplicationName);
    if (query.creator) params.set('creator', query.creator);
    const envelope = await this.#call('GET', `/jobhistory/list?${params}`, { idempotent: true, signal });
    const tasks = Array.isArray(envelope.data.tasks) ? envelope.data.tasks.map(readQueryTask).filter((t): t is LinkisQueryTask => typeof t !== 'string') : [];
    const total = Number(envelope.data.totalPage ?? tasks.length);
    return { tasks, total: Number.isFinite(total) ? total : tasks.length };
  }

  /** GET /entrance/{execID}/progress; no progress yet (status 1) is 0. */
  async progress(execID: string, signal?: AbortSignal): Promise<LinkisProgress> {
    let envelope: Envelope;
    try {
      envelope = await this.#call('GET', `/entrance/${encodeURIComponent(execID)}/progress`, { idempotent: true, signal });
    } catch (error) {
      if (error instanceof LinkisApiError && /Can not get the corresponding progress/i.test(error.apiMessage)) return { progress: 0, parts: [] };
      throw error;
    }
    const info = Array.isArray(envelope.data.progressInfo) ? (envelope.data.progressInfo as Array<Record<string, unknown>>) : [];
    return {
      progress: clamp(Number(envelope.data.progress)),
      parts: info.map((p) => ({
        id: String(p.id ?? ''),
        succeeded: Number(p.succeedTasks ?? 0),
        failed: Number(p.failedTasks ?? 0),
        running: Number(p.runningTasks ?? 0),
        total: Number(p.totalTasks ?? 0),
      })),
    };
  }

  /** GET /entrance/{execID}/log from a line: the lines and the cursor of the next read. */
  async log(execID: string, fromLine: number, size: number, signal?: AbortSignal): Promise<{ text: string; next: number }> {
    const query = new URLSearchParams({ fromLine: String(fromLine), size: String(size), distinctLevel: 'false' });
    const envelope = await this.#call('GET', `/entrance/${encodeURIComponent(execID)}/log?${query}`, { idempotent: true, signal });
    const log = envelope.data.log;
    const text = typeof log === 'string' ? log : Array.isArray(log) ? String(log.at(-1) ?? '') : '';
    const next = Number(envelope.data.fromLine);
    return { text, next: Number.isInteger(next) && next >= fromLine ? next : fromLine };
  }

  /** GET /entrance/{execID}/kill?taskID= — a GET with side effects: sent once. */
  async kill(execID: string, taskID: number, signal?: AbortSignal): Promise<void> {
    await this.#call('GET', `/entrance/${encodeURIComponent(execID)}/kill?taskID=${taskID}`, { signal });
  }

  async close(): Promise<void> {
    await this.#transport.close();
  }

  /** POST /user/login, without the auth hook; the ticket comes in Set-Cookie. Safe to repeat. */
  async #login(user: string, password: string, signal: AbortSignal | undefined): Promise<string> {
    const where = { method: 'POST', url: this.#transport.display('/user/login') };
    try {
      const response = await this.#transport.request({
        method: 'POST',
        path: '/user/login',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ userName: user, password }),
        idempotent: true,
        noAuth: true,
        ...(signal ? { signal } : {}),
      });
      const envelope = readEnvelope(response.text);
      const ticket = ticketOf(response.headers['set-cookie']);
      if (envelope?.status === 0 && ticket) return ticket;
      throw new LinkisAuthError(
        `login of ${user} refused: ${envelope ? `status ${envelope.status}: ${envelope.message}` : `HTTP ${response.status}`}${envelope?.status === 0 ? ' (no session cookie)' : ''}`,
        where,
      );
    } catch (error) {
      if (error instanceof LinkisAuthError) throw error;
      throw new LinkisAuthError(`login of ${user} failed: ${(error as Error).message}`, { ...where, cause: error });
    }
  }

  async #call(
    method: HttpMethod,
    path: string,
    options: { body?: Record<string, unknown>; idempotent?: boolean; signal?: AbortSignal | undefined },
  ): Promise<Envelope> {
    const where = { method, url: this.#transport.display(path) };
    let response: Awaited<ReturnType<HttpTransport['request']>>;
    try {
      response = await this.#transport.request({
        method,
        path,
        ...(options.body ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(options.body) } : {}),
        ...(options.idempotent ? { idempotent: true, transient: isRoutingFailure } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (error) {
      throw toLinkisError(error, where);
    }
    const envelope = readEnvelope(response.text);
    if (!envelope) {
      throw new LinkisHttpError({
        ...where,
        status: response.status,
        bodySnippet: response.text.slice(0, 200),
        problem: response.status >= 500 ? 'a server error without the Linkis envelope' : 'not the Linkis envelope',
      });
    }
    // 4 is a warning: the data is there.
    if (envelope.status !== 0 && envelope.status !== 4) {
      throw new LinkisApiError({
        ...where,
        status: envelope.status,
        httpStatus: response.status,
        apiMessage: envelope.message || '(no message)',
        errCode: errCodeOf(envelope),
      });
    }
    return envelope;
  }
}

function toLinkisError(error: unknown, where: { method: string; url: string }): LinkisError {
  if (error instanceof LinkisError) return error;
  if (error instanceof ResponseTooLargeError)
    return new LinkisHttpError({ ...where, status: error.status, bodySnippet: '', problem: `an answer larger than ${maxResponseBytes} bytes` });
  if (error instanceof TimeoutError) return new LinkisTimeoutError({ ...where, phase: error.phase, cause: error });
  if (error instanceof NetworkError)
    return new LinkisNetworkError({ ...where, code: error.code, mayHaveReachedBackend: error.mayHaveReachedServer, cause: error.cause ?? error });
  if (error instanceof TransportError)
    return new LinkisNetworkError({ ...where, code: undefined, mayHaveReachedBackend: error.mayHaveReachedServer, cause: error });
  return new LinkisNetworkError({ ...where, code: undefined, mayHaveReachedBackend: true, cause: error });
}

function clamp(value: number): number {
  if (!Number.isFinite(value)) return 0;
  return Math.min(1, Math.max(0, Math.abs(value)));
}

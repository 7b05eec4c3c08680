import { NetworkError, ResponseTooLargeError, TimeoutError, TransportError } from '../../http/errors.ts';
import type { RetryBudget } from '../../http/retry.ts';
import { type AuthHook, type ConnectionOptions, type HttpMethod, type HttpResponse, HttpTransport, type PhaseTimeouts } from '../../http/transport.ts';
import { SecretUnavailableError } from '../../targets/secrets.ts';
import { BackendCallError } from '../backend.ts';
import { readHuaweiError } from '../huawei-cloud/errors.ts';
import { type DisTaskDetail, readTaskDetail } from './detail.ts';
import { DisApiError, DisError, DisHttpError, DisNetworkError, DisTimeoutError } from './errors.ts';

export interface DisClientOptions extends ConnectionOptions {
  /** The DIS endpoint, e.g. https://dis.cn-north-4.myhuaweicloud.com. */
  url: string;
  projectId: string;
  auth: AuthHook;
  timeouts?: Partial<PhaseTimeouts>;
  retry?: Partial<RetryBudget>;
}

const jsonBody = 'application/json;charset=UTF-8';

/**
 * Thin client of DIS's dump (transfer) task API v2. Create, start/stop and delete change something and are
 * sent once (unlike the DIS Java SDK, which retries every method); the detail is retried. Create, detail
 * and delete take the task's name; start and stop its id.
 */
export class DisClient {
  readonly projectId: string;
  readonly #transport: HttpTransport;

  constructor(options: DisClientOptions) {
    this.projectId = options.projectId;
    this.#transport = new HttpTransport({
      baseUrl: options.url,
      ...(options.timeouts ? { timeouts: options.timeouts } : {}),
      ...(options.retry ? { retry: options.retry } : {}),
      connections: options.connections ?? 16,
      keepAliveTimeoutMs: options.keepAliveTimeoutMs ?? 4_000,
      auth: options.auth,
      ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.random ? { random: options.random } : {}),
    });
  }

  get maxCallMs(): number {
    return this.#transport.maxCallMs;
  }

  get maxReadMs(): number {
    return this.#transport.maxIdempotentMs;
  }

  /** POST …/transfer-tasks: 201 and no body. Sent once. */
  async createTask(streamName: string, body: Record<string, unknown>, signal?: AbortSignal): Promise<void> {
    await this.#call('POST', this.#tasksPath(streamName), { body, signal });
  }

  /** GET …/transfer-tasks/{task_name}. */
  async showTask(streamName: string, taskName: string, signal?: AbortSignal): Promise<DisTaskDetail> {
    const path = `${this.#tasksPath(streamName)}/${encodeURIComponent(taskName)}`;
    const { body } = await this.#call('GET', path, { idempotent: true, signal });
    const detail = readTaskDetail(body);
    if (typeof detail === 'string')
      throw new DisHttpError({
        method: 'GET',
        url: this.#transport.display(path),
        status: 200,
        bodySnippet: JSON.stringify(body).slice(0, 200),
        problem: detail,
      });
    return detail;
  }

  /** POST …/transfer-tasks/action `{action, tasks:[{id}]}`: start or stop (state-setting). Sent once. */
  async taskAction(streamName: string, action: 'start' | 'stop', taskId: string, signal?: AbortSignal): Promise<void> {
    await this.#call('POST', `${this.#tasksPath(streamName)}/action`, { body: { action, tasks: [{ id: taskId }] }, signal });
  }

  /** DELETE …/transfer-tasks/{task_name}: 204. Sent once. */
  async deleteTask(streamName: string, taskName: string, signal?: AbortSignal): Promise<void> {
    await this.#call('DELETE', `${this.#tasksPath(streamName)}/${encodeURIComponent(taskName)}`, { signal });
  }

  async close(): Promise<void> {
    await this.#transport.close();
  }

  #tasksPath(streamName: string): string {
    return `/v2/${encodeURIComponent(this.projectId)}/streams/${encodeURIComponent(streamName)}/transfer-tasks`;
  }

  async #call(
    method: HttpMethod,
    path: string,
    options: { body?: unknown; idempotent?: boolean; signal?: AbortSignal | undefined },
  ): Promise<{ body: unknown }> {
    const where = { method, url: this.#transport.display(path) };
    let response: HttpResponse;
    try {
      response = await this.#transport.request({
        method,
        path,
        headers: options.body === undefined ? {} : { 'content-type': jsonBody },
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
        ...(options.idempotent ? { idempotent: true } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (error) {
      // The auth hook's own failure (no IAM token, an unreadable secret) says for itself that nothing was sent.
      if ((error instanceof BackendCallError && !(error instanceof DisError)) || error instanceof SecretUnavailableError) throw error;
      throw toDisError(error, where);
    }
    if (response.status >= 200 && response.status < 300) {
      if (response.text.trim() === '') return { body: undefined };
      try {
        return { body: JSON.parse(response.text) as unknown };
      } catch {
        throw new DisHttpError({ ...where, status: response.status, bodySnippet: response.text.slice(0, 200), problem: 'not JSON' });
      }
    }
    const error = readHuaweiError(response.text);
    if (error) throw new DisApiError({ ...where, status: response.status, code: error.code, apiMessage: error.message });
    throw new DisHttpError({ ...where, status: response.status, bodySnippet: response.text.slice(0, 200), problem: 'an error answer without an error code' });
  }
}

function toDisError(error: unknown, where: { method: string; url: string }): DisError {
  if (error instanceof DisError) return error;
  if (error instanceof ResponseTooLargeError) return new DisHttpError({ ...where, status: error.status, bodySnippet: '', problem: 'an answer too large' });
  if (error instanceof TimeoutError) return new DisTimeoutError({ ...where, phase: error.phase, cause: error });
  if (error instanceof NetworkError)
    return new DisNetworkError({ ...where, code: error.code, mayHaveReachedBackend: error.mayHaveReachedServer, cause: error.cause ?? error });
  if (error instanceof TransportError)
    return new DisNetworkError({ ...where, code: undefined, mayHaveReachedBackend: error.mayHaveReachedServer, cause: error });
  return new DisNetworkError({ ...where, code: undefined, mayHaveReachedBackend: true, cause: error });
}

import { NetworkError, ResponseTooLargeError, TimeoutError, TransportError } from '../../http/errors.ts';
import type { RetryBudget } from '../../http/retry.ts';
import { type AuthHook, type ConnectionOptions, type HttpMethod, type HttpResponse, HttpTransport, type PhaseTimeouts } from '../../http/transport.ts';
import { SecretUnavailableError } from '../../targets/secrets.ts';
import { BackendCallError } from '../backend.ts';
import { readHuaweiError } from '../huawei-cloud/errors.ts';
import { CdmApiError, CdmError, CdmHttpError, CdmNetworkError, CdmTimeoutError, CdmValidationError } from './errors.ts';
import type { CdmParams } from './request.ts';
import { type CdmSubmission, readSubmission } from './submission.ts';

export interface CdmClientOptions extends ConnectionOptions {
  /** The CDM endpoint, e.g. https://cdm.cn-north-4.myhuaweicloud.com. */
  url: string;
  projectId: string;
  /** Signs each request (AK/SK) or adds the IAM token. */
  auth: AuthHook;
  /** X-Language, mandatory on the random-cluster create. */
  language?: string;
  timeouts?: Partial<PhaseTimeouts>;
  retry?: Partial<RetryBudget>;
}

const jsonBody = 'application/json;charset=UTF-8';

/**
 * Thin client of the CDM job API v1.1. The random create (`POST …/clusters/job`), start, stop and delete
 * change something and are sent once; reads are retried on transient failures. Nothing here picks a
 * cluster: the random create lets CDM choose, and every later call names the cluster that ran the job.
 */
export class CdmClient {
  readonly projectId: string;
  readonly #transport: HttpTransport;
  readonly #language: string;

  constructor(options: CdmClientOptions) {
    this.projectId = options.projectId;
    this.#language = options.language ?? 'en-us';
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

  /** POST /v1.1/{project_id}/clusters/job: creates the job on a random running candidate and starts it. Sent once. */
  async randomCreateAndStart(params: CdmParams, signal?: AbortSignal): Promise<CdmSubmission> {
    const path = `/v1.1/${this.#project()}/clusters/job`;
    const body = await this.#call('POST', path, { body: params, headers: { 'X-Language': this.#language }, signal });
    // A 200 that carries a validation ERROR and no submission: CDM made nothing.
    const errors = validationErrors(body);
    if (errors.length && !Array.isArray(body.submissions))
      throw new CdmValidationError({ method: 'POST', url: this.#transport.display(path), messages: errors });
    return this.#firstSubmission('POST', path, body);
  }

  /** GET …/cdm/job/{name}: the job on that cluster, or undefined when it has none of that name. */
  async showJob(clusterId: string, jobName: string, signal?: AbortSignal): Promise<{ createdAt?: number; status?: string } | undefined> {
    const path = this.#jobPath(clusterId, jobName);
    try {
      const body = await this.#call('GET', path, { idempotent: true, signal });
      const job = (Array.isArray(body.jobs) ? body.jobs[0] : undefined) as Record<string, unknown> | undefined;
      if (!job) return undefined;
      const created = Number(job['creation-date']);
      return { ...(Number.isFinite(created) && created > 0 ? { createdAt: created } : {}), ...(typeof job.status === 'string' ? { status: job.status } : {}) };
    } catch (error) {
      if (error instanceof CdmApiError && error.isJobNotFound) return undefined;
      throw error;
    }
  }

  /** GET …/cdm/job/{name}/status: the job's latest submission(s). */
  async jobStatus(clusterId: string, jobName: string, signal?: AbortSignal): Promise<CdmSubmission[]> {
    const path = `${this.#jobPath(clusterId, jobName)}/status`;
    const body = await this.#call('GET', path, { idempotent: true, signal });
    return this.#submissions('GET', path, body);
  }

  /** PUT …/cdm/job/{name}/start: a new submission of the same job on the same cluster. Sent once. */
  async startJob(clusterId: string, jobName: string, signal?: AbortSignal): Promise<CdmSubmission> {
    const path = `${this.#jobPath(clusterId, jobName)}/start`;
    const body = await this.#call('PUT', path, { body: {}, signal });
    return this.#firstSubmission('PUT', path, body);
  }

  /** PUT …/cdm/job/{name}/stop. Sent once; a validation-result ERROR means CDM did not stop it. */
  async stopJob(clusterId: string, jobName: string, signal?: AbortSignal): Promise<void> {
    const path = `${this.#jobPath(clusterId, jobName)}/stop`;
    const body = await this.#call('PUT', path, { signal });
    // The answer differs by version (§0.8): {"validation-result":[…]}, {submissions:[…]} or {}.
    const errors = validationErrors(body);
    if (errors.length) throw new CdmValidationError({ method: 'PUT', url: this.#transport.display(path), messages: errors });
  }

  /** DELETE …/cdm/job/{name}. Sent once. */
  async deleteJob(clusterId: string, jobName: string, signal?: AbortSignal): Promise<void> {
    await this.#call('DELETE', this.#jobPath(clusterId, jobName), { signal });
  }

  async close(): Promise<void> {
    await this.#transport.close();
  }

  #project(): string {
    return encodeURIComponent(this.projectId);
  }

  #jobPath(clusterId: string, jobName: string): string {
    return `/v1.1/${this.#project()}/clusters/${encodeURIComponent(clusterId)}/cdm/job/${encodeURIComponent(jobName)}`;
  }

  #firstSubmission(method: string, path: string, body: Record<string, unknown>): CdmSubmission {
    const [first] = this.#submissions(method, path, body);
    if (!first)
      throw new CdmHttpError({
        method,
        url: this.#transport.display(path),
        status: 200,
        bodySnippet: JSON.stringify(body).slice(0, 200),
        problem: 'an answer without a submission',
      });
    return first;
  }

  #submissions(method: string, path: string, body: Record<string, unknown>): CdmSubmission[] {
    const list = Array.isArray(body.submissions) ? body.submissions : [];
    const read = list.map(readSubmission);
    const bad = read.find((s): s is string => typeof s === 'string');
    if (bad) throw new CdmHttpError({ method, url: this.#transport.display(path), status: 200, bodySnippet: JSON.stringify(body).slice(0, 200), problem: bad });
    return read as CdmSubmission[];
  }

  async #call(
    method: HttpMethod,
    path: string,
    options: { body?: unknown; headers?: Record<string, string>; idempotent?: boolean; signal?: AbortSignal | undefined },
  ): Promise<Record<string, unknown>> {
    const where = { method, url: this.#transport.display(path) };
    let response: HttpResponse;
    try {
      response = await this.#transport.request({
        method,
        path,
        headers: { ...(options.body === undefined ? {} : { 'content-type': jsonBody }), ...options.headers },
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
        ...(options.idempotent ? { idempotent: true, transient: isStatusUnknown } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (error) {
      // The auth hook's own failure (no IAM token, an unreadable secret) says for itself that nothing was sent.
      if ((error instanceof BackendCallError && !(error instanceof CdmError)) || error instanceof SecretUnavailableError) throw error;
      throw toCdmError(error, where);
    }
    if (response.status >= 200 && response.status < 300) {
      if (response.text.trim() === '') return {};
      try {
        const parsed = JSON.parse(response.text) as unknown;
        if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
      } catch {
        // falls through: a 2xx that is not a JSON object
      }
      throw new CdmHttpError({ ...where, status: response.status, bodySnippet: response.text.slice(0, 200), problem: 'not a JSON object' });
    }
    const error = readHuaweiError(response.text);
    if (error) throw new CdmApiError({ ...where, status: response.status, code: error.code, apiMessage: error.message });
    throw new CdmHttpError({ ...where, status: response.status, bodySnippet: response.text.slice(0, 200), problem: 'an error answer without an error code' });
  }
}

/** `Cdm.0202` "job status unknown, retry later": a read may be sent again. */
function isStatusUnknown(response: HttpResponse): boolean {
  return response.status >= 400 && readHuaweiError(response.text)?.code === 'Cdm.0202';
}

function validationErrors(body: Record<string, unknown>): string[] {
  const results = Array.isArray(body['validation-result']) ? (body['validation-result'] as Array<Record<string, unknown>>) : [];
  return results.filter((r) => r?.status === 'ERROR').map((r) => String(r.message ?? 'validation error'));
}

function toCdmError(error: unknown, where: { method: string; url: string }): CdmError {
  if (error instanceof CdmError) return error;
  if (error instanceof ResponseTooLargeError) return new CdmHttpError({ ...where, status: error.status, bodySnippet: '', problem: 'an answer too large' });
  if (error instanceof TimeoutError) return new CdmTimeoutError({ ...where, phase: error.phase, cause: error });
  if (error instanceof NetworkError)
    return new CdmNetworkError({ ...where, code: error.code, mayHaveReachedBackend: error.mayHaveReachedServer, cause: error.cause ?? error });
  if (error instanceof TransportError)
    return new CdmNetworkError({ ...where, code: undefined, mayHaveReachedBackend: error.mayHaveReachedServer, cause: error });
  return new CdmNetworkError({ ...where, code: undefined, mayHaveReachedBackend: true, cause: error });
}

import { RemoteRefusedError, RemoteTaskNotFoundError, type Backend, type CreateFailure, type RemoteStatus, type TaskSummary } from '../backend.ts';
import { LindormBulkloadClient } from './client.ts';
import { LindormHttpError, LindormRefusedError, LindormError } from './errors.ts';
import type { LindormBulkloadParams } from './request.ts';
import { lindormSchema } from './schema.ts';

/** [I] No state enumeration is published; these are the values seen in the docs and the sibling LTS API. */
const phaseOf: Record<string, RemoteStatus['phase']> = {
  RUNNING: 'running',
  SUCCEEDED: 'succeeded',
  SUCCESS: 'succeeded',
  FAILED: 'failed',
  ABORTED: 'aborted',
  KILLED: 'aborted',
  CANCELLED: 'aborted',
};

/**
 * [I] No error catalogue is published: an unknown procId is recognised by the refusal's text. The pattern
 * is configurable because a LOST verdict rests on it.
 */
export const defaultNotFoundPattern = /not found|not exist|no such|unknown proc/i;

export class LindormBulkloadBackend implements Backend<LindormBulkloadParams> {
  readonly id = 'lindorm-bulkload';
  readonly client: LindormBulkloadClient;
  readonly #notFound: RegExp;

  constructor(client: LindormBulkloadClient, options: { notFoundPattern?: RegExp } = {}) {
    this.client = client;
    this.#notFound = options.notFoundPattern ?? defaultNotFoundPattern;
  }

  get maxCreateMs(): number {
    return this.client.maxCallMs;
  }

  parseRequest(fields: Record<string, unknown>): LindormBulkloadParams {
    return lindormSchema.parseRequest(fields);
  }

  canonicalContent(params: LindormBulkloadParams): unknown {
    return lindormSchema.canonicalContent(params);
  }

  summarize(params: LindormBulkloadParams): TaskSummary {
    return lindormSchema.summarize(params);
  }

  async create(params: LindormBulkloadParams, options: { signal?: AbortSignal } = {}): Promise<{ remoteId: string }> {
    return { remoteId: await this.client.create(params, options) };
  }

  classifyCreateFailure(error: unknown): CreateFailure {
    const reason = error instanceof Error ? error.message : String(error);
    if (error instanceof LindormRefusedError) return { kind: 'refused', reason: error.apiMessage };
    if (error instanceof LindormHttpError) {
      // 503 and 429 say the request was not taken on (RFC 9110): safe to send again later. Any other 5xx
      // may come after the master stored the proc (a 500 while answering, a proxy's 502/504 after
      // forwarding): ambiguous. A 4xx without the API's envelope (a proxy's 400/404/413) will not change.
      if (error.status === 503 || error.status === 429) return { kind: 'not-created', reason };
      if (error.status >= 500) return { kind: 'ambiguous', reason };
      return { kind: 'refused', reason: `HTTP ${error.status} from ${error.url}${error.bodySnippet ? `: ${error.bodySnippet}` : ''}` };
    }
    if (error instanceof LindormError) return { kind: error.mayHaveReachedMaster ? 'ambiguous' : 'not-created', reason };
    return { kind: 'ambiguous', reason };
  }

  async status(remoteId: string, options: { signal?: AbortSignal } = {}): Promise<RemoteStatus> {
    const info = await this.#translate(remoteId, () => this.client.info(remoteId, options));
    const status: RemoteStatus = { state: info.state, phase: phaseOf[info.state.toUpperCase()] ?? 'unknown' };
    if (info.stage !== undefined) status.stage = info.stage;
    if (info.errorMessage !== undefined) status.message = info.errorMessage;
    return status;
  }

  abort(remoteId: string): Promise<void> {
    return this.#translate(remoteId, () => this.client.abort(remoteId));
  }

  retry(remoteId: string): Promise<void> {
    return this.#translate(remoteId, () => this.client.retry(remoteId));
  }

  delete(remoteId: string): Promise<void> {
    return this.#translate(remoteId, () => this.client.delete(remoteId));
  }

  async #translate<T>(remoteId: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof LindormRefusedError) {
        if (this.#notFound.test(error.apiMessage)) throw new RemoteTaskNotFoundError(remoteId, error.apiMessage, { cause: error });
        throw new RemoteRefusedError(remoteId, error.apiMessage, { cause: error });
      }
      throw error;
    }
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

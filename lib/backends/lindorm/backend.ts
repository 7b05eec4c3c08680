import {
  type Backend,
  type BackendTiming,
  type CallOptions,
  type CreateFailure,
  type RemoteRef,
  RemoteRefusedError,
  type RemoteStatus,
  RemoteTaskNotFoundError,
} from '../backend.ts';
import { lindormCapabilities } from './capabilities.ts';
import type { LindormBulkloadClient } from './client.ts';
import { LindormError, LindormHttpError, LindormRefusedError } from './errors.ts';
import { defaultNotFoundPattern } from './not-found.ts';
import type { LindormBulkloadParams } from './request.ts';
import { lindormPhase } from './status.ts';

export interface LindormBehaviour {
  /** Stages after which a proc usually ends soon (matched case-insensitively). */
  nearEndStages: readonly string[];
  /** [I] No error catalogue is published: an unknown procId is recognised by the refusal's text. */
  notFoundPattern: RegExp;
}

/** One Lindorm target behind the port: procId is the whole reference. */
export class LindormBulkloadBackend implements Backend<LindormBulkloadParams> {
  readonly id = 'lindorm-bulkload';
  readonly target: string;
  readonly capabilities = lindormCapabilities;
  readonly client: LindormBulkloadClient;
  readonly #behaviour: LindormBehaviour;

  constructor(client: LindormBulkloadClient, options: { target?: string } & Partial<LindormBehaviour> = {}) {
    this.client = client;
    this.target = options.target ?? 'lindorm';
    this.#behaviour = { nearEndStages: options.nearEndStages ?? ['WAIT_FOR_SUCCESS'], notFoundPattern: options.notFoundPattern ?? defaultNotFoundPattern };
  }

  get timing(): BackendTiming {
    return { createMs: this.client.maxCallMs, statusMs: this.client.maxInfoMs, commandMs: this.client.maxCallMs };
  }

  async create(params: LindormBulkloadParams, _context: unknown, options: CallOptions = {}): Promise<RemoteRef> {
    return { procId: await this.client.create(params, options) };
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

  async status(ref: RemoteRef, options: CallOptions = {}): Promise<RemoteStatus> {
    const procId = procIdOf(ref);
    const info = await this.#translate(procId, () => this.client.info(procId, options));
    const status: RemoteStatus = { state: info.state, phase: lindormPhase(info.state) };
    if (info.stage !== undefined) {
      status.stage = info.stage;
      const stage = info.stage.toUpperCase();
      if (status.phase === 'running' && this.#behaviour.nearEndStages.some((s) => s.toUpperCase() === stage)) status.nearEnd = true;
    }
    if (info.errorMessage !== undefined) status.message = info.errorMessage;
    return status;
  }

  abort(ref: RemoteRef, options: CallOptions = {}): Promise<void> {
    const procId = procIdOf(ref);
    return this.#translate(procId, () => this.client.abort(procId, options));
  }

  async rerun(ref: RemoteRef, _params: LindormBulkloadParams, _context: unknown, options: CallOptions = {}): Promise<RemoteRef> {
    const procId = procIdOf(ref);
    await this.#translate(procId, () => this.client.retry(procId, options));
    return ref;
  }

  delete(ref: RemoteRef, options: CallOptions = {}): Promise<void> {
    const procId = procIdOf(ref);
    return this.#translate(procId, () => this.client.delete(procId, options));
  }

  describeRef(ref: RemoteRef): string {
    return procIdOf(ref);
  }

  parseRef(text: string): RemoteRef {
    const procId = text.trim();
    if (!procId || /\s/.test(procId))
      throw new TypeError(`a Lindorm job id is the procId the master returned (e.g. proc-91-ff38…), got ${JSON.stringify(text)}`);
    return { procId };
  }

  async #translate<T>(procId: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof LindormRefusedError) {
        if (this.#behaviour.notFoundPattern.test(error.apiMessage)) throw new RemoteTaskNotFoundError(procId, error.apiMessage, { cause: error });
        throw new RemoteRefusedError(procId, error.apiMessage, { cause: error });
      }
      throw error;
    }
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

function procIdOf(ref: RemoteRef): string {
  const procId = ref.procId;
  if (typeof procId !== 'string' || !procId) throw new TypeError(`not a Lindorm reference (no procId): ${JSON.stringify(ref)}`);
  return procId;
}

import type { Backend, CreateFailure, RemoteStatus, TaskSummary } from '../backends/backend.ts';
import type { CostLedger } from '../cost/cost-ledger.ts';
import type { MetricsSink } from './metrics.ts';

/** Latency and errors of every backend call, per operation (BackendInfoLatency, BackendCreateErrors, …), and the call counted for the task at hand. */
export class MeteredBackend<P = unknown> implements Backend<P> {
  readonly #inner: Backend<P>;
  readonly #metrics: MetricsSink;
  readonly #ledger: CostLedger | undefined;

  constructor(inner: Backend<P>, metrics: MetricsSink, ledger?: CostLedger) {
    this.#inner = inner;
    this.#metrics = metrics;
    this.#ledger = ledger;
  }

  get id(): string {
    return this.#inner.id;
  }

  get maxCreateMs(): number {
    return this.#inner.maxCreateMs;
  }

  parseRequest(fields: Record<string, unknown>): P {
    return this.#inner.parseRequest(fields);
  }

  summarize(params: P): TaskSummary {
    return this.#inner.summarize(params);
  }

  canonicalContent(params: P): unknown {
    return this.#inner.canonicalContent(params);
  }

  classifyCreateFailure(error: unknown): CreateFailure {
    return this.#inner.classifyCreateFailure(error);
  }

  create(params: P, options?: { signal?: AbortSignal }) {
    return this.#measure('Create', () => this.#inner.create(params, options));
  }

  status(remoteId: string, options?: { signal?: AbortSignal }): Promise<RemoteStatus> {
    return this.#measure('Info', () => this.#inner.status(remoteId, options));
  }

  abort(remoteId: string) {
    return this.#measure('Abort', () => this.#inner.abort(remoteId));
  }

  retry(remoteId: string) {
    return this.#measure('Retry', () => this.#inner.retry(remoteId));
  }

  delete(remoteId: string) {
    return this.#measure('Delete', () => this.#inner.delete(remoteId));
  }

  close(): Promise<void> {
    return this.#inner.close();
  }

  async #measure<T>(operation: string, call: () => Promise<T>): Promise<T> {
    const started = performance.now();
    this.#ledger?.addBackendCall();
    try {
      return await call();
    } catch (error) {
      this.#metrics.count(`Backend${operation}Errors`);
      throw error;
    } finally {
      this.#metrics.milliseconds(`Backend${operation}Latency`, performance.now() - started);
    }
  }
}

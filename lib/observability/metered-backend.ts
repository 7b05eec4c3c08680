import type { Backend } from '../backends/backend.ts';
import type { CostLedger } from '../cost/cost-ledger.ts';
import type { MetricsSink } from './metrics.ts';

/**
 * Latency and errors of every backend call, per operation (BackendStatusLatency, BackendCreateErrors, …)
 * and per target, and the call counted for the task at hand. The optional operations stay absent when the
 * backend has none: what a backend cannot do is seen by their absence.
 */
export function metered<P>(inner: Backend<P>, metrics: MetricsSink, ledger?: CostLedger): Backend<P> {
  const dimensions = { target: inner.target };
  const measure = async <T>(operation: string, call: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    ledger?.addBackendCall();
    try {
      return await call();
    } catch (error) {
      metrics.count(`Backend${operation}Errors`, 1, dimensions);
      throw error;
    } finally {
      metrics.milliseconds(`Backend${operation}Latency`, performance.now() - started, dimensions);
    }
  };
  const backend: Backend<P> = {
    id: inner.id,
    target: inner.target,
    capabilities: inner.capabilities,
    get timing() {
      return inner.timing;
    },
    create: (params, context, options) => measure('Create', () => inner.create(params, context, options)),
    classifyCreateFailure: (error) => inner.classifyCreateFailure(error),
    status: (ref, options) => measure('Status', () => inner.status(ref, options)),
    abort: (ref, options) => measure('Abort', () => inner.abort(ref, options)),
    describeRef: (ref) => inner.describeRef(ref),
    parseRef: (text) => inner.parseRef(text),
    close: () => inner.close(),
  };
  const { rerun, delete: remove, findCreated, inspect, readLog } = inner;
  if (rerun) backend.rerun = (ref, params, context, options) => measure('Rerun', () => rerun.call(inner, ref, params, context, options));
  if (remove) backend.delete = (ref, options) => measure('Delete', () => remove.call(inner, ref, options));
  if (findCreated) backend.findCreated = (params, context, options) => measure('FindCreated', () => findCreated.call(inner, params, context, options));
  if (inspect) backend.inspect = (ref, options) => measure('Inspect', () => inspect.call(inner, ref, options));
  if (readLog) backend.readLog = (ref, from, options) => measure('ReadLog', () => readLog.call(inner, ref, from, options));
  return backend;
}

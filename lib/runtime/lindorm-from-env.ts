import { LindormBulkloadBackend } from '../backends/lindorm/backend.ts';
import { LindormBulkloadClient } from '../backends/lindorm/client.ts';
import type { Backend } from '../backends/backend.ts';
import { integerVar, requireUrl } from '../config.ts';
import { MeteredBackend } from '../observability/metered-backend.ts';
import type { MetricsSink } from '../observability/metrics.ts';
import type { CostLedger } from '../cost/cost-ledger.ts';

type Env = Record<string, string | undefined>;

/** The Lindorm backend as configured by BDS_MASTER_URL and the LINDORM_* timeouts. */
export function lindormBackendFromEnv(env: Env, metrics?: MetricsSink, ledger?: CostLedger): Backend {
  const backend = new LindormBulkloadBackend(
    new LindormBulkloadClient({
      baseUrl: requireUrl(env, 'BDS_MASTER_URL'),
      timeouts: {
        connectMs: integerVar(env, 'LINDORM_CONNECT_TIMEOUT_MS', 3_000, 100, 60_000),
        headersMs: integerVar(env, 'LINDORM_HEADERS_TIMEOUT_MS', 10_000, 100, 120_000),
        bodyMs: integerVar(env, 'LINDORM_BODY_TIMEOUT_MS', 10_000, 100, 120_000),
      },
    }),
  );
  return metrics ? new MeteredBackend(backend, metrics, ledger) : backend;
}

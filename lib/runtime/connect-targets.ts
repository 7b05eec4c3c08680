import { backendCatalog } from '../backends/catalog.ts';
import { BackendRegistry } from '../backends/registry.ts';
import type { Clock } from '../clock.ts';
import type { CostLedger } from '../cost/cost-ledger.ts';
import { metered } from '../observability/metered-backend.ts';
import type { MetricsSink } from '../observability/metrics.ts';
import { createSecretSource, type SecretSource, type SecretStore } from '../targets/secrets.ts';
import type { Targets } from '../targets/targets.ts';

type Env = Record<string, string | undefined>;

/** Environment secrets, and Secrets Manager for `{ "secret": … }` references (loaded only when one is read). */
export function secretSourceFromEnv(env: Env): SecretSource {
  let store: Promise<SecretStore> | undefined;
  const secretsManager = () => (store ??= import('./secrets-manager-store.ts').then((m) => m.secretsManagerStore(env)));
  return createSecretSource({ env, store: { get: async (name, options) => (await secretsManager()).get(name, options) } });
}

/**
 * One connection per target, made once per container: each backend's client, metered when metrics are
 * given. Secrets are read by each client when it first needs them, not here.
 */
export async function connectTargets(
  targets: Targets,
  options: { env: Env; clock: Clock; metrics?: MetricsSink; ledger?: CostLedger; secrets?: SecretSource },
): Promise<BackendRegistry> {
  const secrets = options.secrets ?? secretSourceFromEnv(options.env);
  const backends = await Promise.all(
    targets.all().map(async (target) => {
      const module = backendCatalog.get(target.backend)!;
      const backend = await module.connect({ target, secrets, clock: options.clock });
      if (backend.capabilities.rerun === 'resubmit' && !backend.findCreated) {
        throw new TypeError(`backend ${backend.id}: a backend that resubmits failed jobs must be able to find the job of a lost resubmit (findCreated)`);
      }
      return options.metrics ? metered(backend, options.metrics, options.ledger) : backend;
    }),
  );
  return new BackendRegistry(backends, { targetOf: (task) => targets.targetOf(task) });
}

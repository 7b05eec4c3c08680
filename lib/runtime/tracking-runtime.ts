import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Backend } from '../backends/backend.ts';
import { BackendRegistry } from '../backends/registry.ts';
import { systemClock } from '../clock.ts';
import { requireVar } from '../config.ts';
import type { CostLedger } from '../cost/cost-ledger.ts';
import type { Logger } from '../logger.ts';
import { createLambdaObservability, type LambdaObservability } from '../observability/lambda-observability.ts';
import type { MetricsSink } from '../observability/metrics.ts';
import { DynamoDbTaskStore } from '../store/dynamodb-task-store.ts';
import type { TrackingDependencies } from '../tracking/tracking-deps.ts';
import { trackingSettingsFromEnv } from './tracking-settings.ts';

type Env = Record<string, string | undefined>;

/**
 * Makes the backend a function talks to. Passed in rather than imported here, so a function that never
 * calls a backend (retry) does not bundle its client.
 */
export type BackendFactory = (env: Env, metrics?: MetricsSink, ledger?: CostLedger) => Backend;

export interface TrackingRuntime {
  deps: TrackingDependencies;
  store: DynamoDbTaskStore;
}

/** The poller's and the retry function's dependencies in Lambda: Powertools logs, EMF metrics, cost ledger. */
export function createTrackingRuntime(
  env: Env,
  options: { functionName: string; backend?: BackendFactory },
): TrackingRuntime & { observability: LambdaObservability } {
  const observability = createLambdaObservability(env, options.functionName);
  return { ...build(env, options.backend, observability.logger, observability), observability };
}

/** The operator CLI's dependencies: its own logger, no metrics, no cost ledger. */
export function createOperatorRuntime(env: Env, options: { logger: Logger; backend?: BackendFactory }): TrackingRuntime {
  return build(env, options.backend, options.logger, undefined);
}

function build(env: Env, backend: BackendFactory | undefined, logger: Logger, observability: LambdaObservability | undefined): TrackingRuntime {
  const metrics = observability?.metrics;
  const ledger = observability?.ledger;
  const store = new DynamoDbTaskStore({ client: new DynamoDBClient({}), tableName: requireVar(env, 'TASKS_TABLE'), ...(ledger ? { ledger } : {}) });
  return {
    store,
    deps: {
      store,
      backends: new BackendRegistry(backend ? [backend(env, metrics, ledger)] : []),
      clock: systemClock,
      random: Math.random,
      logger,
      ...(metrics ? { metrics } : {}),
      ...(ledger ? { ledger } : {}),
      settings: trackingSettingsFromEnv(env),
    },
  };
}

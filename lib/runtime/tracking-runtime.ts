import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BackendRegistry } from '../backends/registry.ts';
import { systemClock } from '../clock.ts';
import { requireVar } from '../config.ts';
import type { Logger } from '../logger.ts';
import { createLambdaObservability, type LambdaObservability } from '../observability/lambda-observability.ts';
import { DynamoDbTaskStore } from '../store/dynamodb-task-store.ts';
import type { TrackingDependencies } from '../tracking/tracking-deps.ts';
import { lindormBackendFromEnv } from './lindorm-from-env.ts';
import { trackingSettingsFromEnv } from './tracking-settings.ts';

type Env = Record<string, string | undefined>;

export interface TrackingRuntime {
  deps: TrackingDependencies;
  store: DynamoDbTaskStore;
  /** Present in Lambda (no logger given): Powertools logs and EMF metrics. */
  observability?: LambdaObservability;
}

/** The poller's, retry function's and operator CLI's dependencies, made once per process. */
export function createTrackingRuntime(env: Env, options: { functionName: string; withBackends?: boolean; logger?: Logger }): TrackingRuntime {
  const observability = options.logger ? undefined : createLambdaObservability(env, options.functionName);
  const metrics = observability?.metrics;
  const ledger = observability?.ledger;
  const store = new DynamoDbTaskStore({ client: new DynamoDBClient({}), tableName: requireVar(env, 'TASKS_TABLE'), ...(ledger ? { ledger } : {}) });
  return {
    store,
    ...(observability ? { observability } : {}),
    deps: {
      store,
      backends: new BackendRegistry(options.withBackends === false ? [] : [lindormBackendFromEnv(env, metrics, ledger)]),
      clock: systemClock,
      random: Math.random,
      logger: options.logger ?? observability!.logger,
      ...(metrics ? { metrics } : {}),
      ...(ledger ? { ledger } : {}),
      settings: trackingSettingsFromEnv(env),
    },
  };
}

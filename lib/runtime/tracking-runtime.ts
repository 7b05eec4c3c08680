import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BackendRegistry } from '../backends/registry.ts';
import { systemClock } from '../clock.ts';
import { logLevelVar, requireVar } from '../config.ts';
import { createJsonLogger, type Logger } from '../logger.ts';
import { DynamoDbTaskStore } from '../store/dynamodb-task-store.ts';
import type { TrackingDependencies } from '../tracking/tracking-deps.ts';
import { lindormBackendFromEnv } from './lindorm-from-env.ts';
import { trackingSettingsFromEnv } from './tracking-settings.ts';

type Env = Record<string, string | undefined>;

export interface TrackingRuntime {
  deps: TrackingDependencies;
  store: DynamoDbTaskStore;
}

/** The poller's, retry function's and operator CLI's dependencies, made once per process. */
export function createTrackingRuntime(env: Env, options: { functionName: string; withBackends?: boolean; logger?: Logger }): TrackingRuntime {
  const store = new DynamoDbTaskStore({ client: new DynamoDBClient({}), tableName: requireVar(env, 'TASKS_TABLE') });
  return {
    store,
    deps: {
      store,
      backends: new BackendRegistry(options.withBackends === false ? [] : [lindormBackendFromEnv(env)]),
      clock: systemClock,
      random: Math.random,
      logger: options.logger ?? createJsonLogger({ level: logLevelVar(env), base: { service: 'bulkpilot', function: options.functionName } }),
      settings: trackingSettingsFromEnv(env),
    },
  };
}

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { backendCatalog } from '../backends/catalog.ts';
import { BackendRegistry } from '../backends/registry.ts';
import { systemClock } from '../clock.ts';
import { ConfigError, requireVar } from '../config.ts';
import type { Logger } from '../logger.ts';
import { createLambdaObservability, type LambdaObservability } from '../observability/lambda-observability.ts';
import { DynamoDbTaskStore } from '../store/dynamodb-task-store.ts';
import type { Targets } from '../targets/targets.ts';
import type { TrackingDependencies } from '../tracking/tracking-deps.ts';
import { connectTargets } from './connect-targets.ts';
import { targetsFromEnv } from './deployment-targets.ts';
import { trackingSettingsFromEnv } from './tracking-settings.ts';

type Env = Record<string, string | undefined>;

export interface TrackingRuntime {
  deps: TrackingDependencies;
  store: DynamoDbTaskStore;
  /** Absent when not asked for (an operator reading tasks needs no targets file). */
  targets?: Targets;
}

/**
 * The poller's and the retry function's dependencies in Lambda: Powertools logs, EMF metrics, cost ledger.
 * `connect: false` (the retry function, which decides and writes but never calls a backend) makes no
 * connection and so never loads a backend's client.
 */
export async function createTrackingRuntime(
  env: Env,
  options: { functionName: string; connect: boolean },
): Promise<TrackingRuntime & { observability: LambdaObservability }> {
  const observability = createLambdaObservability(env, options.functionName);
  return { ...(await build(env, options.connect, observability.logger, observability)), observability };
}

/** The operator CLI's dependencies: its own logger, no metrics, no cost ledger; targets only for commands that call backends. */
export function createOperatorRuntime(env: Env, options: { logger: Logger; connect: boolean }): Promise<TrackingRuntime> {
  return build(env, options.connect, options.logger, undefined, operatorAwsClientOptions(env));
}

/**
 * An operator's command never hangs on an endpoint that accepts and never answers: each AWS call gives up
 * after BULKPILOT_TIMEOUT_S (default 10 s), with the SDK's own retries.
 */
export function operatorAwsClientOptions(env: Env): {
  requestHandler: { connectionTimeout: number; requestTimeout: number; throwOnRequestTimeout: true };
  maxAttempts: number;
} {
  const raw = env.BULKPILOT_TIMEOUT_S;
  const seconds = raw === undefined || raw === '' ? 10 : Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0)
    throw new ConfigError('BULKPILOT_TIMEOUT_S', `must be a positive number of seconds, got ${JSON.stringify(raw)}`);
  // Without throwOnRequestTimeout, the SDK's handler only warns when the limit passes and waits on.
  return { requestHandler: { connectionTimeout: Math.min(3000, seconds * 1000), requestTimeout: seconds * 1000, throwOnRequestTimeout: true }, maxAttempts: 2 };
}

async function build(
  env: Env,
  connect: boolean,
  logger: Logger,
  observability: LambdaObservability | undefined,
  clientOptions: ConstructorParameters<typeof DynamoDBClient>[0] = {},
): Promise<TrackingRuntime> {
  const metrics = observability?.metrics;
  const ledger = observability?.ledger;
  const store = new DynamoDbTaskStore({
    client: new DynamoDBClient(clientOptions ?? {}),
    tableName: requireVar(env, 'TASKS_TABLE'),
    ...(ledger ? { ledger } : {}),
  });
  // A Lambda function always reads its targets (a bad file fails it at once); an operator's read command does not.
  const targets = connect || observability ? targetsFromEnv(env) : undefined;
  const backends =
    connect && targets
      ? await connectTargets(targets, { env, clock: systemClock, ...(metrics ? { metrics } : {}), ...(ledger ? { ledger } : {}) })
      : new BackendRegistry([], targets ? { targetOf: (task) => targets.targetOf(task) } : {});
  return {
    store,
    ...(targets ? { targets } : {}),
    deps: {
      store,
      backends,
      clock: systemClock,
      random: Math.random,
      logger,
      ...(metrics ? { metrics } : {}),
      ...(ledger ? { ledger } : {}),
      settings: trackingSettingsFromEnv(env),
      rerunKindOf: (task) => {
        const name = targets?.targetOf(task);
        const target = name === undefined ? undefined : targets?.get(name);
        return target ? backendCatalog.get(target.backend)?.capabilities.rerun : undefined;
      },
    },
  };
}

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import type { TargetLimits } from '../backends/backend.ts';
import { integerVar, requireUrl, requireVar } from '../config.ts';
import type { LambdaObservability } from '../observability/lambda-observability.ts';
import { createSqsClient } from '../queue/sqs-client.ts';
import { SqsImportQueue } from '../queue/sqs-import-queue.ts';
import { DynamoDbSlotStore } from '../store/dynamodb-slot-store.ts';
import type { PollCheckpointStore } from '../store/task-store.ts';
import { defaultTickOptions, largestMarginMs, type TickOptions } from '../tracking/poll-tick.ts';
import type { TrackingDependencies } from '../tracking/tracking-deps.ts';
import type { StarterDependencies } from '../tracking/waiting-starter.ts';
import { createTrackingRuntime } from './tracking-runtime.ts';

type Env = Record<string, string | undefined>;

export interface PollRuntime {
  deps: TrackingDependencies & { checkpoints: PollCheckpointStore };
  /** The targets with concurrency limits and what starts their waiting lines (none: nothing to start). */
  limited: Array<{ name: string; limits: TargetLimits }>;
  starter: StarterDependencies | undefined;
  observability: LambdaObservability;
  /** One invocation's tick: its time budget, its passes, and a deadline signal for every backend call. */
  tickOptions(context: Context): TickOptions;
}

/** Stopped this long before the function's timeout: the shard checkpoints are saved in it. */
const saveMarginMs = 2_000;

export async function createPollRuntime(env: Env): Promise<PollRuntime> {
  const { deps, store, observability, targets } = await createTrackingRuntime(env, { functionName: 'poll', connect: true });
  const limited = (targets?.all() ?? []).flatMap((t) => (t.limits ? [{ name: t.name, limits: t.limits }] : []));
  // Only a deployment with limited targets needs the slots and the queue (and their permissions).
  const starter: StarterDependencies | undefined = limited.length
    ? {
        store,
        slots: new DynamoDbSlotStore({ client: new DynamoDBClient({}), tableName: requireVar(env, 'TASKS_TABLE') }),
        queue: new SqsImportQueue({ client: createSqsClient(), queueUrl: requireUrl(env, 'IMPORT_QUEUE_URL') }),
        clock: deps.clock,
        logger: deps.logger,
        ...(deps.metrics ? { metrics: deps.metrics } : {}),
      }
    : undefined;
  const concurrency = integerVar(env, 'POLL_CONCURRENCY', defaultTickOptions.concurrencyPerTarget, 1, 256);
  const margin = largestMarginMs(deps);
  return {
    deps: { ...deps, checkpoints: store },
    limited,
    starter,
    observability,
    tickOptions(context) {
      const now = deps.clock.now();
      const remaining = context.getRemainingTimeInMillis();
      // Passes end while the slowest target's check still fits before the timeout (its backend's declared bound).
      const passesUntil = now + Math.max(0, Math.min(deps.settings.poll.passWindowMs, remaining - margin - saveMarginMs));
      return {
        ...defaultTickOptions,
        owner: context.awsRequestId,
        remainingMs: () => context.getRemainingTimeInMillis(),
        concurrencyPerTarget: concurrency,
        passIntervalMs: deps.settings.poll.nearEndIntervalMs,
        passesUntil,
        signal: AbortSignal.timeout(Math.max(1, remaining - saveMarginMs)),
      };
    },
  };
}

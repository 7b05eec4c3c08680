import type { Context } from 'aws-lambda';
import { integerVar } from '../config.ts';
import type { LambdaObservability } from '../observability/lambda-observability.ts';
import type { PollCheckpointStore } from '../store/task-store.ts';
import { defaultTickOptions, largestMarginMs, type TickOptions } from '../tracking/poll-tick.ts';
import type { TrackingDependencies } from '../tracking/tracking-deps.ts';
import { createTrackingRuntime } from './tracking-runtime.ts';

type Env = Record<string, string | undefined>;

export interface PollRuntime {
  deps: TrackingDependencies & { checkpoints: PollCheckpointStore };
  observability: LambdaObservability;
  /** One invocation's tick: its time budget, its passes, and a deadline signal for every backend call. */
  tickOptions(context: Context): TickOptions;
}

/** Stopped this long before the function's timeout: the shard checkpoints are saved in it. */
const saveMarginMs = 2_000;

export async function createPollRuntime(env: Env): Promise<PollRuntime> {
  const { deps, store, observability } = await createTrackingRuntime(env, { functionName: 'poll', connect: true });
  const concurrency = integerVar(env, 'POLL_CONCURRENCY', defaultTickOptions.concurrencyPerTarget, 1, 256);
  const margin = largestMarginMs(deps);
  return {
    deps: { ...deps, checkpoints: store },
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

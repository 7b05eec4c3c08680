import type { Context, ScheduledEvent } from 'aws-lambda';
import { integerVar } from '../lib/config.ts';
import { lindormBackendFromEnv } from '../lib/runtime/lindorm-from-env.ts';
import { createTrackingRuntime } from '../lib/runtime/tracking-runtime.ts';
import { defaultTickOptions, pollTick, type TickReport } from '../lib/tracking/poll-tick.ts';

let runtime: ReturnType<typeof createTrackingRuntime> | undefined;

export const handler = async (_event: ScheduledEvent, context: Context): Promise<TickReport> => {
  const { deps, store, observability } = (runtime ??= createTrackingRuntime(process.env, { functionName: 'poll', backend: lindormBackendFromEnv }));
  return observability.invoke(context, async () => {
    const report = await pollTick(
      { ...deps, checkpoints: store },
      {
        ...defaultTickOptions,
        owner: context.awsRequestId,
        remainingMs: () => context.getRemainingTimeInMillis(),
        concurrencyPerBackend: integerVar(process.env, 'POLL_CONCURRENCY', defaultTickOptions.concurrencyPerBackend, 1, 256),
        passIntervalMs: deps.settings.poll.nearEndIntervalMs,
        passesUntil: deps.clock.now() + deps.settings.poll.passWindowMs,
      },
    );
    deps.logger.info('poll tick', { ...report });
    return report;
  });
};

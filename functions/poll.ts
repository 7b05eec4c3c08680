import type { Context, ScheduledEvent } from 'aws-lambda';
import { integerVar } from '../lib/config.ts';
import { createTrackingRuntime, type TrackingRuntime } from '../lib/runtime/tracking-runtime.ts';
import { defaultTickOptions, pollTick, type TickReport } from '../lib/tracking/poll-tick.ts';

let runtime: TrackingRuntime | undefined;

export const handler = async (_event: ScheduledEvent, context: Context): Promise<TickReport> => {
  runtime ??= createTrackingRuntime(process.env, { functionName: 'poll' });
  runtime.observability?.startInvocation(context);
  try {
    const report = await pollTick(
      { ...runtime.deps, leases: runtime.store },
      {
        ...defaultTickOptions,
        owner: context.awsRequestId,
        remainingMs: () => context.getRemainingTimeInMillis(),
        concurrencyPerBackend: integerVar(process.env, 'POLL_CONCURRENCY', defaultTickOptions.concurrencyPerBackend, 1, 256),
      },
    );
    runtime.deps.logger.info('poll tick', { ...report });
    return report;
  } finally {
    runtime.observability?.endInvocation();
  }
};

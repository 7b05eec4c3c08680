import type { Context, ScheduledEvent } from 'aws-lambda';
import { createPollRuntime, type PollRuntime } from '../lib/runtime/poll-runtime.ts';
import { pollInvocation, type TickReport } from '../lib/tracking/poll-tick.ts';

let runtime: Promise<PollRuntime> | undefined;

export const handler = async (_event: ScheduledEvent, context: Context): Promise<TickReport> => {
  runtime ??= createPollRuntime(process.env);
  const { deps, observability, tickOptions, limited, starter } = await runtime;
  return observability.invoke(context, async () => {
    const report = await pollInvocation(deps, tickOptions(context), starter ? { limited, starter } : undefined);
    deps.logger.info('poll tick', { ...report });
    return report;
  });
};

import type { Context, ScheduledEvent } from 'aws-lambda';
import { createPollRuntime, type PollRuntime } from '../lib/runtime/poll-runtime.ts';
import { pollTick, type TickReport } from '../lib/tracking/poll-tick.ts';

let runtime: Promise<PollRuntime> | undefined;

export const handler = async (_event: ScheduledEvent, context: Context): Promise<TickReport> => {
  runtime ??= createPollRuntime(process.env);
  const { deps, observability, tickOptions } = await runtime;
  return observability.invoke(context, async () => {
    const report = await pollTick(deps, tickOptions(context));
    deps.logger.info('poll tick', { ...report });
    return report;
  });
};

import type { Context, ScheduledEvent } from 'aws-lambda';
import { createTriggersRuntime, cursorStoreFromEnv, type TriggersRuntime } from '../lib/runtime/triggers-runtime.ts';
import { cronTick, type CronTickReport, type CursorStore } from '../lib/triggers/cron-tick.ts';

let runtime: (TriggersRuntime & { cursors: CursorStore }) | undefined;

/** Every minute: the cron import rules' slots that came due become import requests on the queue. */
export const handler = async (_event: ScheduledEvent, context?: Context): Promise<CronTickReport> => {
  const { rules, cursors, queue, logger, observability } = (runtime ??= {
    ...createTriggersRuntime(process.env, 'schedule'),
    cursors: cursorStoreFromEnv(process.env),
  });
  return observability.invoke(context, () => cronTick(rules.cronRules, { cursors, queue, logger, now: Date.now() }));
};

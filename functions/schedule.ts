import type { Context, ScheduledEvent } from 'aws-lambda';
import { createTriggersRuntime, cursorStoreFromEnv, type TriggersRuntime } from '../lib/runtime/triggers-runtime.ts';
import { type CronTickReport, type CursorStore, cronTick } from '../lib/triggers/cron-tick.ts';

let runtime: (TriggersRuntime & { cursors: CursorStore }) | undefined;

/** Every minute: the cron import rules' slots that came due become import requests on the queue. */
export const handler = async (_event: ScheduledEvent, context?: Context): Promise<CronTickReport> => {
  runtime ??= { ...createTriggersRuntime(process.env, 'schedule'), cursors: cursorStoreFromEnv(process.env) };
  const { rules, cursors, queue, logger, observability } = runtime;
  return observability.invoke(context, () => cronTick(rules.cronRules, { cursors, queue, logger, now: Date.now() }));
};

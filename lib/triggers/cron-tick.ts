import type { Logger } from '../logger.ts';
import type { ImportQueue } from './import-queue.ts';
import { type CronRule, slotPlaceholders } from './import-rules.ts';
import { fillTemplate } from './template.ts';

/** The last slot each rule has fired, kept between invocations (conditional writes). */
export interface CursorStore {
  getCursor(name: string): Promise<number | undefined>;
  /** Moves the cursor from `from` (undefined: not yet set) to `to`; false if someone else moved it first. */
  moveCursor(name: string, from: number | undefined, to: number): Promise<boolean>;
}

export interface CronTickReport {
  fired: Array<{ ruleId: string; slot: string; requestId: string }>;
  skipped: Array<{ ruleId: string; slots: number }>;
}

const minute = 60_000;

/**
 * Fires every slot of every cron rule in (cursor, now]. A slot's requestId is `cron-<rule>-<slot>`, so an
 * invocation that runs twice, or two overlapping ones, enqueue duplicates the submit path turns into one
 * task; a late invocation catches up on missed slots (up to the rule's maxCatchUp). A rule seen for the
 * first time starts at the current minute, without replaying its history.
 */
export async function cronTick(
  rules: readonly CronRule[],
  deps: { cursors: CursorStore; queue: ImportQueue; logger: Logger; now: number },
): Promise<CronTickReport> {
  const report: CronTickReport = { fired: [], skipped: [] };
  for (const rule of rules) {
    const name = `cron#${rule.id}`;
    const cursor = await deps.cursors.getCursor(name);
    const after = cursor ?? Math.floor(deps.now / minute) * minute - minute;
    // Looking back further than a week is not catching up any more; those slots count as skipped.
    const all = rule.schedule.slotsBetween(Math.max(after, deps.now - 7 * 1440 * minute), deps.now, 100_000);
    const slots = all.slice(-rule.maxCatchUp);
    if (all.length > slots.length) {
      report.skipped.push({ ruleId: rule.id, slots: all.length - slots.length });
      deps.logger.warn('scheduler was late: oldest missed slots skipped', { ruleId: rule.id, skipped: all.length - slots.length, maxCatchUp: rule.maxCatchUp });
    }
    if (slots.length === 0) {
      // A new rule gets its cursor at once, so a late or missed next invocation still catches up.
      if (cursor === undefined) await deps.cursors.moveCursor(name, undefined, after);
      continue;
    }
    const bodies = slots.map((slot) => {
      const values = slotPlaceholders(slot);
      const requestId = `cron-${rule.id}-${values.yyyy}${values.MM}${values.dd}${values.HH}${values.mm}`;
      report.fired.push({ ruleId: rule.id, slot: new Date(slot).toISOString(), requestId });
      return { body: JSON.stringify({ ...fillTemplate(rule.template, values), requestId }) };
    });
    // Enqueue first, then move the cursor: a crash in between re-sends slots the submit path deduplicates.
    await deps.queue.enqueue(bodies);
    await deps.cursors.moveCursor(name, cursor, slots.at(-1)!);
    deps.logger.info('cron slots fired', { ruleId: rule.id, slots: slots.map((s) => new Date(s).toISOString()) });
  }
  return report;
}

import type { DisRunPlan } from '../types.ts';

/**
 * The default plan reads hints from the task name (letters, digits, '-' and '_' only, so the hints are
 * dash-words), so a client under test can ask for trouble without the simulator being configured:
 *   sim-abnormal   RUNNING for one deliver_time_interval, then ABNORMAL
 *   sim-error      the same, ending in ERROR
 *   sim-discard    every delivery discards one record per partition (discard > 0)
 *   sim-idle       the stream carries no data: no files, last_transfer_timestamp never advances
 * Hints apply to every run (create and each start).
 */
export function defaultDisPlan(task: { taskName: string; descriptor: Record<string, unknown> }): DisRunPlan {
  const name = task.taskName;
  const plan: DisRunPlan = {};
  const intervalMs = intervalSeconds(task.descriptor) * 1_000;
  if (name.includes('sim-abnormal')) Object.assign(plan, { failAfterMs: intervalMs, failState: 'ABNORMAL' });
  if (name.includes('sim-error')) Object.assign(plan, { failAfterMs: intervalMs, failState: 'ERROR' });
  if (name.includes('sim-discard')) plan.discardPerInterval = 1;
  if (name.includes('sim-idle')) plan.recordsPerInterval = 0;
  return plan;
}

/** deliver_time_interval in seconds, as number or numeric string; 300 (the documented default) otherwise. */
export function intervalSeconds(descriptor: Record<string, unknown>): number {
  const value = Number(descriptor['deliver_time_interval']);
  return Number.isFinite(value) && value > 0 ? value : 300;
}

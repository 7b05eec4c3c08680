import type { DisRunPlan, DisTaskState } from '../types.ts';

export interface ResolvedDisPlan {
  startingMs: number;
  failAfterMs: number | undefined;
  failState: 'ABNORMAL' | 'ERROR';
  recordsPerInterval: number;
  discardPerInterval: number;
}

/** One stretch of consuming: from a create or start until a stop, a forced state or an update. */
export interface TaskRun {
  startedAt: number;
  plan: ResolvedDisPlan;
  intervalMs: number;
  /** Set when something ended the run; the task then shows endState (unless a later run exists). */
  endedAt?: number;
  endState?: DisTaskState;
}

export interface TaskProgress {
  state: DisTaskState;
  /** Files written per partition so far: one per elapsed deliver_time_interval while RUNNING with data. */
  deliveries: number;
  /** Records written per partition (last_transfer_offset). */
  offset: number;
  discard: number;
  /** 0 until the first delivery [I]. */
  lastTransferAt: number;
}

export function resolveDisPlan(plan: DisRunPlan): ResolvedDisPlan {
  return {
    startingMs: nonNegative(plan.startingMs, 3_000),
    failAfterMs: plan.failAfterMs === undefined ? undefined : nonNegative(plan.failAfterMs, 0),
    failState: plan.failState ?? 'ABNORMAL',
    recordsPerInterval: nonNegative(plan.recordsPerInterval, 100),
    discardPerInterval: nonNegative(plan.discardPerInterval, 0),
  };
}

/**
 * A dump task read off the clock. It is long-lived: STARTING, then RUNNING for good, writing one file
 * per deliver_time_interval — there is no success state. Only a stop (PAUSED), a planned or forced
 * failure (ABNORMAL/ERROR) ends a run; a start begins a new one.
 */
export function taskProgress(runs: readonly TaskRun[], now: number): TaskProgress {
  let deliveries = 0;
  let offset = 0;
  let discard = 0;
  let lastTransferAt = 0;
  for (const run of runs) {
    const runningFrom = run.startedAt + run.plan.startingMs;
    const until = Math.min(now, effectiveEnd(run));
    if (run.plan.recordsPerInterval === 0 || until <= runningFrom) continue;
    const files = Math.floor((until - runningFrom) / run.intervalMs);
    if (files === 0) continue;
    deliveries += files;
    offset += files * run.plan.recordsPerInterval;
    discard += files * run.plan.discardPerInterval;
    lastTransferAt = runningFrom + files * run.intervalMs;
  }
  return { state: taskState(runs, now), deliveries, offset, discard, lastTransferAt };
}

export function taskState(runs: readonly TaskRun[], now: number): DisTaskState {
  const run = runs.at(-1);
  if (run === undefined) return 'PAUSED';
  if (run.endedAt !== undefined && run.endedAt <= now) return run.endState ?? 'PAUSED';
  const failAt = failTime(run);
  if (failAt !== undefined && now >= failAt) return run.plan.failState;
  return now < run.startedAt + run.plan.startingMs ? 'STARTING' : 'RUNNING';
}

/** Ends the open run at `now`, as a stop, a forced state or an update does. */
export function endRun(runs: TaskRun[], now: number, endState: DisTaskState): void {
  const run = runs.at(-1);
  if (run === undefined) return;
  if (run.endedAt === undefined) run.endedAt = now;
  run.endState = endState;
}

function failTime(run: TaskRun): number | undefined {
  return run.plan.failAfterMs === undefined ? undefined : run.startedAt + run.plan.startingMs + run.plan.failAfterMs;
}

function effectiveEnd(run: TaskRun): number {
  return Math.min(run.endedAt ?? Number.POSITIVE_INFINITY, failTime(run) ?? Number.POSITIVE_INFINITY);
}

function nonNegative(value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!(value >= 0)) throw new TypeError(`dis plan: durations and counts must be >= 0, got ${value}`);
  return value;
}

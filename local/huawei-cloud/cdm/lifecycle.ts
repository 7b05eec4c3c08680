import type { CdmOutcome, CdmRunPlan } from '../types.ts';

export interface ResolvedRunPlan {
  queueMs: number;
  bootMs: number;
  runMs: number;
  outcome: CdmOutcome;
  failAfterRunMs: number;
  errorSummary: string;
  errorDetails: string;
  rows: number;
  bytesPerRow: number;
  files: number | undefined;
  progress: (fraction: number) => number;
  statusLagMs: number;
}

/** A stop or a forced status, effective from `at` on; the latest one replaces any earlier one. */
export interface SubmissionOverride {
  at: number;
  status: string;
  progress?: number;
  errorSummary?: string;
  errorDetails?: string;
  by?: string;
}

export interface SubmissionRecord {
  id: number;
  clusterId: string;
  jobName: string;
  createdAt: number;
  user: string;
  externalId: string;
  plan: ResolvedRunPlan;
  override?: SubmissionOverride;
}

export interface SubmissionState {
  status: string;
  /** -1 once failed, else 0..100. */
  progress: number;
  lastUpdateAt: number;
  lastUpdateUser: string;
  /** Still in the first status (PENDING/NEW): no external id, no update user yet (as in seed 002). */
  fresh: boolean;
  terminal: boolean;
  errorSummary?: string;
  errorDetails?: string;
  counters?: Record<string, number>;
}

export interface LifecycleNames {
  firstStatus: string;
  stoppedStatus: string;
  stoppedErrorSummary: string;
}

export const TERMINAL_STATUSES: ReadonlySet<string> = new Set(['SUCCEEDED', 'FAILED', 'FAILURE_ON_SUBMIT', 'NEVER_EXECUTED']);

export function resolveRunPlan(plan: CdmRunPlan): ResolvedRunPlan {
  const runMs = nonNegative(plan.runMs, 5_000);
  return {
    queueMs: nonNegative(plan.queueMs, 1_000),
    bootMs: nonNegative(plan.bootMs, 2_000),
    runMs,
    outcome: plan.outcome ?? 'SUCCEEDED',
    failAfterRunMs: nonNegative(plan.failAfterRunMs, Math.floor(runMs / 2)),
    errorSummary: plan.errorSummary ?? 'Simulated failure: the migration could not write to the destination.',
    errorDetails: plan.errorDetails ?? 'org.apache.sqoop.common.SqoopException: CDM.0232: simulated write failure',
    rows: nonNegative(plan.rows, 1_000),
    bytesPerRow: nonNegative(plan.bytesPerRow, 100),
    files: plan.files,
    progress: plan.progress ?? ((f) => f),
    statusLagMs: nonNegative(plan.statusLagMs, 0),
  };
}

/**
 * A submission's status read off the clock: first status → BOOTING → RUNNING → outcome, by the plan's
 * durations; a stop or forced status takes over from its time on. Nothing here keeps time, so a fake
 * clock drives it.
 */
export function submissionState(sub: SubmissionRecord, now: number, names: LifecycleNames): SubmissionState {
  const override = sub.override;
  if (override !== undefined && override.at <= now) return overridden(sub, override, names);
  return natural(sub, now, names);
}

function natural(sub: SubmissionRecord, now: number, names: LifecycleNames): SubmissionState {
  const { plan } = sub;
  const c = sub.createdAt;
  const base = { lastUpdateUser: sub.user };
  if (plan.outcome === 'FAILURE_ON_SUBMIT' || plan.outcome === 'NEVER_EXECUTED') {
    return { ...base, status: plan.outcome, progress: plan.outcome === 'FAILURE_ON_SUBMIT' ? -1 : 0, lastUpdateAt: c, fresh: false, terminal: true };
  }
  const bootAt = c + plan.queueMs;
  const runAt = bootAt + plan.bootMs;
  const endAt = runAt + (plan.outcome === 'FAILED' ? plan.failAfterRunMs : plan.runMs);
  if (now < bootAt) return { ...base, status: names.firstStatus, progress: 0, lastUpdateAt: c, fresh: true, terminal: false };
  if (now < runAt) return { ...base, status: 'BOOTING', progress: 0, lastUpdateAt: bootAt, fresh: false, terminal: false };
  if (now < endAt) return { ...base, status: 'RUNNING', progress: progressAt(plan, now - runAt), lastUpdateAt: runAt, fresh: false, terminal: false };
  switch (plan.outcome) {
    case 'SUCCEEDED':
      return { ...base, status: 'SUCCEEDED', progress: 100, lastUpdateAt: endAt, fresh: false, terminal: true, counters: counters(plan) };
    case 'FAILED':
      return {
        ...base,
        status: 'FAILED',
        progress: -1,
        lastUpdateAt: endAt,
        fresh: false,
        terminal: true,
        errorSummary: plan.errorSummary,
        errorDetails: plan.errorDetails,
      };
    default:
      // UNKNOWN: the agent lost track of the run; it is not terminal, a client must give up on its own.
      return { ...base, status: 'UNKNOWN', progress: progressAt(plan, plan.runMs), lastUpdateAt: endAt, fresh: false, terminal: false };
  }
}

function overridden(sub: SubmissionRecord, override: SubmissionOverride, names: LifecycleNames): SubmissionState {
  const before = natural(sub, override.at, names);
  const status = override.status;
  const failed = status === 'FAILED' || status === 'FAILURE_ON_SUBMIT';
  const progress = override.progress ?? (failed ? -1 : status === 'SUCCEEDED' ? 100 : Math.max(0, before.progress));
  const state: SubmissionState = {
    status,
    progress,
    lastUpdateAt: override.at,
    lastUpdateUser: override.by ?? sub.user,
    fresh: false,
    terminal: TERMINAL_STATUSES.has(status),
  };
  if (status === 'FAILED') {
    state.errorSummary = override.errorSummary ?? (override.by !== undefined ? names.stoppedErrorSummary : sub.plan.errorSummary);
    state.errorDetails = override.errorDetails ?? state.errorSummary;
  }
  if (status === 'SUCCEEDED') state.counters = counters(sub.plan);
  return state;
}

function progressAt(plan: ResolvedRunPlan, elapsedRunMs: number): number {
  const fraction = plan.runMs === 0 ? 1 : Math.min(1, Math.max(0, elapsedRunMs / plan.runMs));
  const done = Math.min(1, Math.max(0, plan.progress(fraction)));
  // CDM reports a float; two decimals keep it readable and stable across platforms.
  return Math.round(done * 10_000) / 100;
}

/** The SqoopCounters of a SUCCEEDED run; -1 stands for "not applicable" (file counters of a table job). */
function counters(plan: ResolvedRunPlan): Record<string, number> {
  const bytes = plan.rows * plan.bytesPerRow;
  const files = plan.files ?? -1;
  return {
    BYTES_READ: bytes,
    BYTES_WRITTEN: bytes,
    ROWS_READ: plan.rows,
    ROWS_WRITTEN: plan.rows,
    ROWS_WRITTEN_SKIPPED: 0,
    FILES_READ: files,
    FILES_WRITTEN: files,
    FILES_SKIPPED: plan.files === undefined ? -1 : 0,
    TOTAL_FILES: files,
    TOTAL_SIZE: plan.files === undefined ? -1 : bytes,
  };
}

function nonNegative(value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!(value >= 0)) throw new TypeError(`cdm plan: durations and counts must be >= 0, got ${value}`);
  return value;
}

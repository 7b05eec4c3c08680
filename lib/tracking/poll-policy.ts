import type { Task } from '../task/task.ts';

/**
 * When a task is checked next. A job's remaining time is unknown, so the interval grows with the run's
 * age (a 2-minute-old job is checked about every 30 s, a 3-hour-old one every 10 min): the number of
 * checks grows with the logarithm of the duration, and the detection delay stays a fixed share of it.
 * A backend that says the end is near shortens the interval; jitter keeps a burst of submissions from
 * polling in lockstep; a check never lands after the run's deadline.
 */
export interface PollPolicy {
  /** First check after submit. */
  firstCheckDelayMs: number;
  minIntervalMs: number;
  maxIntervalMs: number;
  /** Interval as a share of the run's age, between min and max. */
  ageFraction: number;
  /** Interval while the backend says a run is about to end. */
  nearEndIntervalMs: number;
  /**
   * With a predicted end (end-prediction.ts): the next check after this share of the time left. A quarter
   * meets the detection goals on the simulated workloads of all three batch backends at half the calls of
   * fixed 60 s polling or less (bench/sim; a half checks less and misses failures part-way for longer).
   */
  predictedGapShare: number;
  /** How long each invocation keeps making passes, `nearEndIntervalMs` apart, over the tasks it read (0: one pass). */
  passWindowMs: number;
  /** ± share of the interval drawn at random. */
  jitter: number;
  /** After a failed status call: base × 2^(failures−1), capped. */
  errorBackoffBaseMs: number;
  errorBackoffMaxMs: number;
  /** LOST needs this many consecutive "not found" answers, the first and last at least `lostMinSpanMs` apart. */
  lostConfirmations: number;
  lostMinSpanMs: number;
  /** While an abort is awaiting confirmation. */
  abortingIntervalMs: number;
  /** How long a task may sit in FAILED before the poller applies the retry policy itself (stream lag). */
  failedGraceMs: number;
  /** A submission that left ACCEPTED without a claim (its message is still queued or dead-lettered). */
  stalledAcceptedIntervalMs: number;
  /** After this long without a create, a stalled submission is given up (REJECTED, nothing was created). */
  stalledAcceptedMaxAgeMs: number;
  /** Maximum duration of a batch run when the request does not set one (continuous jobs have none by default). */
  defaultMaxDurationMs: number;
}

export const defaultPollPolicy: PollPolicy = {
  firstCheckDelayMs: 30_000,
  minIntervalMs: 45_000,
  maxIntervalMs: 10 * 60_000,
  ageFraction: 0.17,
  nearEndIntervalMs: 15_000,
  predictedGapShare: 0.25,
  passWindowMs: 30_000,
  jitter: 0.2,
  errorBackoffBaseMs: 60_000,
  errorBackoffMaxMs: 10 * 60_000,
  lostConfirmations: 3,
  lostMinSpanMs: 10 * 60_000,
  abortingIntervalMs: 30_000,
  failedGraceMs: 5 * 60_000,
  stalledAcceptedIntervalMs: 6 * 60 * 60_000,
  // Longer than the dead-letter queue keeps a message (14 days), so a redrive still finds the task waiting.
  stalledAcceptedMaxAgeMs: 15 * 24 * 60 * 60_000,
  defaultMaxDurationMs: 24 * 60 * 60_000,
};

export function jittered(ms: number, share: number, random: () => number): number {
  return Math.max(0, Math.round(ms * (1 + (random() * 2 - 1) * share)));
}

/** What the check times of a running task depend on. */
export type RunTiming = Pick<Task, 'runStartedAt' | 'submittedAt' | 'nearEnd' | 'maxDurationMs' | 'lifecycle'>;

/** Delay until the next check of a task whose job is running (or just submitted). */
export function nextCheckDelayMs(task: RunTiming, now: number, policy: PollPolicy, random: () => number): number {
  let delay = jittered(checkIntervalMs(now - (task.runStartedAt ?? task.submittedAt ?? now), task.nearEnd === true, policy), policy.jitter, random);
  const deadline = deadlineOf(task, policy);
  if (deadline !== undefined && deadline > now) delay = Math.min(delay, deadline - now);
  return delay;
}

/** The gap between checks of a run of this age, before jitter: a share of the age, bounded; short near the end. */
export function checkIntervalMs(ageMs: number, nearEnd: boolean, policy: PollPolicy): number {
  const interval = Math.min(policy.maxIntervalMs, Math.max(policy.minIntervalMs, ageMs * policy.ageFraction));
  return nearEnd ? Math.min(interval, policy.nearEndIntervalMs) : interval;
}

export function errorBackoffMs(failures: number, policy: PollPolicy, random: () => number): number {
  const base = Math.min(policy.errorBackoffMaxMs, policy.errorBackoffBaseMs * 2 ** Math.max(0, failures - 1));
  return jittered(base, policy.jitter, random);
}

/**
 * The moment the current run exceeds its maximum duration: the request's, else the default — which a
 * continuous job (never meant to end on its own) does not get.
 */
export function deadlineOf(task: Pick<Task, 'runStartedAt' | 'submittedAt' | 'maxDurationMs' | 'lifecycle'>, policy: PollPolicy): number | undefined {
  const start = task.runStartedAt ?? task.submittedAt;
  if (start === undefined) return undefined;
  const limit = task.maxDurationMs ?? (task.lifecycle === 'continuous' ? undefined : policy.defaultMaxDurationMs);
  return limit === undefined ? undefined : start + limit;
}

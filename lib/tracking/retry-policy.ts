import type { RerunKind } from '../backends/backend.ts';
import type { Task } from '../task/task.ts';

/**
 * How a failed run is retried: up to `maxAttempts` runs in all, the n-th retry after a delay drawn
 * uniformly from [0, min(maxDelayMs, baseDelayMs × multiplier^(n−1))] ("full jitter"). A request may
 * override the numbers; the patterns are deployment-wide.
 */
export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  multiplier: number;
  maxDelayMs: number;
  /** Regular expressions (case-insensitive) for backend failure messages that no retry can fix. */
  nonRetryablePatterns: string[];
}

export const defaultRetryPolicy: RetryPolicy = {
  maxAttempts: 3,
  baseDelayMs: 60_000,
  multiplier: 2,
  maxDelayMs: 30 * 60_000,
  nonRetryablePatterns: [],
};

export function effectiveRetryPolicy(task: Task, base: RetryPolicy): RetryPolicy {
  return { ...base, ...task.retry };
}

export function retryDelayMs(retryNumber: number, policy: RetryPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * policy.multiplier ** Math.max(0, retryNumber - 1));
  return Math.floor(random() * ceiling);
}

export type FailureDecision = { to: 'RETRY_WAIT'; nextAttemptAt: number; reason: string } | { to: 'FAILED_FINAL'; reason: string };

/**
 * What follows a FAILED task. Retryable: a failure the backend reported for a run (its job failed).
 * Not retryable: a backend that cannot run a failed job again, a message matching a non-retryable pattern,
 * and the last allowed attempt.
 */
export function decideAfterFailure(task: Task, base: RetryPolicy, now: number, random: () => number, rerun?: RerunKind): FailureDecision {
  const policy = effectiveRetryPolicy(task, base);
  const attempt = task.attempt ?? 1;
  const message = task.error?.reason ?? '';
  if (rerun === 'none') return { to: 'FAILED_FINAL', reason: `not retryable (the backend cannot run a failed job again): ${message}` };
  const fatal = policy.nonRetryablePatterns.find((p) => new RegExp(p, 'i').test(message));
  if (fatal) return { to: 'FAILED_FINAL', reason: `not retryable (matches /${fatal}/i): ${message}` };
  if (attempt >= policy.maxAttempts) return { to: 'FAILED_FINAL', reason: `attempt ${attempt} of ${policy.maxAttempts} failed: ${message}` };
  const delay = retryDelayMs(attempt, policy, random);
  return {
    to: 'RETRY_WAIT',
    nextAttemptAt: now + delay,
    reason: `attempt ${attempt} of ${policy.maxAttempts} failed; retry in ${Math.round(delay / 1000)} s: ${message}`,
  };
}

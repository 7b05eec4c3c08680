import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../lib/random.ts';
import { newTask, type Task, taskIdFor } from '../../../lib/task/task.ts';
import { deadlineOf, defaultPollPolicy, errorBackoffMs, nextCheckDelayMs } from '../../../lib/tracking/poll-policy.ts';
import { decideAfterFailure, defaultRetryPolicy, retryDelayMs } from '../../../lib/tracking/retry-policy.ts';

const t0 = Date.parse('2026-11-21T10:00:00Z');
const min = 60_000;

function running(overrides: Partial<Task> = {}): Task {
  const task = newTask(
    { taskId: taskIdFor('r'), requestId: 'r', requestIdSource: 'client', backend: 'lindorm-bulkload', state: 'ACCEPTED', createdAt: t0, summary: {} },
    'x',
    { historyLimit: 50, shards: 4, retentionDays: 30 },
  );
  return { ...task, state: 'RUNNING', submittedAt: t0, runStartedAt: t0, attempt: 1, ...overrides };
}
const noJitter = { ...defaultPollPolicy, jitter: 0 };

describe('the polling rule', () => {
  it('checks a young job often and an old one rarely, between the bounds', () => {
    expect(nextCheckDelayMs(running(), t0 + 1 * min, noJitter, Math.random)).toBe(noJitter.minIntervalMs);
    expect(nextCheckDelayMs(running(), t0 + 20 * min, noJitter, Math.random)).toBe(Math.round(20 * min * noJitter.ageFraction));
    expect(nextCheckDelayMs(running(), t0 + 300 * min, noJitter, Math.random)).toBe(10 * min);
  });

  it('shortens the interval when the backend says the end is near', () => {
    expect(nextCheckDelayMs(running({ nearEnd: true }), t0 + 300 * min, noJitter, Math.random)).toBe(noJitter.nearEndIntervalMs);
    expect(nextCheckDelayMs(running({ nearEnd: false, stage: 'WAIT_FOR_SUCCESS' }), t0 + 300 * min, noJitter, Math.random)).toBe(10 * min);
  });

  it('gives a continuous job no default deadline, but keeps the one its request sets', () => {
    expect(deadlineOf(running({ lifecycle: 'continuous' }), noJitter)).toBeUndefined();
    expect(deadlineOf(running({ lifecycle: 'continuous', maxDurationMs: 90 * min }), noJitter)).toBe(t0 + 90 * min);
    expect(deadlineOf(running(), noJitter)).toBe(t0 + noJitter.defaultMaxDurationMs);
  });

  it('never schedules a check after the run deadline', () => {
    const task = running({ maxDurationMs: 62 * min });
    expect(nextCheckDelayMs(task, t0 + 60 * min, noJitter, Math.random)).toBe(2 * min);
  });

  it('keeps jitter within ±20 % for any draw', () => {
    const random = seededRandom(1);
    for (let i = 0; i < 500; i++) {
      const delay = nextCheckDelayMs(running(), t0 + 20 * min, defaultPollPolicy, random);
      const interval = 20 * min * defaultPollPolicy.ageFraction;
      expect(delay).toBeGreaterThanOrEqual(0.8 * interval - 0.5);
      expect(delay).toBeLessThanOrEqual(1.2 * interval + 0.5);
    }
  });

  it('backs off after failed status calls, up to the cap', () => {
    const policy = noJitter;
    expect([1, 2, 3, 4, 5, 6].map((f) => errorBackoffMs(f, policy, Math.random) / min)).toEqual([1, 2, 4, 8, 10, 10]);
  });
});

describe('the retry policy', () => {
  it('draws each delay with full jitter below min(cap, base × multiplier^(n−1))', () => {
    const random = seededRandom(2);
    for (let n = 1; n <= 8; n++) {
      const ceiling = Math.min(defaultRetryPolicy.maxDelayMs, defaultRetryPolicy.baseDelayMs * 2 ** (n - 1));
      for (let i = 0; i < 100; i++) {
        const delay = retryDelayMs(n, defaultRetryPolicy, random);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThan(ceiling);
      }
    }
  });

  it('waits then retries until the last attempt, then gives up', () => {
    const failed = (attempt: number) => running({ state: 'FAILED', attempt, error: { reason: 'job FAILED at stage BULKLOAD', source: 'backend', at: t0 } });
    expect(decideAfterFailure(failed(1), defaultRetryPolicy, t0, () => 0.5)).toEqual({
      to: 'RETRY_WAIT',
      nextAttemptAt: t0 + 30_000,
      reason: expect.stringMatching(/^attempt 1 of 3 failed; retry in 30 s/),
    });
    expect(decideAfterFailure(failed(3), defaultRetryPolicy, t0, () => 0.5)).toMatchObject({
      to: 'FAILED_FINAL',
      reason: expect.stringMatching(/^attempt 3 of 3 failed/),
    });
  });

  it('honours per-request overrides and non-retryable messages', () => {
    const task = running({
      state: 'FAILED',
      attempt: 3,
      retry: { maxAttempts: 5 },
      error: { reason: 'Permission denied on table t', source: 'backend', at: t0 },
    });
    expect(decideAfterFailure(task, defaultRetryPolicy, t0, () => 0)).toMatchObject({ to: 'RETRY_WAIT' });
    expect(decideAfterFailure(task, { ...defaultRetryPolicy, nonRetryablePatterns: ['permission denied'] }, t0, () => 0)).toMatchObject({
      to: 'FAILED_FINAL',
      reason: expect.stringContaining('not retryable'),
    });
  });
});

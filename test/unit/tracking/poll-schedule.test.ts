import { describe, expect, it } from 'vitest';
import { defaultPollPolicy } from '../../../lib/tracking/poll-policy.ts';
import { dueCheckTime, emptyCheckpoint, errorGapMs, type IndexedTask, type ShardCheckpoint } from '../../../lib/tracking/poll-schedule.ts';

const policy = defaultPollPolicy;
const t0 = Date.parse('2026-11-21T10:00:00Z');
const running = (over: Partial<IndexedTask> = {}): IndexedTask => ({
  taskId: 't-abc',
  state: 'RUNNING',
  version: 3,
  backend: 'lindorm-bulkload',
  remoteId: 'p1',
  dueAt: t0 + 30_000,
  submittedAt: t0,
  runStartedAt: t0,
  ...over,
});

/** Ticks every minute (each serving (previous tick, now]) and the times at which the task was due. */
function checksOver(task: IndexedTask, minutes: number, checkpoint: ShardCheckpoint = emptyCheckpoint()): number[] {
  const due: number[] = [];
  let through: number | undefined;
  for (let now = t0 + 60_000; now <= t0 + minutes * 60_000; now += 60_000) {
    const at = dueCheckTime(task, { ...checkpoint, ...(through === undefined ? {} : { checkedThrough: through }) }, now, policy);
    if (at !== undefined) due.push(now);
    through = now;
  }
  return due;
}

describe('check times without writes', () => {
  it('a running job is checked often while young and rarely when old: about log(duration) checks, never two per tick', () => {
    const due = checksOver(running(), 8 * 60);
    const inFirst10Min = due.filter((t) => t <= t0 + 10 * 60_000).length;
    const inLastHour = due.filter((t) => t > t0 + 7 * 60 * 60_000).length;
    expect(inFirst10Min).toBeGreaterThanOrEqual(6);
    expect(inLastHour).toBeLessThanOrEqual(8); // 10 min apart (± jitter) at that age
    expect(due.length).toBeLessThan((8 * 60) / 4);
    expect(new Set(due).size).toBe(due.length);
  });

  it('every invocation derives the same times (no state but the anchor), and a missed tick is served by the next', () => {
    const a = checksOver(running(), 120);
    expect(checksOver(running(), 120)).toEqual(a);
    // Skipping a tick: the window (previous, now] covers the missed check time.
    const missedAt = a[5]!;
    expect(dueCheckTime(running(), { ...emptyCheckpoint(), checkedThrough: missedAt - 120_000 }, missedAt + 60_000, policy)).toBeDefined();
  });

  it('is due at the deadline even between scheduled checks', () => {
    const task = running({ maxDurationMs: 47 * 60_000 });
    const deadline = t0 + 47 * 60_000;
    expect(dueCheckTime(task, { ...emptyCheckpoint(), checkedThrough: deadline - 1_000 }, deadline + 500, policy)).toBe(deadline);
  });

  it('a near-end stage is checked on every pass; failing status calls back off exponentially', () => {
    const nearEnd: ShardCheckpoint = {
      ...emptyCheckpoint(),
      checkedThrough: t0 + 60 * 60_000,
      nearEnd: { 't-abc': { stage: 'WAIT_FOR_SUCCESS', at: t0 + 60 * 60_000 } },
    };
    expect(dueCheckTime(running(), nearEnd, t0 + 60 * 60_000 + policy.nearEndIntervalMs, policy)).toBeDefined();
    expect(dueCheckTime(running(), nearEnd, t0 + 60 * 60_000 + 5_000, policy)).toBeUndefined();
    const failingAt = t0 + 60 * 60_000;
    const failing = (failures: number): ShardCheckpoint => ({
      ...emptyCheckpoint(),
      checkedThrough: failingAt,
      failing: { 't-abc': { failures, at: failingAt, error: 'HTTP 503' } },
    });
    expect(errorGapMs('t-abc', 3, policy)).toBeGreaterThan(errorGapMs('t-abc', 1, policy));
    expect(dueCheckTime(running(), failing(1), failingAt + errorGapMs('t-abc', 1, policy) - 1, policy)).toBeUndefined();
    expect(dueCheckTime(running(), failing(1), failingAt + errorGapMs('t-abc', 1, policy), policy)).toBeDefined();
    expect(errorGapMs('t-abc', 50, policy)).toBeLessThanOrEqual(policy.errorBackoffMaxMs * (1 + policy.jitter));
  });

  it("a failing master does not push a check past the run's deadline", () => {
    const failingAt = t0 + 40 * 60_000;
    const task = running({ maxDurationMs: 42 * 60_000 });
    const checkpoint: ShardCheckpoint = {
      ...emptyCheckpoint(),
      checkedThrough: failingAt,
      failing: { 't-abc': { failures: 4, at: failingAt, error: 'HTTP 503' } },
    };
    expect(errorGapMs('t-abc', 4, policy)).toBeGreaterThan(2 * 60_000);
    expect(dueCheckTime(task, checkpoint, t0 + 42 * 60_000, policy)).toBe(t0 + 42 * 60_000);
  });

  it('a check time a tick could not serve is served first by the next, and a new anchor after the last read is served', () => {
    const pending: ShardCheckpoint = {
      ...emptyCheckpoint(),
      checkedThrough: t0 + 3_600_000,
      readThrough: t0 + 3_600_000,
      pending: { 't-abc': t0 + 3_590_000 },
    };
    expect(dueCheckTime(running(), pending, t0 + 3_660_000, policy)).toBe(t0 + 3_590_000);
    // Passes moved checkedThrough past the read; an anchor between the two was never seen by a pass.
    const afterPasses: ShardCheckpoint = { ...emptyCheckpoint(), checkedThrough: t0 + 60_000, readThrough: t0 + 30_000 };
    expect(dueCheckTime(running({ dueAt: t0 + 45_000 }), afterPasses, t0 + 90_000, policy)).toBe(t0 + 45_000);
  });

  it('states whose checks write (ACCEPTED, RETRY_WAIT, ABORTING, FAILED) are due whenever their due time has passed', () => {
    for (const state of ['ACCEPTED', 'RETRY_WAIT', 'ABORTING', 'FAILED'] as const) {
      expect(dueCheckTime(running({ state, dueAt: t0 }), { ...emptyCheckpoint(), checkedThrough: t0 + 3_600_000 }, t0 + 3_700_000, policy)).toBe(t0);
      expect(dueCheckTime(running({ state, dueAt: t0 + 10_000 }), emptyCheckpoint(), t0, policy)).toBeUndefined();
    }
  });
});

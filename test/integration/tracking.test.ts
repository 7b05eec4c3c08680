import { marshall } from '@aws-sdk/util-dynamodb';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RemoteRefusedError } from '../../lib/backends/backend.ts';
import { silentLogger } from '../../lib/logger.ts';
import { OperationRefusedError } from '../../lib/operations/errors.ts';
import { abortTask, deleteTask, retryTask } from '../../lib/operations/lifecycle.ts';
import { taskChanges } from '../../lib/store/stream-images.ts';
import { defaultTaskPolicy } from '../../lib/task/task.ts';
import { pollTask } from '../../lib/tracking/poll-task.ts';
import { handleTerminalTransitions } from '../../lib/tracking/stream-processing.ts';
import { seedRequest } from '../support/seed-request.ts';
import { createTestAws, type TestAws } from '../support/stack.ts';
import { wrapStore } from '../support/store-wrapper.ts';
import { createTrackingHarness, type TrackingHarness } from '../support/tracking-harness.ts';

let aws: TestAws;
let h: TrackingHarness | undefined;
let n = 0;
let published = 0;
const request = (extra: Record<string, unknown> = {}) => ({ requestId: `track-${Date.now()}-${n++}`, ...seedRequest, ...extra });
const infoCalls = (master: TrackingHarness['master']) => master.received.filter((r) => r.endpoint === 'info').length;

beforeAll(async () => {
  aws = await createTestAws();
});
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('the poller follows a task to its end', () => {
  it('a successful job: SUBMITTED → RUNNING → SUCCEEDED, one notification with the summary', async () => {
    // Prepare
    h = await createTrackingHarness(aws);
    const [taskId] = await h.submitRequests([request()]);
    // Act
    const [task] = await h.runUntil([taskId!], ['SUCCEEDED'], 30);
    // Assess
    expect(task!.history.map((e) => e.to)).toEqual(['ACCEPTED', 'SUBMITTED', 'RUNNING', 'SUCCEEDED']);
    expect(task!.dueAt).toBeUndefined();
    expect(task!.expiresAt).toBeGreaterThan(0);
    const notes = await h.notifications();
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({
      taskId,
      state: 'SUCCEEDED',
      target: 'lindorm',
      backend: 'lindorm-bulkload',
      remoteId: task!.remoteId,
      remote: { procId: task!.remoteId },
      source: 'hdfs:parquet/',
      destination: 'ld/default:bulkload_test',
      attempts: 1,
      lastError: null,
    });
    // An 8-minute job is checked no more often than once-a-minute polling would (8 calls).
    expect(infoCalls(h.master)).toBeLessThanOrEqual(8);
  });

  it('a job that fails once is retried by the backend and then succeeds', async () => {
    h = await createTrackingHarness(aws);
    const [taskId] = await h.submitRequests([request({ sparkAdditionalParams: 'sim.failAt=BULKLOAD sim.failTimes=1', retry: { baseDelaySeconds: 30 } })]);
    const [task] = await h.runUntil([taskId!], ['SUCCEEDED'], 40);
    expect(task!.history.map((e) => e.to).slice(-4)).toEqual(['FAILED', 'RETRY_WAIT', 'RUNNING', 'SUCCEEDED']);
    expect(task!.attempt).toBe(2);
    expect(h.master.received.filter((r) => r.endpoint === 'retry')).toHaveLength(1);
    expect((await h.notifications()).map((m) => m.state)).toEqual(['SUCCEEDED']);
  });

  it('failures exhausting the attempts end FAILED_FINAL with exactly one notification', async () => {
    h = await createTrackingHarness(aws);
    const [taskId] = await h.submitRequests([request({ sparkAdditionalParams: 'sim.failAt=BULKLOAD', retry: { maxAttempts: 3, baseDelaySeconds: 10 } })]);
    const [task] = await h.runUntil([taskId!], ['FAILED_FINAL'], 60);
    expect(task!.attempt).toBe(3);
    expect(h.master.received.filter((r) => r.endpoint === 'retry')).toHaveLength(2);
    expect(task!.history.filter((e) => e.to === 'FAILED')).toHaveLength(3);
    expect(task!.history.at(-1)!.reason).toMatch(/attempt 3 of 3 failed/);
    await h.drainStreams();
    const notes = await h.notifications();
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({ state: 'FAILED_FINAL', attempts: 3, lastError: expect.stringContaining('BULKLOAD') });
  });

  it('a run past its maximum duration is aborted, the abort verified, and the task ends FAILED_FINAL', async () => {
    h = await createTrackingHarness(aws, { master: { stages: [{ name: 'BULKLOAD', durationMs: 3 * 60 * 60_000 }] } });
    const [taskId] = await h.submitRequests([request({ maxDurationMinutes: 20 })]);
    const [task] = await h.runUntil([taskId!], ['FAILED_FINAL'], 40);
    expect(task!.history.map((e) => e.to)).toEqual(['ACCEPTED', 'SUBMITTED', 'RUNNING', 'ABORTING', 'FAILED_FINAL']);
    expect(task!.history.at(-1)!.reason).toMatch(/^timed out: abort confirmed/);
    expect(task!.finishedAt! - task!.submittedAt!).toBeLessThan(25 * 60_000);
    expect(h.master.procs()[0]!.state).toBe('ABORTED');
  });
});

describe('checks without news cost no write', () => {
  it('a 45-minute job is checked many times but its item is written only at state changes; the near-end stage is followed every 15 s', async () => {
    // Prepare: a last stage longer than the longest gap between checks, so a check surely sees it.
    h = await createTrackingHarness(aws, {
      master: {
        stages: [
          { name: 'PREPARE', durationMs: 2 * 60_000 },
          { name: 'BULKLOAD', durationMs: 30 * 60_000 },
          { name: 'WAIT_FOR_SUCCESS', durationMs: 13 * 60_000 },
        ],
      },
    });
    const [taskId] = await h.submitRequests([request()]);
    await h.runUntil([taskId!], ['RUNNING']);
    const running = await h.get(taskId!);
    const callsBefore = infoCalls(h.master);

    // Act: ticks with passes, as the Lambda runs them, until the job is in its last stage.
    const shard = running.dueShard!;
    let nearEndSeen: { stage: string; at: number } | undefined;
    for (let minute = 0; minute < 70 && (await h.get(taskId!)).state === 'RUNNING'; minute++) {
      await h.tick({ advanceMs: 30_000, passWindowMs: 30_000 }); // invocations a minute apart, passes in their first 30 s
      nearEndSeen ??= (await h.store.readShard(shard)).nearEnd[taskId!];
    }

    // Assess: many checks, one write (RUNNING → SUCCEEDED), and the end seen within a pass of 15 s.
    const done = await h.get(taskId!);
    expect(done.state).toBe('SUCCEEDED');
    expect(infoCalls(h.master) - callsBefore).toBeGreaterThan(8);
    expect(done.version).toBe(running.version + 1);
    expect(done.history.map((e) => e.to)).toEqual(['ACCEPTED', 'SUBMITTED', 'RUNNING', 'SUCCEEDED']);
    expect(nearEndSeen?.stage).toBe('WAIT_FOR_SUCCESS');
    const proc = h.master.procs().find((p) => p.id === done.remoteId)!;
    expect(done.finishedAt! - (proc.createdAt + 45 * 60_000)).toBeLessThanOrEqual(15_000 + 2_000);
  });

  it('a task whose history is full still ends: the one-write update gives way to a read and a bounded rewrite', async () => {
    h = await createTrackingHarness(aws, {
      settings: { taskPolicy: { ...defaultTaskPolicy, historyLimit: 3 } },
      master: { stages: [{ name: 'BULKLOAD', durationMs: 3 * 60_000 }] },
    });
    const [taskId] = await h.submitRequests([request()]);
    await h.runUntil([taskId!], ['SUCCEEDED']);
    const done = await h.get(taskId!);
    expect(done.history.map((e) => e.to)).toEqual(['ACCEPTED', 'RUNNING', 'SUCCEEDED']);
    expect(done.historyDropped).toBe(1);
  });

  it('a task whose check keeps failing backs off; the other tasks keep their own schedule (no tick re-serves them all)', async () => {
    // Prepare: 12 long jobs; one task's store writes always fail, so its first news can never be recorded.
    h = await createTrackingHarness(aws, { master: { stages: [{ name: 'BULKLOAD', durationMs: 6 * 60 * 60_000 }] } });
    const ids = (await h.submitRequests(Array.from({ length: 12 }, (_, i) => request({ instances: 70 + i })))) as string[];
    const [poisoned, ...others] = ids as [string, ...string[]];
    const broken = () => Promise.reject(new Error('simulated store failure for one task'));
    h.deps.store = wrapStore(h.store, {
      get: (id) => (id === poisoned ? broken() : h!.store.get(id)),
      applyTransition: (patch) => (patch.taskId === poisoned ? broken() : h!.store.applyTransition(patch)),
    });
    await h.runUntil(others, ['RUNNING']);
    for (let i = 0; i < 60; i++) await h.tick(); // an hour: the others' runs are old, checked ~10 min apart

    // Act: ten more one-minute ticks.
    const before = h.master.received.length;
    for (let i = 0; i < 10; i++) await h.tick();

    // Assess: each healthy task about once in ten minutes, the broken one backing off, not every tick.
    const procOf = new Map((await Promise.all(others.map((id) => h!.store.get(id)))).map((t) => [t!.remoteId!, t!.taskId]));
    const calls = new Map<string, number>();
    for (const r of h.master.received.slice(before)) if (r.endpoint === 'info' && procOf.has(r.procId!)) calls.set(r.procId!, (calls.get(r.procId!) ?? 0) + 1);
    expect(Math.max(...calls.values())).toBeLessThanOrEqual(3);
    const shard = (await h.store.get(poisoned))!.dueShard!;
    expect((await h.store.readShard(shard)).failing[poisoned]).toMatchObject({
      failures: expect.any(Number),
      error: expect.stringContaining('simulated store failure'),
    });
  });

  it('failed status calls are counted in the shard checkpoint, not on the task, and cleared by the next answer', async () => {
    h = await createTrackingHarness(aws, { master: { stages: [{ name: 'BULKLOAD', durationMs: 60 * 60_000 }] } });
    const [taskId] = await h.submitRequests([request()]);
    await h.runUntil([taskId!], ['RUNNING']);
    const running = await h.get(taskId!);
    h.master.faults.add({ endpoint: 'info', kind: 'status', status: 503, times: 4 });
    for (let i = 0; i < 12 && !(await h.store.readShard(running.dueShard!)).failing[taskId!]; i++) await h.tick();
    expect((await h.store.readShard(running.dueShard!)).failing[taskId!]).toMatchObject({
      failures: expect.any(Number),
      error: expect.stringContaining('503'),
    });
    expect((await h.get(taskId!)).version).toBe(running.version);
    for (let i = 0; i < 40 && (await h.store.readShard(running.dueShard!)).failing[taskId!]; i++) await h.tick();
    expect((await h.store.readShard(running.dueShard!)).failing[taskId!]).toBeUndefined();
    expect(await h.get(taskId!)).toMatchObject({ state: 'RUNNING', version: running.version });
  });
});

describe('notifications', () => {
  it('a stream record delivered twice publishes once', async () => {
    h = await createTrackingHarness(aws);
    const [taskId] = await h.submitRequests([request()]);
    await h.runUntil([taskId!], ['SUCCEEDED']);
    expect(await h.notifications()).toHaveLength(1);
    // The same record again, as a stream redelivers it after a timeout of the function.
    const task = await h.get(taskId!);
    const record = {
      eventName: 'MODIFY',
      dynamodb: {
        SequenceNumber: '1',
        NewImage: marshall({ ...task, notifiedVersion: undefined }, { removeUndefinedValues: true }),
        OldImage: marshall({ taskId, state: 'RUNNING' }),
      },
    };
    const result = await handleTerminalTransitions(taskChanges([record]), {
      store: h.store,
      publisher: { publish: async () => void published++ },
      logger: silentLogger,
    });
    expect(result.batchItemFailures).toEqual([]);
    expect(published).toBe(0);
  });
});

describe('failures of the master never fail a task', () => {
  it('5xx, timeouts and malformed answers for many ticks: counted, retried later, the task still succeeds', async () => {
    h = await createTrackingHarness(aws, { master: { seed: 3, stages: [{ name: 'BULKLOAD', durationMs: 40 * 60_000 }] } });
    const [taskId] = await h.submitRequests([request()]);
    h.master.faults.add({ endpoint: 'info', kind: 'status', status: 503, probability: 0.35 });
    h.master.faults.add({ endpoint: 'info', kind: 'malformed', probability: 0.3 });
    h.master.faults.add({ endpoint: 'info', kind: 'reset', probability: 0.2 });
    h.master.faults.add({ endpoint: 'info', kind: 'slow', delayMs: 1_500, times: 2 });
    let failures = 0;
    for (let i = 0; i < 30; i++) failures += (await h.tick()).outcomes['no-answer'];
    const during = await h.get(taskId!);
    expect(['SUBMITTED', 'RUNNING']).toContain(during.state);
    expect(failures).toBeGreaterThan(3);
    expect(h.logLines.some((l) => l.message === 'task state changed' && l.to === 'FAILED')).toBe(false);
    h.master.faults.clear();
    const [task] = await h.runUntil([taskId!], ['SUCCEEDED'], 30);
    expect(task!.history.map((e) => e.to)).not.toContain('FAILED');
  }, 60_000);

  it('a task the master forgot becomes LOST only after several confirmations spread over time', async () => {
    h = await createTrackingHarness(aws, { master: { deleteRunning: 'allow', stages: [{ name: 'BULKLOAD', durationMs: 60 * 60_000 }] } });
    const [taskId] = await h.submitRequests([request()]);
    await h.runUntil([taskId!], ['RUNNING']);
    const { remoteId } = await h.get(taskId!);
    await fetch(`${h.master.url}/pro/proc/${remoteId}/delete`);
    const seen: string[] = [];
    let firstNotFoundAt: number | undefined;
    for (let i = 0; i < 30 && (await h.get(taskId!)).state !== 'LOST'; i++) {
      await h.tick();
      const t = await h.get(taskId!);
      if (t.poll?.notFound && firstNotFoundAt === undefined) firstNotFoundAt = h.clock.now();
      seen.push(`${t.state}:${t.poll?.notFound ?? 0}`);
    }
    const task = await h.get(taskId!);
    expect(task.state).toBe('LOST');
    expect(seen.filter((s) => s.startsWith('RUNNING:') && !s.endsWith(':0')).length).toBeGreaterThanOrEqual(2);
    expect(h.clock.now() - firstNotFoundAt!).toBeGreaterThanOrEqual(10 * 60_000);
    expect((await h.notifications()).map((m) => m.state)).toEqual(['LOST']);
  });
});

describe('operators act beside the poller', () => {
  it('abort mid-run: ABORTING, then ABORTED once the master confirms; one notification', async () => {
    h = await createTrackingHarness(aws, { master: { stages: [{ name: 'BULKLOAD', durationMs: 60 * 60_000 }] } });
    const [taskId] = await h.submitRequests([request()]);
    await h.runUntil([taskId!], ['RUNNING']);
    const result = await abortTask(taskId!, h.deps);
    expect(result.task.state).toBe('ABORTED');
    expect(result.task.history.slice(-2).map((e) => e.to)).toEqual(['ABORTING', 'ABORTED']);
    expect(h.master.procs()[0]!.state).toBe('ABORTED');
    await h.drainStreams();
    expect((await h.notifications()).map((m) => m.state)).toEqual(['ABORTED']);
    await expect(abortTask(taskId!, h.deps)).rejects.toThrow(/is ABORTED: there is nothing to abort/);
  });

  it('delete: refused for a running task without force; a finished task is deleted at the master and kept as a tombstone', async () => {
    h = await createTrackingHarness(aws);
    const [running, done] = await h.submitRequests([request({ maxDurationMinutes: 600 }), request({ instances: 6 })]);
    await expect(deleteTask(running!, h.deps)).rejects.toBeInstanceOf(OperationRefusedError);
    await h.runUntil([done!], ['SUCCEEDED']);
    const procOfDone = (await h.get(done!)).remoteId;
    const result = await deleteTask(done!, h.deps);
    expect(result.task).toMatchObject({ state: 'SUCCEEDED', deletedAt: expect.any(Number) });
    expect(h.master.procs().map((p) => p.id)).not.toContain(procOfDone);
    expect(await h.get(done!)).toMatchObject({ deletedAt: expect.any(Number) });
  });

  it('delete --force of a running task aborts and deletes it', async () => {
    h = await createTrackingHarness(aws, { master: { stages: [{ name: 'BULKLOAD', durationMs: 60 * 60_000 }] } });
    const [taskId] = await h.submitRequests([request()]);
    await h.runUntil([taskId!], ['RUNNING']);
    const result = await deleteTask(taskId!, h.deps, { force: true });
    expect(result.task).toMatchObject({ state: 'ABORTED', deletedAt: expect.any(Number) });
    expect(h.master.procs()).toHaveLength(0);
  });

  it('a concurrent abort and poller update lose no update and make no illegal transition', async () => {
    h = await createTrackingHarness(aws, {
      master: {
        stages: [
          { name: 'PREPARE', durationMs: 90_000 },
          { name: 'BULKLOAD', durationMs: 60 * 60_000 },
        ],
      },
    });
    const ids = await h.submitRequests(Array.from({ length: 6 }, () => request()));
    await h.runUntil(ids, ['RUNNING']);
    h.clock.advance(5 * 60_000); // every task now has a stage change to record
    await Promise.all(ids.flatMap((id) => [pollTask(id, h!.deps, { evenIfNotDue: true }), abortTask(id, h!.deps)]));
    await h.tick();
    for (const id of ids) {
      const task = await h.get(id);
      expect(task.state).toBe('ABORTED');
      const path = task.history.map((e) => e.to);
      expect(path.slice(-2)).toEqual(['ABORTING', 'ABORTED']);
      // Every entry starts where the previous one ended: no transition was overwritten.
      for (const [i, e] of task.history.slice(1).entries()) expect(e.from).toBe(task.history[i]!.to);
    }
    expect(h.logLines.filter((l) => String(l.error ?? '').includes('IllegalTransition'))).toEqual([]);
  });
});

describe('retries are called once, and only for a failed job', () => {
  async function failedAndWaiting(h: TrackingHarness) {
    const [taskId] = await h.submitRequests([request({ sparkAdditionalParams: 'sim.failAt=BULKLOAD sim.failTimes=1', retry: { baseDelaySeconds: 3600 } })]);
    await h.runUntil([taskId!], ['RETRY_WAIT']);
    h.clock.advance(2 * 3600_000); // the wait is over
    return taskId!;
  }

  it('two actors starting the same retry at once call the master once', async () => {
    h = await createTrackingHarness(aws, { master: { stages: [{ name: 'BULKLOAD', durationMs: 60 * 60_000 }] } });
    const taskId = await failedAndWaiting(h);
    await Promise.all([
      pollTask(taskId, h.deps, { evenIfNotDue: true }),
      pollTask(taskId, h.deps, { evenIfNotDue: true }),
      pollTask(taskId, h.deps, { evenIfNotDue: true }),
    ]);
    expect(h.master.received.filter((r) => r.endpoint === 'retry')).toHaveLength(1);
    const task = await h.get(taskId);
    expect(task).toMatchObject({ state: 'RUNNING', attempt: 2 });
    expect(task.history.map((e) => e.to)).not.toContain('FAILED_FINAL');
  });

  it('a job aborted from the console while waiting is not retried: the task ends ABORTED', async () => {
    h = await createTrackingHarness(aws);
    const taskId = await failedAndWaiting(h);
    const { remoteId } = await h.get(taskId);
    // Someone retries the job from the console, then aborts it (the master aborts only running procs).
    await fetch(`${h.master.url}/pro/proc/${remoteId}/retry`);
    await fetch(`${h.master.url}/pro/proc/${remoteId}/abort`);
    await h.tick();
    expect(h.master.received.filter((r) => r.endpoint === 'retry')).toHaveLength(1); // only the console's
    expect((await h.get(taskId)).state).toBe('ABORTED');
  });

  it('a retry the master refuses ends the task FAILED_FINAL with its message, not a loop', async () => {
    h = await createTrackingHarness(aws);
    const taskId = await failedAndWaiting(h);
    // The simulator refuses a retry only when the proc is not FAILED or ABORTED, which the info check just
    // before excludes; so this one refusal is made by replacing the call (the master's wording is [I]).
    const backend = h.deps.backends.get('lindorm')!;
    backend.rerun = async (ref) => {
      throw new RemoteRefusedError(backend.describeRef(ref), 'proc cannot be retried: retry limit reached');
    };
    await h.tick();
    const task = await h.get(taskId);
    expect(task).toMatchObject({ state: 'FAILED_FINAL', error: { reason: 'retry refused: proc cannot be retried: retry limit reached' } });
  });

  it('bulkpilot retry of a task already waiting brings its retry forward', async () => {
    h = await createTrackingHarness(aws, { master: { stages: [{ name: 'BULKLOAD', durationMs: 60 * 60_000 }] } });
    const [taskId] = await h.submitRequests([request({ sparkAdditionalParams: 'sim.failAt=BULKLOAD sim.failTimes=1', retry: { baseDelaySeconds: 3600 } })]);
    await h.runUntil([taskId!], ['RETRY_WAIT']);
    const result = await retryTask(taskId!, h.deps);
    expect(result.task).toMatchObject({ state: 'RUNNING', attempt: 2 });
    expect(result.message).toMatch(/retry brought forward, now RUNNING/);
  });
});

describe('the tick budget and overlap', () => {
  it('drains a backlog larger than one tick can take over several ticks', async () => {
    h = await createTrackingHarness(aws, { master: { stages: [{ name: 'BULKLOAD', durationMs: 60 * 60_000 }] } });
    const ids = await h.submitRequests(Array.from({ length: 30 }, (_, i) => request({ instances: 10 + i })));
    // A budget that shrinks with every check: about 10 checks fit in one invocation.
    const budget = () => {
      let calls = 0;
      return () => 60_000 - 4_500 * Math.floor(calls++ / 1);
    };
    const first = await h.tick({ remainingMs: budget() });
    expect(first.checked).toBeGreaterThan(0);
    expect(first.checked).toBeLessThan(30);
    expect(first.leftForNextTick).toBeGreaterThan(0);
    let checked = first.checked;
    for (let i = 0; i < 6 && checked < 30; i++) checked += (await h.tick({ advanceMs: 1_000, remainingMs: budget() })).checked;
    expect(checked).toBeGreaterThanOrEqual(30);
    const states = await Promise.all(ids.map(async (id) => (await h!.get(id)).state));
    expect(new Set(states)).toEqual(new Set(['RUNNING']));
    // The schedule moved on with every tick: what a tick left was remembered, not re-served forever.
    const last = h.clock.now();
    for (let shard = 0; shard < defaultTaskPolicy.shards; shard++) {
      const checkpoint = await h.store.readShard(shard);
      expect(checkpoint.checkedThrough).toBe(last);
      expect(checkpoint.pending).toEqual({});
    }
  });

  it('two overlapping invocations split the shards and never check a task twice', async () => {
    h = await createTrackingHarness(aws, { master: { stages: [{ name: 'BULKLOAD', durationMs: 60 * 60_000 }] } });
    await h.submitRequests(Array.from({ length: 12 }, (_, i) => request({ instances: 50 + i })));
    const before = infoCalls(h.master);
    h.clock.advance(60_000);
    const options = { advanceMs: 0 };
    const [a, b] = await Promise.all([h.tick({ ...options, owner: 'invocation-a' }), h.tick({ ...options, owner: 'invocation-b' })]);
    expect(a.checked + b.checked).toBe(12);
    expect(a.shardsBusy + b.shardsBusy).toBeGreaterThan(0);
    expect(infoCalls(h.master) - before).toBe(12);
  });
});

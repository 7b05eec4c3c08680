// The generic submit path and poller against backends of every shape the port allows (an in-memory fake
// behind the real store, streams and clock): a lookup of lost creates, resubmits that make a new job,
// starts of the same job, continuous jobs that never succeed, no rerun, no delete.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BackendModule } from '../../lib/backends/backend.ts';
import { deleteTask } from '../../lib/operations/lifecycle.ts';
import { Targets } from '../../lib/targets/targets.ts';
import { parseTargetsDocument } from '../../lib/targets/targets-file.ts';
import { defaultTaskPolicy, taskIdFor } from '../../lib/task/task.ts';
import { lookupSettleMs } from '../../lib/task/uncertain-create.ts';
import { rerunClaimWindowMs } from '../../lib/tracking/decisions.ts';
import { defaultPollPolicy } from '../../lib/tracking/poll-policy.ts';
import { defaultRetryPolicy } from '../../lib/tracking/retry-policy.ts';
import { FakeBackend, type FakeBackendOptions, fakeModule } from '../support/fake-backend.ts';
import { createTestAws, roundTripThroughQueue, type TestAws } from '../support/stack.ts';
import { createTrackingHarness, type TrackingHarness } from '../support/tracking-harness.ts';

let aws: TestAws;
let h: TrackingHarness | undefined;
let n = 0;
beforeAll(async () => {
  aws = await createTestAws();
});
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const settings = {
  taskPolicy: defaultTaskPolicy,
  poll: { ...defaultPollPolicy, firstCheckDelayMs: 10_000 },
  retry: { ...defaultRetryPolicy, maxAttempts: 3, baseDelayMs: 1_000, maxDelayMs: 1_000 },
};

async function harnessWith(options: FakeBackendOptions): Promise<{ h: TrackingHarness; fake: FakeBackend }> {
  const fake = new FakeBackend({ ...options, target: 'fake' });
  const module = fakeModule(options) as BackendModule;
  const lookup = { get: (id: string) => (id === module.id ? module : undefined), ids: () => [module.id] };
  const targets = new Targets(parseTargetsDocument({ targets: { fake: { backend: 'fake', url: 'http://fake.invalid' } } }, 'targets.json', lookup), lookup);
  h = await createTrackingHarness(aws, { settings, targets: { backends: [fake], targets } });
  return { h, fake };
}

const request = (extra: Record<string, unknown> = {}) => ({ requestId: `seam-${Date.now()}-${n++}`, job: 'load-orders', ...extra });

async function tickUntil(harness: TrackingHarness, taskId: string, state: string, seconds = 600, step = 1_000) {
  for (let i = 0; i < seconds; i++) {
    if ((await harness.get(taskId)).state === state) return harness.get(taskId);
    await harness.tick({ advanceMs: step });
  }
  throw new Error(`task ${taskId} is ${(await harness.get(taskId)).state}, not ${state}`);
}

describe('a backend that can look up the job of a lost create', () => {
  it('adopts the job it finds: one create, SUBMITTED, never UNCERTAIN', async () => {
    const { h, fake } = await harnessWith({ lookup: true });
    fake.fail('create', 'lose-answer');
    const [taskId] = await h.submitRequests([request()]);
    const task = await h.get(taskId!);
    expect(task).toMatchObject({ state: 'SUBMITTED', remote: { jobId: 'job-1' }, remoteId: 'job-1' });
    expect(task.history.at(-1)!.reason).toBe('created at the backend as job-1 (found after its answer was lost)');
    expect(fake.count('create')).toBe(1);
    expect(fake.calls.find((c) => c.op === 'findCreated')!.marker).toBe(`${taskId}.c1`);
  });

  it('creates again only once the lookup proves, after the call’s bound and a settling time, that nothing was made', async () => {
    const { h, fake } = await harnessWith({ lookup: true });
    fake.fail('create', 'lose-request');
    const body = JSON.stringify(request());
    const records = await roundTripThroughQueue(h.aws, [body]);
    // First delivery: nothing found yet, but it is too early to believe it; the message comes back.
    expect((await h.submit.invoke(records)).batchItemFailures).toHaveLength(1);
    expect((await h.get(taskIdFor(JSON.parse(body).requestId))).state).toBe('ACCEPTED');
    // A redelivery during the lease waits; after the lease and the settling time, it creates once more.
    expect((await h.submit.invoke(records)).batchItemFailures).toHaveLength(1);
    h.clock.advance(fake.timing.createMs + lookupSettleMs + 10_000);
    expect((await h.submit.invoke(records)).batchItemFailures).toHaveLength(0);
    const task = await h.get(taskIdFor(JSON.parse(body).requestId));
    expect(task).toMatchObject({ state: 'SUBMITTED', remoteId: 'job-1', create: { attempts: 2 } });
    expect(task.create.possibleDuplicate).toBeUndefined();
    expect(fake.count('create')).toBe(2);
    expect(fake.jobs.size).toBe(1);
  });

  it('is asked by the poller when the message does not come back first', async () => {
    const { h, fake } = await harnessWith({ lookup: true });
    fake.fail('create', 'lose-answer');
    fake.fail('findCreated', 'error'); // the submit path's own lookup fails
    const records = await roundTripThroughQueue(h.aws, [JSON.stringify(request())]);
    await h.submit.invoke(records);
    const taskId = (await h.store.scanAll()).find((t) => t.state === 'ACCEPTED')!.taskId;
    const task = await tickUntil(h, taskId, 'SUBMITTED');
    expect(task.remoteId).toBe('job-1');
    expect(fake.count('create')).toBe(1);
  });

  it('asks an operator (UNCERTAIN) when the backend cannot say for hours whether the lost create made a job', async () => {
    const { h, fake } = await harnessWith({ lookup: true });
    fake.fail('create', 'lose-answer');
    fake.fail('findCreated', 'error', 1_000);
    const records = await roundTripThroughQueue(h.aws, [JSON.stringify(request())]);
    await h.submit.invoke(records);
    const taskId = (await h.store.scanAll()).find((t) => t.state === 'ACCEPTED')!.taskId;
    const task = await tickUntil(h, taskId, 'UNCERTAIN', 100, 5 * 60_000);
    expect(task.history.at(-1)!.reason).toMatch(/^the backend could not say for 6 h whether create attempt 1 made a job/);
    expect(task.dueAt).toBeUndefined();
    expect(fake.count('create')).toBe(1);
    // Nothing happens to it until someone acts: the operators are told, once, what to do.
    expect(await h.notifications()).toEqual([
      expect.objectContaining({ event: 'needs-operator', state: 'UNCERTAIN', taskId, action: expect.stringContaining(`bulkpilot settle ${taskId} --job`) }),
    ]);
  });
});

describe('a backend that resubmits a failed job (a new job, a new reference)', () => {
  it('follows the new job to its end and leaves the failed one as it was', async () => {
    const { h, fake } = await harnessWith({ lookup: true, capabilities: { rerun: 'resubmit' } });
    const [taskId] = await h.submitRequests([request()]);
    fake.set('job-1', { state: 'FAILED', phase: 'failed' });
    await tickUntil(h, taskId!, 'RUNNING');
    expect(await h.get(taskId!)).toMatchObject({ remote: { jobId: 'job-2' }, remoteId: 'job-2', attempt: 2 });
    expect(fake.jobs.get('job-2')!).toMatchObject({ replaces: 'job-1', marker: `${taskId}.r2` });
    fake.set('job-2', { state: 'DONE', phase: 'succeeded' });
    const task = await tickUntil(h, taskId!, 'SUCCEEDED');
    expect(task.history.map((e) => e.to)).toEqual(['ACCEPTED', 'SUBMITTED', 'FAILED', 'RETRY_WAIT', 'RUNNING', 'SUCCEEDED']);
    expect(fake.jobs.get('job-1')!.state).toBe('FAILED');
  });

  it('finds the new job of a resubmit whose answer was lost instead of resubmitting twice', async () => {
    const { h, fake } = await harnessWith({ lookup: true, capabilities: { rerun: 'resubmit' } });
    const [taskId] = await h.submitRequests([request()]);
    fake.fail('rerun', 'lose-answer');
    fake.set('job-1', { state: 'FAILED', phase: 'failed' });
    const task = await tickUntil(h, taskId!, 'RUNNING', rerunClaimWindowMs(fake.timing) / 1_000 + 120);
    expect(task).toMatchObject({ remoteId: 'job-2', attempt: 2 });
    expect(task.history.at(-1)!.reason).toBe('retry 2 found at the backend as job-2 after its answer was lost (a new job; job-1 is kept as it ended)');
    expect(fake.count('rerun')).toBe(1);
    expect(fake.jobs.size).toBe(2);
  });
});

describe('a backend that starts the same job again', () => {
  it('records the new run of the same job and follows it', async () => {
    const { h, fake } = await harnessWith({ capabilities: { rerun: 'start' } });
    const [taskId] = await h.submitRequests([request()]);
    fake.set('job-1', { state: 'FAILED', phase: 'failed' });
    const task = await tickUntil(h, taskId!, 'RUNNING');
    expect(task).toMatchObject({ remote: { jobId: 'job-1', run: 2 }, attempt: 2 });
    expect(fake.only().runs).toBe(2);
  });
});

describe('a backend whose failed jobs cannot be run again', () => {
  it('ends a failure FAILED_FINAL at once, with the reason', async () => {
    const { h, fake } = await harnessWith({ capabilities: { rerun: 'none' } });
    const [taskId] = await h.submitRequests([request()]);
    fake.set({ state: 'FAILED', phase: 'failed' });
    const task = await tickUntil(h, taskId!, 'FAILED_FINAL');
    expect(task.history.at(-1)!.reason).toMatch(/^not retryable \(the backend cannot run a failed job again\)/);
    expect(fake.count('rerun')).toBe(0);
  });
});

describe('a continuous job (it never succeeds: running is healthy)', () => {
  it('stays RUNNING past the default maximum duration, with no abort', async () => {
    const { h, fake } = await harnessWith({ capabilities: { lifecycle: 'continuous' } });
    const [taskId] = await h.submitRequests([request()]);
    fake.set({ state: 'RUNNING', phase: 'running' });
    await tickUntil(h, taskId!, 'RUNNING');
    expect((await h.get(taskId!)).lifecycle).toBe('continuous');
    for (let hour = 0; hour < 30; hour++) await h.tick({ advanceMs: 3_600_000 });
    expect((await h.get(taskId!)).state).toBe('RUNNING');
    expect(fake.count('abort')).toBe(0);
  });

  it('is stopped at the maximum duration its request sets, and ends ABORTED', async () => {
    const { h, fake } = await harnessWith({ capabilities: { lifecycle: 'continuous' } });
    const [taskId] = await h.submitRequests([request({ maxDurationMinutes: 60 })]);
    fake.set({ state: 'RUNNING', phase: 'running' });
    const task = await tickUntil(h, taskId!, 'ABORTED', 200, 60_000);
    expect(fake.count('abort')).toBe(1);
    expect(task.history.at(-1)!.reason).toMatch(/^stopped at the end of its maximum duration/);
    expect(task.error).toBeUndefined();
  });
});

describe('a backend without a delete', () => {
  it('marks the task deleted and says the backend keeps its job', async () => {
    const { h, fake } = await harnessWith({ capabilities: { delete: false } });
    const [taskId] = await h.submitRequests([request()]);
    fake.set({ state: 'DONE', phase: 'succeeded' });
    await tickUntil(h, taskId!, 'SUCCEEDED');
    const result = await deleteTask(taskId!, h.deps);
    expect(result.message).toMatch(/backend fake keeps its jobs: job job-1 stays in its history/);
    expect(result.task.deletedAt).toBeDefined();
    expect(fake.jobs.size).toBe(1);
  });
});

describe('what a status reports beyond its state', () => {
  it('keeps progress with the state change, and follows a near end on every pass without a write', async () => {
    const { h, fake } = await harnessWith({});
    const [taskId] = await h.submitRequests([request()]);
    fake.set({ state: 'RUNNING', phase: 'running', progress: 0.4 });
    const running = await tickUntil(h, taskId!, 'RUNNING');
    expect(running.progress).toBe(0.4);
    fake.set({ nearEnd: true, progress: 0.95, stage: 'COMMIT' });
    const version = running.version;
    await h.tick({ advanceMs: 120_000 });
    const checkpoint = await h.store.readShard(running.dueShard!);
    expect(checkpoint.nearEnd[taskId!]).toMatchObject({ stage: 'COMMIT' });
    expect((await h.get(taskId!)).version).toBe(version);
  });
});

// Crash injection (issue 7): the submit path dies at each of its steps, and the redelivery SQS makes must
// converge on the documented outcome without ever creating a load twice unseen. The "death" is an error
// thrown by the store around one write, once per task: what was written stays written, what was not never
// happens, and the message comes back (a partial batch failure), as after a real crash.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settleTask } from '../../lib/operations/lifecycle.ts';
import type { QueueRecord } from '../../lib/submit/queue-record.ts';
import { type Task, taskIdFor } from '../../lib/task/task.ts';
import { seedRequest } from '../support/seed-request.ts';
import { createTestAws, roundTripThroughQueue, type TestAws } from '../support/stack.ts';
import { createTrackingHarness, type TrackingHarness } from '../support/tracking-harness.ts';
import { crashingAt, type Step } from './crashing-store.ts';
import { reportFigures, sized } from './scale.ts';

const requestsPerStep = sized(50, 10);
const batchSize = 10;
/** Past the create lease of the harness's client (1 s connect + 0.4 s headers + 0.4 s body + 5 s margin). */
const pastTheLease = 60_000;
const recordLostMessage = 'create succeeded but the remote id could not be recorded';

let aws: TestAws;
const open: TrackingHarness[] = [];

beforeAll(async () => {
  aws = await createTestAws();
});
afterAll(async () => {
  for (const h of open) await h.close();
});

interface Scenario {
  h: TrackingHarness;
  requestIds: string[];
  records: QueueRecord[];
  crashed: Set<string>;
  /** One invocation per batch of 10, as the event source mapping hands them over; returns outcome kinds by requestId. */
  deliver(records?: QueueRecord[]): Promise<Map<string, string>>;
  createsOf(requestId: string): number;
  tasks(): Promise<Task[]>;
}

async function scenario(step: Step, policy: 'hold' | 'resubmit' = 'hold'): Promise<Scenario> {
  const h = await createTrackingHarness(aws, { master: { stages: [{ name: 'BULKLOAD', durationMs: 60 * 60_000 }] } });
  open.push(h);
  const crashed = new Set<string>();
  h.submit.deps.store = crashingAt(step, crashed)(h.store);
  h.submit.deps.settings = { ...h.submit.deps.settings, ambiguousCreatePolicy: policy };
  const stamp = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
  const requestIds = Array.from({ length: requestsPerStep }, (_, i) => `crash-${step}-${policy}-${stamp}-${i}`);
  // The requestId travels to the master in the Spark parameters, so each create can be traced to its request.
  const bodies = requestIds.map((requestId) => JSON.stringify({ requestId, ...seedRequest, sparkAdditionalParams: `chaos.req=${requestId}` }));
  const records: QueueRecord[] = [];
  for (let i = 0; i < bodies.length; i += batchSize) records.push(...(await roundTripThroughQueue(h.aws, bodies.slice(i, i + batchSize))));
  const requestOf = new Map(records.map((r) => [r.messageId, (JSON.parse(r.body) as { requestId: string }).requestId]));
  const receives = new Map<string, number>(records.map((r) => [r.messageId, 1]));
  return {
    h,
    requestIds,
    records,
    crashed,
    async deliver(batch = records) {
      const kinds = new Map<string, string>();
      for (let i = 0; i < batch.length; i += batchSize) {
        // SQS hands a redelivered message back with the same id and a higher receive count.
        const slice = batch.slice(i, i + batchSize).map((r) => {
          const count = receives.get(r.messageId)!;
          receives.set(r.messageId, count + 1);
          return { ...r, attributes: { ApproximateReceiveCount: String(count) } };
        });
        const result = await h.submit.invoke(slice);
        for (const { messageId, outcome } of result.outcomes) kinds.set(requestOf.get(messageId)!, outcome.kind);
        // Only the records the batch reported failed come back.
        expect(result.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(
          result.outcomes
            .filter((o) => o.outcome.kind === 'retry')
            .map((o) => o.messageId)
            .sort(),
        );
      }
      return kinds;
    },
    createsOf: (requestId) => h.master.creates((r) => r.form?.sparkAdditionalParams === `chaos.req=${requestId}`).length,
    tasks: async () => Promise.all(requestIds.map(async (id) => (await h.store.get(taskIdFor(id)))!)),
  };
}

function countBy<T>(items: T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}

const statesOf = (tasks: Array<Task | undefined>) =>
  Object.entries(countBy(tasks, (t) => t?.state ?? 'none'))
    .map(([state, n]) => `${state}:${n}`)
    .join(' ');

function report(step: string, s: Scenario, tasks: Task[]): void {
  const creates = s.requestIds.map((id) => s.createsOf(id));
  const duplicated = s.requestIds.filter((_, i) => creates[i]! > 1);
  const flagged = duplicated.filter((id) => tasks.find((t) => t.requestId === id)?.create.possibleDuplicate === true);
  reportFigures(`crash-injection ${step}`, {
    requests: s.requestIds.length,
    crashes: s.crashed.size,
    creates: creates.reduce((a, b) => a + b, 0),
    finalStates: statesOf(tasks),
    duplicates: creates.reduce((a, n) => a + Math.max(0, n - 1), 0),
    duplicatesFlagged: `${flagged.length}/${duplicated.length}`,
  });
}

describe('a crash at each submit step converges on redelivery', () => {
  it('before the intent write: nothing is stored; the redelivery submits each request once', async () => {
    // Prepare
    const s = await scenario('before-intent');

    // Act
    const first = await s.deliver();
    const stored = await Promise.all(s.requestIds.map((id) => s.h.store.get(taskIdFor(id))));
    const second = await s.deliver();

    // Assess
    expect(s.crashed.size).toBe(requestsPerStep);
    expect([...first.values()]).toEqual(Array(requestsPerStep).fill('retry'));
    expect(stored.filter((t) => t !== undefined)).toEqual([]);
    expect([...second.values()]).toEqual(Array(requestsPerStep).fill('submitted'));
    const tasks = await s.tasks();
    for (const [i, task] of tasks.entries()) {
      expect(s.createsOf(s.requestIds[i]!)).toBe(1);
      expect(task).toMatchObject({ state: 'SUBMITTED', version: 2, remoteId: expect.stringMatching(/^proc-/) });
    }
    report('before-intent', s, tasks);
  });

  it('right after the intent write (it carries the claim): no create; after the lease the task is UNCERTAIN, never created', async () => {
    // The claim is in the intent: a death after it cannot be told from a death during the create, so both
    // are the documented ambiguous window. Nothing is created twice (here: nothing at all).
    const s = await scenario('after-intent');

    const first = await s.deliver();
    const duringLease = await s.deliver();
    s.h.clock.advance(pastTheLease);
    const afterLease = await s.deliver();
    const late = await s.deliver();

    expect([...first.values()]).toEqual(Array(requestsPerStep).fill('retry'));
    expect([...duringLease.values()]).toEqual(Array(requestsPerStep).fill('retry')); // the claim is still presumed alive
    expect([...afterLease.values()]).toEqual(Array(requestsPerStep).fill('uncertain'));
    expect([...late.values()]).toEqual(Array(requestsPerStep).fill('duplicate'));
    expect(s.h.master.creates()).toHaveLength(0);
    const tasks = await s.tasks();
    for (const task of tasks) {
      expect(task).toMatchObject({ state: 'UNCERTAIN', create: { attempts: 1 } });
      expect(task.dueAt).toBeUndefined(); // out of the poller's index: an operator settles it
      expect(task.history.at(-1)!.reason).toContain('never recorded its outcome');
    }
    report('after-intent', s, tasks);
  });

  it('instead of the procId write: one create, UNCERTAIN, the procId in the error log; settled by an operator with it', async () => {
    const s = await scenario('after-create');

    const first = await s.deliver();
    s.h.clock.advance(pastTheLease);
    const afterLease = await s.deliver();

    expect([...first.values()]).toEqual(Array(requestsPerStep).fill('retry'));
    expect([...afterLease.values()]).toEqual(Array(requestsPerStep).fill('uncertain'));
    const procs = s.h.master.procs();
    const held = await s.tasks();
    for (const [i, requestId] of s.requestIds.entries()) {
      expect(s.createsOf(requestId)).toBe(1);
      expect(held[i]!.state).toBe('UNCERTAIN');
      expect(held[i]!.remoteId).toBeUndefined();
    }

    // The operator's evidence: one error line per task naming the job the master made for that request.
    const evidence = new Map<string, string>();
    for (const requestId of s.requestIds) {
      const taskId = taskIdFor(requestId);
      const lines = s.h.logLines.filter((l) => l.message === recordLostMessage && l.taskId === taskId);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({ level: 'error', requestId });
      const proc = procs.find((p) => p.form.sparkAdditionalParams === `chaos.req=${requestId}`)!;
      expect(lines[0]!.remoteId).toBe(proc.id);
      evidence.set(taskId, String(lines[0]!.remoteId));
    }

    // The operator settles each task with the id from its log line.
    for (const [taskId, remoteId] of evidence) {
      const result = await settleTask(taskId, s.h.deps, { job: remoteId });
      expect(['SUBMITTED', 'RUNNING']).toContain(result.task.state);
    }
    const late = await s.deliver(); // a message that still comes back changes nothing now
    const tasks = await s.tasks();
    for (const [i, task] of tasks.entries()) {
      expect(['SUBMITTED', 'RUNNING']).toContain(task.state);
      expect(task.remoteId).toBe(evidence.get(task.taskId));
      expect(task.history.map((e) => e.to).slice(0, 3)).toEqual(['ACCEPTED', 'UNCERTAIN', 'SUBMITTED']);
      expect(s.createsOf(s.requestIds[i]!)).toBe(1);
    }
    expect([...late.values()]).toEqual(Array(requestsPerStep).fill('duplicate'));
    expect(s.h.master.creates()).toHaveLength(requestsPerStep);
    report('after-create', s, tasks);
  });

  it('right after the procId write: one create; the redelivery is a duplicate that changes nothing', async () => {
    const s = await scenario('after-procId-write');

    const first = await s.deliver();
    const before = await s.tasks();
    const second = await s.deliver();

    expect([...first.values()]).toEqual(Array(requestsPerStep).fill('retry'));
    expect([...second.values()]).toEqual(Array(requestsPerStep).fill('duplicate'));
    const tasks = await s.tasks();
    for (const [i, task] of tasks.entries()) {
      expect(s.createsOf(s.requestIds[i]!)).toBe(1);
      expect(task).toMatchObject({ state: 'SUBMITTED', version: 2, remoteId: before[i]!.remoteId });
    }
    report('after-procId-write', s, tasks);
  });

  it('instead of the procId write, with policy resubmit: exactly two creates per request, each task flagged possibleDuplicate', async () => {
    const s = await scenario('after-create', 'resubmit');

    const first = await s.deliver();
    s.h.clock.advance(pastTheLease);
    const flagging = await s.deliver();
    const resubmitted = await s.deliver();

    expect([...first.values()]).toEqual(Array(requestsPerStep).fill('retry'));
    expect([...flagging.values()]).toEqual(Array(requestsPerStep).fill('retry')); // flagged, then sent back to create again
    expect([...resubmitted.values()]).toEqual(Array(requestsPerStep).fill('submitted'));
    const tasks = await s.tasks();
    for (const [i, task] of tasks.entries()) {
      expect(s.createsOf(s.requestIds[i]!)).toBe(2);
      expect(task).toMatchObject({ state: 'SUBMITTED', create: { attempts: 2, possibleDuplicate: true } });
      expect(task.history.some((e) => e.reason.includes('a duplicate job may exist'))).toBe(true);
    }
    report('after-create (policy resubmit)', s, tasks);
  });
});

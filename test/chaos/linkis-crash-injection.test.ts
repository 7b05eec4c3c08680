// Crash injection, against Linkis: the submit path dies at each of its steps (crashing-store.ts) and the
// redeliveries SQS makes converge. Where Lindorm must hold a task UNCERTAIN for an operator, Linkis'
// history lets bulkpilot find out: a crash after the submit is found by its marker, a crash before it is
// proven to have made nothing, and either way each request ends with exactly one Linkis task.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QueueRecord } from '../../lib/submit/queue-record.ts';
import { type Task, taskIdFor } from '../../lib/task/task.ts';
import { lookupSettleMs } from '../../lib/task/uncertain-create.ts';
import { createLinkisHarness } from '../support/linkis-harness.ts';
import { createTestAws, roundTripThroughQueue, type TestAws } from '../support/stack.ts';
import type { TrackingHarness } from '../support/tracking-harness.ts';
import { crashingAt, type Step } from './crashing-store.ts';
import { linkisChaosRequest, linkisTasksOf } from './linkis-requests.ts';
import { reportFigures, sized } from './scale.ts';

const requestsPerStep = sized(50, 10);
const batchSize = 10;

let aws: TestAws;
const open: Array<{ close(): Promise<void> }> = [];
beforeAll(async () => {
  aws = await createTestAws();
});
afterAll(async () => {
  for (const o of open) await o.close();
});

async function scenario(step: Step) {
  const linkis = await createLinkisHarness(aws);
  open.push(linkis);
  const { h, gateway } = linkis;
  const crashed = new Set<string>();
  h.submit.deps.store = crashingAt(step, crashed)(h.store);
  const stamp = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
  const requestIds = Array.from({ length: requestsPerStep }, (_, i) => `linkis-crash-${step}-${stamp}-${i}`);
  const bodies = requestIds.map((id) => JSON.stringify(linkisChaosRequest(id)));
  const records: QueueRecord[] = [];
  for (let i = 0; i < bodies.length; i += batchSize) records.push(...(await roundTripThroughQueue(h.aws, bodies.slice(i, i + batchSize))));
  const requestOf = new Map(records.map((r) => [r.messageId, (JSON.parse(r.body) as { requestId: string }).requestId]));
  const receives = new Map<string, number>(records.map((r) => [r.messageId, 1]));
  // Past the submit's bound and the time a lookup waits before it believes an empty history.
  const pastTheLease = (h: TrackingHarness) => {
    const backend = h.deps.backends.get('linkis')!;
    h.clock.advance(backend.timing.createMs + lookupSettleMs + 10_000);
  };
  return {
    h,
    gateway,
    requestIds,
    crashed,
    pastTheLease: () => pastTheLease(h),
    /** Every message, in batches of ten as the event source mapping hands them over; the outcome kinds. */
    async deliver(): Promise<string[]> {
      const kinds = new Map<string, string>();
      for (let i = 0; i < records.length; i += batchSize) {
        const slice = records.slice(i, i + batchSize).map((r) => {
          const count = receives.get(r.messageId)!;
          receives.set(r.messageId, count + 1);
          return { ...r, attributes: { ApproximateReceiveCount: String(count) } };
        });
        const result = await h.submit.invoke(slice);
        for (const { messageId, outcome } of result.outcomes) kinds.set(requestOf.get(messageId)!, outcome.kind);
      }
      return requestIds.map((id) => kinds.get(id)!);
    },
    linkisTasks: (requestId: string) => linkisTasksOf(gateway, requestId),
    tasks: async (): Promise<Task[]> => Promise.all(requestIds.map(async (id) => (await h.store.get(taskIdFor(id)))!)),
  };
}

const all = (kind: string) => Array(requestsPerStep).fill(kind);

function report(step: string, s: Awaited<ReturnType<typeof scenario>>, tasks: Task[]): void {
  const states: Record<string, number> = {};
  for (const t of tasks) states[t.state] = (states[t.state] ?? 0) + 1;
  reportFigures(`linkis crash-injection ${step}`, {
    requests: s.requestIds.length,
    crashes: s.crashed.size,
    submits: s.gateway.submits().length,
    linkisTasks: s.gateway.tasks().length,
    finalStates: Object.entries(states)
      .map(([k, n]) => `${k}:${n}`)
      .join(' '),
  });
}

describe('a crash at each submit step converges on one Linkis task per request, never UNCERTAIN', () => {
  it('before the intent write: nothing is stored; the redelivery submits each request once', async () => {
    const s = await scenario('before-intent');
    expect(await s.deliver()).toEqual(all('retry'));
    expect(await s.deliver()).toEqual(all('submitted'));
    const tasks = await s.tasks();
    for (const [i, task] of tasks.entries()) {
      expect(s.linkisTasks(s.requestIds[i]!)).toHaveLength(1);
      expect(task).toMatchObject({ state: 'SUBMITTED', remote: { taskID: s.linkisTasks(s.requestIds[i]!)[0]!.taskID } });
    }
    report('before-intent', s, tasks);
  });

  it('right after the intent write: no submit; once the history proves it, the redelivery submits once', async () => {
    const s = await scenario('after-intent');
    expect(await s.deliver()).toEqual(all('retry'));
    expect(await s.deliver()).toEqual(all('retry')); // the claim may still be alive
    s.pastTheLease();
    expect(await s.deliver()).toEqual(all('submitted'));
    const tasks = await s.tasks();
    for (const [i, task] of tasks.entries()) {
      expect(s.linkisTasks(s.requestIds[i]!)).toHaveLength(1);
      expect(task).toMatchObject({ state: 'SUBMITTED', create: { attempts: 2 } });
      expect(task.create.possibleDuplicate).toBeUndefined();
    }
    expect(s.gateway.submits()).toHaveLength(requestsPerStep);
    report('after-intent', s, tasks);
  });

  it('between the submit and the write of its taskID: the redelivery finds the Linkis task by its marker and tracks it', async () => {
    const s = await scenario('after-create');
    expect(await s.deliver()).toEqual(all('retry'));
    s.pastTheLease();
    expect(await s.deliver()).toEqual(all('submitted'));
    const tasks = await s.tasks();
    for (const [i, task] of tasks.entries()) {
      const [mine, ...more] = s.linkisTasks(s.requestIds[i]!);
      expect(more).toEqual([]);
      expect(task).toMatchObject({ state: 'SUBMITTED', remote: { taskID: mine!.taskID }, create: { attempts: 1 } });
      expect(task.history.map((e) => e.to)).toEqual(['ACCEPTED', 'SUBMITTED']);
      expect(task.history.at(-1)!.reason).toBe(`created at the backend as ${mine!.taskID} (found after its answer was lost)`);
    }
    report('after-create', s, tasks);
  });

  it('between the submit and the write of its taskID, with no redelivery: the poller finds the Linkis task', async () => {
    const s = await scenario('after-create');
    expect(await s.deliver()).toEqual(all('retry'));
    await s.h.runUntil(s.requestIds.map(taskIdFor), ['RUNNING', 'SUCCEEDED'], 30);
    const tasks = await s.tasks();
    for (const [i, task] of tasks.entries()) {
      expect(s.linkisTasks(s.requestIds[i]!)).toHaveLength(1);
      expect(task.remote?.taskID).toBe(s.linkisTasks(s.requestIds[i]!)[0]!.taskID);
    }
    expect(await s.deliver()).toEqual(all('duplicate')); // a late message changes nothing
    report('after-create (poller)', s, tasks);
  });

  it('right after the write of its taskID: one submit; the redelivery is a duplicate that changes nothing', async () => {
    const s = await scenario('after-procId-write');
    expect(await s.deliver()).toEqual(all('retry'));
    const before = await s.tasks();
    expect(await s.deliver()).toEqual(all('duplicate'));
    const tasks = await s.tasks();
    for (const [i, task] of tasks.entries()) {
      expect(s.linkisTasks(s.requestIds[i]!)).toHaveLength(1);
      expect(task).toMatchObject({ state: 'SUBMITTED', remote: before[i]!.remote });
    }
    report('after-remote-write', s, tasks);
  });
});

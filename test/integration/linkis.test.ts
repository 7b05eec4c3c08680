// Linkis end to end on real parts: the queue, the submit path, the poller and the stream functions on
// DynamoDB Local and fauxqs, against the simulated gateway (entrance and jobhistory), as the acceptance of
// the Linkis backend describes it.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { defaultTaskPolicy, taskIdFor } from '../../lib/task/task.ts';
import { defaultPollPolicy } from '../../lib/tracking/poll-policy.ts';
import { defaultRetryPolicy } from '../../lib/tracking/retry-policy.ts';
import { linkisPassword, linkisRequest, linkisSeedBody, linkisToken } from '../support/linkis.ts';
import { createLinkisHarness } from '../support/linkis-harness.ts';
import { createTestAws, roundTripThroughQueue, type TestAws } from '../support/stack.ts';

let aws: TestAws;
let opened: { close(): Promise<void> } | undefined;
let n = 0;
beforeAll(async () => {
  aws = await createTestAws();
});
afterEach(async () => {
  await opened?.close();
  opened = undefined;
});

const settings = {
  taskPolicy: defaultTaskPolicy,
  poll: defaultPollPolicy,
  retry: { ...defaultRetryPolicy, maxAttempts: 3, baseDelayMs: 60_000, maxDelayMs: 60_000 },
};
// Queued 1 min, waiting for an engine 2 min, running 20 min; the entrance forgets a job the moment it ends.
const gateway = { durations: { initedMs: 60_000, scheduledMs: 120_000, runningMs: 20 * 60_000 }, evictAfterMs: 0 };

async function start(options: Parameters<typeof createLinkisHarness>[1] = {}) {
  const harness = await createLinkisHarness(aws, { settings, gateway, ...options });
  opened = harness;
  return harness;
}

const requestId = (label: string) => `linkis-${label}-${Date.now()}-${n++}`;

describe('Linkis tasks end to end', () => {
  it('submits the seed example once although it is delivered three times (two concurrently), and ends SUCCEEDED from jobhistory after the entrance forgot it', async () => {
    const { h, gateway: linkis } = await start();
    const body = JSON.stringify({ requestId: requestId('seed'), target: 'linkis', ...linkisSeedBody });
    const [first, second, third] = await roundTripThroughQueue(h.aws, [body, body, body]);
    const [a, b] = await Promise.all([h.submit.invoke([first!]), h.submit.invoke([second!])]);
    await h.submit.invoke([third!]);
    for (const retried of [a, b].flatMap((r) => r.batchItemFailures))
      await h.submit.invoke([[first!, second!].find((m) => m.messageId === retried.itemIdentifier)!]);
    expect(linkis.submits()).toHaveLength(1);
    const taskId = taskIdFor(JSON.parse(body).requestId);
    const { taskID, execID } = linkis.tasks()[0]!;
    expect(await h.get(taskId)).toMatchObject({
      state: 'SUBMITTED',
      target: 'linkis',
      backend: 'linkis',
      remote: { taskID, execID },
      remoteId: String(taskID),
    });

    const [task] = await h.runUntil([taskId], ['SUCCEEDED'], 60);
    expect(linkis.task(taskID)!.inMemory).toBe(false);
    expect(task!.history.map((e) => e.to)).toEqual(['ACCEPTED', 'SUBMITTED', 'RUNNING', 'SUCCEEDED']);
    expect(task!.progress).toBe(1);
    // The entrance's status (which says Cancelled for a task it forgot) was never asked.
    expect(linkis.received.filter((r) => r.endpoint === 'status')).toHaveLength(0);
    expect(linkis.killsAfterEnd()).toEqual([]);
  });

  it('resubmits a run that failed: one task, two Linkis tasks, attempt 2, both runs in the history', async () => {
    const { h, gateway: linkis } = await start();
    const [taskId] = await h.submitRequests([{ requestId: requestId('fails-once'), ...linkisRequest('sim.fail=true sim.failTimes=1') }]);
    const [task] = await h.runUntil([taskId!], ['SUCCEEDED'], 120);
    const [run1, run2] = linkis.tasks();
    expect(linkis.tasks()).toHaveLength(2);
    expect([run1!.status, run2!.status]).toEqual(['Failed', 'Succeed']);
    expect(task).toMatchObject({ attempt: 2, remote: { taskID: run2!.taskID, execID: run2!.execID }, remoteId: String(run2!.taskID) });
    expect(task!.history.map((e) => e.to)).toEqual(['ACCEPTED', 'SUBMITTED', 'RUNNING', 'FAILED', 'RETRY_WAIT', 'RUNNING', 'SUCCEEDED']);
    const reasons = task!.history.map((e) => e.reason).join('\n');
    expect(reasons).toContain(`created at the backend as ${run1!.taskID}`);
    expect(reasons).toContain(`retry 2 started at the backend as ${run2!.taskID} (a new job; ${run1!.taskID} is kept as it ended)`);
    expect(reasons).toMatch(/backend reports Failed/);
    // Each submit carried its own marker; the second is the retry's.
    expect(linkis.submits().map((r) => (r.body as { source: Record<string, string> }).source.bulkpilotMarker)).toEqual([`${taskId}.c1`, `${taskId}.r2`]);
    expect(linkis.killsAfterEnd()).toEqual([]);
  });

  it('finds the task of a submit whose answer was lost after Linkis stored it: tracked, not UNCERTAIN', async () => {
    const { h, gateway: linkis } = await start();
    linkis.faults.add({ endpoint: 'submit', kind: 'reset', phase: 'after', times: 1 });
    const [taskId] = await h.submitRequests([{ requestId: requestId('lost'), ...linkisSeedBody }]);
    const task = await h.get(taskId!);
    const [stored] = linkis.tasks();
    expect(linkis.tasks()).toHaveLength(1);
    expect(task).toMatchObject({ state: 'SUBMITTED', remote: { taskID: stored!.taskID }, remoteId: String(stored!.taskID) });
    expect(task.history.at(-1)!.reason).toBe(`created at the backend as ${stored!.taskID} (found after its answer was lost)`);
    await h.runUntil([taskId!], ['SUCCEEDED'], 60);
    expect(linkis.submits()).toHaveLength(1);
  });

  it('submits again only once jobhistory proves the lost submit stored nothing', async () => {
    const { h, gateway: linkis } = await start();
    linkis.faults.add({ endpoint: 'submit', kind: 'reset', phase: 'before', times: 1 });
    const body = JSON.stringify({ requestId: requestId('never-stored'), ...linkisSeedBody });
    const records = await roundTripThroughQueue(h.aws, [body]);
    const taskId = taskIdFor(JSON.parse(body).requestId);
    // The reset left it unknown: too early to believe an empty history, so the message comes back.
    expect((await h.submit.invoke(records)).batchItemFailures).toHaveLength(1);
    expect((await h.get(taskId)).state).toBe('ACCEPTED');
    // Its redelivery after the submit's bound and a settling time finds the history still empty and submits once more.
    h.clock.advance(5 * 60_000);
    expect((await h.submit.invoke(records)).batchItemFailures).toHaveLength(0);
    const [task] = await h.runUntil([taskId], ['SUCCEEDED'], 60);
    expect(linkis.submits()).toHaveLength(2);
    expect(linkis.tasks()).toHaveLength(1);
    expect(task!.create.attempts).toBe(2);
    expect(linkis.received.filter((r) => r.endpoint === 'jobhistory-list').length).toBeGreaterThanOrEqual(2);
  });

  it('kills a task past its deadline once, and never kills one that ended', async () => {
    const { h, gateway: linkis } = await start();
    const [late, done] = await h.submitRequests([
      { requestId: requestId('late'), maxDurationMinutes: 5, ...linkisSeedBody },
      { requestId: requestId('done'), ...linkisRequest('sim.runMs=60000') },
    ]);
    const tasks = await h.runUntil([late!, done!], ['FAILED_FINAL', 'SUCCEEDED'], 60);
    expect(tasks.map((t) => t.state)).toEqual(['FAILED_FINAL', 'SUCCEEDED']);
    expect(tasks[0]!.history.at(-1)!.reason).toBe('timed out: abort confirmed (backend reports Cancelled)');
    expect(linkis.received.filter((r) => r.endpoint === 'kill')).toHaveLength(1);
    expect(tasks.map((t) => linkis.task(Number(t.remote!.taskID))!.status)).toEqual(['Cancelled', 'Succeed']);
    expect(linkis.killsAfterEnd()).toEqual([]);
  });
});

describe('Linkis auth', () => {
  for (const auth of ['token', 'password'] as const) {
    it(`${auth}: a whole run, with the gateway forgetting every session mid-run, and no credential in any log line`, async () => {
      const { h, gateway: linkis } = await start({ auth });
      const [taskId] = await h.submitRequests([{ requestId: requestId(auth), ...linkisSeedBody }]);
      await h.runUntil([taskId!], ['RUNNING'], 10);
      linkis.expireSessions();
      const [task] = await h.runUntil([taskId!], ['SUCCEEDED'], 60);
      expect(task!.history.map((e) => e.to)).toEqual(['ACCEPTED', 'SUBMITTED', 'RUNNING', 'SUCCEEDED']);
      // Password: the first login, and one more after the gateway turned a call away; a token needs none.
      expect(linkis.received.filter((r) => r.endpoint === 'login')).toHaveLength(auth === 'password' ? 2 : 0);
      const logs = JSON.stringify(h.logLines);
      expect(h.logLines.length).toBeGreaterThan(0);
      for (const secret of [linkisToken, linkisPassword]) expect(logs).not.toContain(secret);
    });
  }
});

describe('Linkis deadlines', () => {
  it('holds a task found after its lost submit to its maximum duration from the submit, not from when it was found', async () => {
    const { h, gateway: linkis } = await start();
    linkis.faults.add({ endpoint: 'submit', kind: 'reset', phase: 'after', times: 1 });
    // The lookups fail for a while: the task is found only on the message's third delivery, 12 minutes on.
    linkis.faults.add({ endpoint: 'jobhistory-list', kind: 'status', status: 503, times: 8 });
    const body = JSON.stringify({ requestId: requestId('late-found'), maxDurationMinutes: 10, ...linkisSeedBody });
    const records = await roundTripThroughQueue(h.aws, [body]);
    const taskId = taskIdFor(JSON.parse(body).requestId);
    const startedAt = h.clock.now();
    for (let delivery = 0; delivery < 4; delivery++) {
      await h.submit.invoke(records);
      if ((await h.get(taskId)).state !== 'ACCEPTED') break;
      h.clock.advance(6 * 60_000); // the visibility timeout
    }
    const found = await h.get(taskId);
    expect(found.state).toBe('SUBMITTED');
    expect(found.submittedAt! - startedAt).toBeGreaterThanOrEqual(12 * 60_000);
    expect(found.runStartedAt).toBe(startedAt);
    const [task] = await h.runUntil([taskId], ['FAILED_FINAL'], 30);
    expect(task!.history.at(-1)!.reason).toMatch(/^timed out/);
    // Past its ten minutes when found: aborted at its first check, not ten minutes after the finding.
    expect(task!.history.find((e) => e.to === 'ABORTING')!.at - found.submittedAt!).toBeLessThanOrEqual(2 * 60_000);
  });
});

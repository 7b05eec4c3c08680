// Huawei DataArts CDM and DIS end to end on real parts (the queue, the submit path, the poller and the stream
// functions on DynamoDB Local and fauxqs) against the simulated Huawei Cloud, signed as the official SDK signs.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { defaultTaskPolicy, taskIdFor } from '../../lib/task/task.ts';
import { defaultPollPolicy } from '../../lib/tracking/poll-policy.ts';
import { defaultRetryPolicy } from '../../lib/tracking/retry-policy.ts';
import { DEFAULT_ACCESS_KEY, DEFAULT_USER } from '../../local/huawei-cloud/simulator.ts';
import { runCliCaptured } from '../support/cli.ts';
import { cdmRequest, disRequest, streamName } from '../support/huawei.ts';
import { createHuaweiHarness } from '../support/huawei-harness.ts';
import { createTestAws, roundTripThroughQueue, type TestAws } from '../support/stack.ts';
import type { TrackingHarness } from '../support/tracking-harness.ts';

let aws: TestAws;
let opened: { close(): Promise<void> } | undefined;
let n = 0;
beforeAll(async () => {
  aws = await createTestAws();
  Object.assign(process.env, aws.env); // the CLI's SDK reads its endpoints from here, as in a shell
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

async function start(options: Parameters<typeof createHuaweiHarness>[1] = {}) {
  const harness = await createHuaweiHarness(aws, { settings, ...options });
  opened = harness;
  return harness;
}

const requestId = (label: string) => `hw-${label}-${Date.now()}-${n++}`;

/** Three deliveries of one message, two of them in concurrent invocations, and each retried item once more. */
async function deliverThreeTimes(h: TrackingHarness, body: string) {
  const [first, second, third] = await roundTripThroughQueue(h.aws, [body, body, body]);
  const [a, b] = await Promise.all([h.submit.invoke([first!]), h.submit.invoke([second!])]);
  await h.submit.invoke([third!]);
  for (const retried of [a, b].flatMap((r) => r.batchItemFailures))
    await h.submit.invoke([[first!, second!].find((m) => m.messageId === retried.itemIdentifier)!]);
}

describe('CDM jobs end to end', () => {
  it("creates the seed's job once although delivered three times (two concurrently), follows it on the cluster CDM chose, and ends SUCCEEDED with its counters", async () => {
    const { h, cloud } = await start();
    const body = JSON.stringify({
      requestId: requestId('cdm-seed'),
      target: 'cdm',
      ...cdmRequest('es_css', [
        ['sim.runMs', '240000'],
        ['sim.rows', '52000'],
      ]),
    });
    await deliverThreeTimes(h, body);
    expect(cloud.requests({ endpoint: 'cdm.randomCreateAndStart' })).toHaveLength(1);
    const [job] = cloud.cdm.jobs();
    const taskId = taskIdFor(JSON.parse(body).requestId);
    expect(await h.get(taskId)).toMatchObject({
      state: 'SUBMITTED',
      backend: 'huawei-cdm',
      remote: { jobName: 'es_css', clusterId: job!.clusterId },
      remoteId: `es_css@${job!.clusterId}`,
    });

    const [task] = await h.runUntil([taskId], ['SUCCEEDED'], 30);
    expect(task!.history.map((e) => e.to)).toEqual(['ACCEPTED', 'SUBMITTED', 'RUNNING', 'SUCCEEDED']);
    expect(task!.counters).toMatchObject({ ROWS_READ: 52_000, ROWS_WRITTEN: 52_000, BYTES_WRITTEN: expect.any(Number) });
    const shown = await runCliCaptured(['status', `es_css@${job!.clusterId}`], { env: { ...h.aws.env }, now: () => h.clock.now() });
    expect(shown.out).toMatch(/^counters +.*ROWS_READ 52,000.*ROWS_WRITTEN 52,000/m);
    expect(shown.out).toMatch(/^backend state +SUCCEEDED \/ 100 %$/m);
    // Every status call went to the cluster that has the job; none to the other candidate.
    const other = cloud.cdm.clusters().find((c) => c.id !== job!.clusterId)!;
    expect(cloud.requests({ endpoint: 'cdm.jobStatus' }).every((r) => r.params.clusterId === job!.clusterId)).toBe(true);
    expect(cloud.requests({ endpoint: 'cdm.jobStatus' }).some((r) => r.params.clusterId === other.id)).toBe(false);
  });

  it('starts a failed run again on the same cluster (never a new random create), and it succeeds', async () => {
    const { h, cloud } = await start();
    const [taskId] = await h.submitRequests([
      {
        requestId: requestId('cdm-fails-once'),
        target: 'cdm',
        ...cdmRequest('fails_once', [
          ['sim.fail', 'true'],
          ['sim.failTimes', '1'],
          ['sim.runMs', '120000'],
        ]),
      },
    ]);
    const [task] = await h.runUntil([taskId!], ['SUCCEEDED'], 60);
    const [job] = cloud.cdm.jobs();
    expect(cloud.requests({ endpoint: 'cdm.randomCreateAndStart' })).toHaveLength(1);
    const starts = cloud.requests({ endpoint: 'cdm.startJob' });
    expect(starts.map((r) => r.params.clusterId)).toEqual([job!.clusterId]);
    expect(cloud.cdm.submissions().map((s) => s.status)).toEqual(expect.arrayContaining(['FAILED', 'SUCCEEDED']));
    expect(task).toMatchObject({ attempt: 2, remote: { clusterId: job!.clusterId, jobName: 'fails_once' } });
    expect(task!.history.map((e) => e.to)).toEqual(['ACCEPTED', 'SUBMITTED', 'RUNNING', 'FAILED', 'RETRY_WAIT', 'RUNNING', 'SUCCEEDED']);
  });

  it('adopts the job of a create whose answer was lost after CDM made it, by probing the candidate clusters', async () => {
    const { h, cloud } = await start();
    cloud.faults.add({ endpoint: 'cdm.randomCreateAndStart', kind: 'reset', phase: 'after', times: 1 });
    const [taskId] = await h.submitRequests([{ requestId: requestId('cdm-lost'), target: 'cdm', ...cdmRequest('lost_answer') }]);
    const [job] = cloud.cdm.jobs();
    expect(cloud.cdm.jobs()).toHaveLength(1);
    const task = await h.get(taskId!);
    expect(task).toMatchObject({ state: 'SUBMITTED', remote: { jobName: 'lost_answer', clusterId: job!.clusterId } });
    expect(task.history.at(-1)!.reason).toBe(`created at the backend as lost_answer@${job!.clusterId} (found after its answer was lost)`);
    await h.runUntil([taskId!], ['SUCCEEDED'], 20);
    expect(cloud.requests({ endpoint: 'cdm.randomCreateAndStart' })).toHaveLength(1);
  });

  it('refuses a job whose name the chosen cluster already has, saying why', async () => {
    const { h } = await start();
    const [first] = await h.submitRequests([
      { requestId: requestId('cdm-name-1'), target: 'cdm', ...cdmRequest('daily_load'), clusters: ['b0791496-e111-4e75-b7ca-9277aeab9297'] },
    ]);
    await h.runUntil([first!], ['SUCCEEDED'], 10);
    const [second] = await h.submitRequests([
      { requestId: requestId('cdm-name-2'), target: 'cdm', ...cdmRequest('daily_load'), clusters: ['b0791496-e111-4e75-b7ca-9277aeab9297'] },
    ]);
    expect(await h.get(second!)).toMatchObject({
      state: 'REJECTED',
      error: { source: 'backend', reason: expect.stringMatching(/already exists on the cluster CDM chose .*name each run/) },
    });
  });
});

describe('DIS dump tasks end to end', () => {
  it("creates the seed's dump task once although delivered three times (two concurrently); it runs, healthy, and never succeeds", async () => {
    const { h, cloud } = await start();
    const body = JSON.stringify({ requestId: requestId('dis-seed'), target: 'dis', ...disRequest('mrstask') });
    await deliverThreeTimes(h, body);
    expect(cloud.requests({ endpoint: 'dis.createTask' })).toHaveLength(1);
    const taskId = taskIdFor(JSON.parse(body).requestId);
    const [task] = await h.runUntil([taskId], ['RUNNING'], 5);
    const [dump] = cloud.dis.tasks();
    expect(task).toMatchObject({
      backend: 'huawei-dis',
      lifecycle: 'continuous',
      remote: { streamName, taskName: 'mrstask', taskId: dump!.taskId },
      remoteId: `${streamName}/mrstask`,
    });
    // A day and more later (no default deadline for a continuous task): still running, healthy, transferring.
    for (let i = 0; i < 10; i++) await h.tick({ advanceMs: 3 * 3_600_000 });
    const later = await h.get(taskId);
    expect(later.state).toBe('RUNNING');
    expect(later.warnings).toBeUndefined();
    expect(cloud.dis.tasks()[0]!.state).toBe('RUNNING');
  });

  it('starts a task that went to ERROR again (the same task), and it runs', async () => {
    const { h, cloud } = await start();
    const [taskId] = await h.submitRequests([
      { requestId: requestId('dis-error'), target: 'dis', ...disRequest('goes_wrong'), retry: { baseDelaySeconds: 30 } },
    ]);
    await h.runUntil([taskId!], ['RUNNING'], 5);
    cloud.dis.forceTask(streamName, 'goes_wrong', { state: 'ERROR' });
    for (let i = 0; i < 20 && (await h.get(taskId!)).attempt !== 2; i++) await h.tick();
    const task = await h.get(taskId!);
    expect(task).toMatchObject({ state: 'RUNNING', attempt: 2 });
    expect(task.history.map((e) => e.to)).toEqual(['ACCEPTED', 'SUBMITTED', 'RUNNING', 'FAILED', 'RETRY_WAIT', 'RUNNING']);
    const actions = cloud.requests({ endpoint: 'dis.taskAction' }).map((r) => JSON.parse(r.rawBody.toString()) as { action: string });
    expect(actions.map((a) => a.action)).toEqual(['start']);
    expect(cloud.dis.tasks()).toHaveLength(1);
  });

  it('adopts the task of a create whose answer was lost, by its name', async () => {
    const { h, cloud } = await start();
    cloud.faults.add({ endpoint: 'dis.createTask', kind: 'reset', phase: 'after', times: 1 });
    const [taskId] = await h.submitRequests([{ requestId: requestId('dis-lost'), target: 'dis', ...disRequest('lost_dump') }]);
    expect(cloud.dis.tasks()).toHaveLength(1);
    const task = await h.get(taskId!);
    expect(task).toMatchObject({ state: 'SUBMITTED', remote: { taskName: 'lost_dump' } });
    expect(task.history.at(-1)!.reason).toBe(`created at the backend as ${streamName}/lost_dump (found after its answer was lost)`);
  });

  it('stops a dump task at its maximum duration: ABORTED, as planned', async () => {
    const { h, cloud } = await start();
    const [taskId] = await h.submitRequests([{ requestId: requestId('dis-bounded'), target: 'dis', maxDurationMinutes: 10, ...disRequest('bounded_dump') }]);
    const [task] = await h.runUntil([taskId!], ['ABORTED'], 20);
    expect(task!.history.at(-1)!.reason).toMatch(/^stopped at the end of its maximum duration/);
    expect(cloud.dis.tasks()[0]!.state).toBe('PAUSED');
  });

  it('warns once when the task discards records, and announces it', async () => {
    const { h, cloud } = await start();
    const [taskId] = await h.submitRequests([{ requestId: requestId('dis-discard'), target: 'dis', ...disRequest('lossy_dump') }]);
    await h.runUntil([taskId!], ['RUNNING'], 5);
    await h.notifications();
    cloud.dis.forceTask(streamName, 'lossy_dump', { discard: 25 });
    for (let i = 0; i < 15 && !(await h.get(taskId!)).warnings; i++) await h.tick();
    const warned = await h.get(taskId!);
    expect(warned.warnings).toEqual([{ code: 'discarding', message: '25 records discarded since the last check (25 in all)', since: expect.any(Number) }]);
    expect(warned.counters).toMatchObject({ discarded: 25 });
    const notes = await h.notifications();
    expect(notes).toEqual([
      expect.objectContaining({ event: 'warning', taskId, state: 'RUNNING', warnings: [expect.objectContaining({ code: 'discarding' })] }),
    ]);
    // The operator sees it: the list marks the task, status shows the warning and the counters.
    const env = { ...h.aws.env };
    const list = await runCliCaptured(['list', '--target', 'dis'], { env, now: () => h.clock.now() });
    expect(list.out).toMatch(/RUNNING \(warning\)/);
    const shown = await runCliCaptured(['status', taskId!], { env, now: () => h.clock.now() });
    expect(shown.out).toMatch(/^counters +partitions 1, discarded 25, transferred \d+/m);
    expect(shown.out).toMatch(/^warning +25 records discarded since the last check \(25 in all\) \(discarding, since 2026-/m);
    // No more discards: the warning goes at a later check; the task never stopped running.
    for (let i = 0; i < 15 && (await h.get(taskId!)).warnings; i++) await h.tick();
    expect(await h.get(taskId!)).toMatchObject({ state: 'RUNNING', counters: { discarded: 25 } });
    expect((await h.get(taskId!)).warnings).toBeUndefined();
  });
});

describe('Huawei Cloud authentication', () => {
  for (const auth of ['aksk', 'iam-password'] as const) {
    it(`${auth}: every call the simulator received carried valid credentials, and no AK, SK or password reached a log line`, async () => {
      const { h, cloud } = await start({ auth });
      const [cdm, dis] = await h.submitRequests([
        { requestId: requestId(`auth-cdm-${auth}`), target: 'cdm', ...cdmRequest(`auth_${auth.replace('-', '_')}`) },
        { requestId: requestId(`auth-dis-${auth}`), target: 'dis', ...disRequest(`auth_${auth.replace('-', '_')}`) },
      ]);
      await h.runUntil([cdm!, dis!], ['SUCCEEDED', 'RUNNING'], 10);
      const calls = cloud.received.filter((r) => r.service !== 'iam');
      expect(calls.length).toBeGreaterThan(4);
      expect(calls.filter((r) => r.auth?.failure !== undefined || r.auth?.method !== (auth === 'aksk' ? 'aksk' : 'token'))).toEqual([]);
      expect(cloud.iam.tokenRequests()).toBe(auth === 'aksk' ? 0 : 2); // one token per target
      const logs = JSON.stringify(h.logLines);
      for (const secret of [DEFAULT_ACCESS_KEY.sk, DEFAULT_USER.password]) expect(logs).not.toContain(secret);
    });
  }
});

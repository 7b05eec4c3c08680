// Redelivery at scale, against Huawei CDM and DIS: every request delivered three times through the real
// queue with Lambda's SQS semantics (lambda-sqs.ts) to the submit path and the simulated cloud. Neither
// service takes an idempotency key: CDM's random create would make the job again (on another cluster, even),
// DIS would answer a second create "exists". So "never the same load twice" rests on bulkpilot: exactly one
// remote create and one SUBMITTED task per request, holding the reference of its own remote job.
//
// DIS allows 5 dump tasks per stream (DIS.4357): the simulator is given as many streams as the tasks need at
// that quota (huawei-requests.ts), so the quota stays DIS's own and is never what a request meets.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Task, taskIdFor } from '../../lib/task/task.ts';
import { createHuaweiHarness } from '../support/huawei-harness.ts';
import { createTestAws } from '../support/stack.ts';
import { cdmChaosRequest, cdmCreatesByJob, chaosStreams, disChaosRequest, disCreatesByTask, streamFor } from './huawei-requests.ts';
import { type Drained, drainWithLambdaSemantics, sendAll, shuffledCopies } from './lambda-sqs.ts';
import { reportFigures, sized } from './scale.ts';

const perBackend = sized(300, 60);
const copies = 3;
const concurrentInvocations = 3;
const run = Date.now().toString(36);

/** Request i of each backend: its id, and the name of its remote job (unique, derived from i). */
const cdm = (i: number) => ({ requestId: `hw-redeliver-${run}-cdm-${i}`, jobName: `redeliver_cdm_${i}` });
const dis = (i: number) => ({ requestId: `hw-redeliver-${run}-dis-${i}`, taskName: `redeliver_dis_${i}`, stream: streamFor(i) });
const indexes = Array.from({ length: perBackend }, (_, i) => i);

let harness: Awaited<ReturnType<typeof createHuaweiHarness>>;
let drained: Drained;
let cdmTasks: Array<Task | undefined> = [];
let disTasks: Array<Task | undefined> = [];

beforeAll(async () => {
  harness = await createHuaweiHarness(await createTestAws(), { cloud: { dis: { streams: chaosStreams(perBackend) } } });
  const { h } = harness;
  // The two backends' requests interleaved, so their copies meet in the same batches and invocations.
  const bodies = indexes.flatMap((i) => [
    JSON.stringify(cdmChaosRequest(cdm(i).requestId, cdm(i).jobName)),
    JSON.stringify(disChaosRequest(dis(i).requestId, dis(i).taskName, dis(i).stream)),
  ]);
  await sendAll(h.aws, shuffledCopies(bodies, copies));
  drained = await drainWithLambdaSemantics(h.aws, (records) => h.submit.invoke(records), { concurrentInvocations, expected: bodies.length * copies });
  cdmTasks = await Promise.all(indexes.map((i) => h.store.get(taskIdFor(cdm(i).requestId))));
  disTasks = await Promise.all(indexes.map((i) => h.store.get(taskIdFor(dis(i).requestId))));
  const outcomes = drained.reports.flatMap((r) => r.outcomes.map((o) => o.outcome.kind));
  reportFigures('huawei redelivery', {
    requests: bodies.length,
    deliveries: drained.figures.deliveries,
    invocations: drained.figures.invocations,
    cdmCreates: harness.cloud.requests({ endpoint: 'cdm.randomCreateAndStart' }).length,
    cdmJobs: harness.cloud.cdm.jobs().length,
    disCreates: harness.cloud.requests({ endpoint: 'dis.createTask' }).length,
    disTasks: harness.cloud.dis.tasks().length,
    disStreams: chaosStreams(perBackend).length,
    submitted: outcomes.filter((k) => k === 'submitted').length,
    duplicatesDetected: outcomes.filter((k) => k === 'duplicate').length,
    handedBack: drained.figures.handedBack,
    copiesInConcurrentInvocations: drained.figures.copiesInConcurrentInvocations,
    copiesInSameBatch: drained.figures.copiesInSameBatch,
    seconds: drained.seconds.toFixed(1),
  });
});
afterAll(async () => {
  await harness?.close();
});

describe(`Huawei redelivery: ${perBackend} CDM and ${perBackend} DIS requests, each delivered ${copies} times`, () => {
  it('acknowledges every message once, leaving nothing on the queue or in the dead-letter queue', () => {
    expect(drained.acknowledged.size).toBe(2 * perBackend * copies);
    expect(drained.left).toEqual({ visible: 0, inFlight: 0 });
    expect(drained.deadLettered).toEqual([]);
    // The copies did meet: in one batch, and in invocations running at once.
    expect(drained.figures.copiesInSameBatch).toBeGreaterThan(0);
    expect(drained.figures.copiesInConcurrentInvocations).toBeGreaterThan(0);
  });

  it('sends each CDM request exactly one random-cluster create, which made exactly one job', () => {
    const creates = cdmCreatesByJob(harness.cloud);
    const jobs = harness.cloud.cdm.jobs();
    expect(harness.cloud.requests({ endpoint: 'cdm.randomCreateAndStart' })).toHaveLength(perBackend);
    const wrong = indexes.map((i) => cdm(i).jobName).filter((name) => creates.get(name)?.length !== 1 || jobs.filter((j) => j.name === name).length !== 1);
    expect(wrong).toEqual([]);
  });

  it('sends each DIS request exactly one create, which made exactly one dump task', () => {
    const creates = disCreatesByTask(harness.cloud);
    const tasks = harness.cloud.dis.tasks();
    expect(harness.cloud.requests({ endpoint: 'dis.createTask' })).toHaveLength(perBackend);
    const wrong = indexes
      .map((i) => dis(i))
      .filter(({ stream, taskName }) => creates.get(`${stream}/${taskName}`)?.length !== 1 || tasks.filter((t) => t.taskName === taskName).length !== 1);
    expect(wrong).toEqual([]);
  });

  it('keeps one SUBMITTED task per CDM request, naming its own job and the cluster CDM put it on', () => {
    const jobs = new Map(harness.cloud.cdm.jobs().map((j) => [j.name, j]));
    const wrong = cdmTasks.flatMap((task, i) => {
      const mine = jobs.get(cdm(i).jobName);
      const ok =
        (task?.state === 'SUBMITTED' || task?.state === 'RUNNING') &&
        task.remote?.jobName === mine?.name &&
        task.remote?.clusterId === mine?.clusterId &&
        task.remoteId === `${mine?.name}@${mine?.clusterId}` &&
        task.create.attempts === 1;
      return ok ? [] : [`${cdm(i).requestId}: ${task?.state} ${JSON.stringify(task?.remote)} (job on ${mine?.clusterId})`];
    });
    expect(wrong).toEqual([]);
  });

  it('keeps one SUBMITTED task per DIS request, naming its own dump task and its stream', () => {
    const tasks = new Map(harness.cloud.dis.tasks().map((t) => [`${t.streamName}/${t.taskName}`, t]));
    const wrong = disTasks.flatMap((task, i) => {
      const { stream, taskName, requestId } = dis(i);
      const mine = tasks.get(`${stream}/${taskName}`);
      const ok =
        (task?.state === 'SUBMITTED' || task?.state === 'RUNNING') &&
        task.remote?.taskName === taskName &&
        task.remote?.streamName === stream &&
        task.remote?.taskId === mine?.taskId &&
        task.create.attempts === 1;
      return ok ? [] : [`${requestId}: ${task?.state} ${JSON.stringify(task?.remote)} (DIS task ${mine?.taskId})`];
    });
    expect(wrong).toEqual([]);
  });
});

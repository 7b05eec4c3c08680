// Crash injection, against Huawei CDM and DIS: the submit path dies at each of its steps (crashing-store.ts)
// and the redeliveries SQS makes converge. Both backends can look a lost create up — CDM by probing the
// candidate clusters for the job's name created since the create began, DIS by reading the task of that name
// and checking it describes this request's destination and is new — so no task is held UNCERTAIN: a crash
// after the create is found, a crash before it is proven to have made nothing, and either way each request
// ends with exactly one remote job (CDM: one job on one cluster; DIS: one dump task).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QueueRecord } from '../../lib/submit/queue-record.ts';
import { type Task, taskIdFor } from '../../lib/task/task.ts';
import { lookupSettleMs } from '../../lib/task/uncertain-create.ts';
import type { CdmJobView, DisTaskView } from '../../local/huawei-cloud/simulator.ts';
import { createHuaweiHarness } from '../support/huawei-harness.ts';
import { createTestAws, roundTripThroughQueue, type TestAws } from '../support/stack.ts';
import { crashingAt, type Step } from './crashing-store.ts';
import { cdmChaosRequest, cdmCreatesByJob, chaosStreams, disChaosRequest, disCreatesByTask, streamFor } from './huawei-requests.ts';
import { reportFigures, sized } from './scale.ts';

const requestsPerBackend = sized(50, 10);
const batchSize = 10;

let aws: TestAws;
const open: Array<{ close(): Promise<void> }> = [];
beforeAll(async () => {
  aws = await createTestAws();
});
afterAll(async () => {
  for (const o of open) await o.close();
});

/** One request of a scenario, and how to find its remote job. */
interface Traced {
  requestId: string;
  backend: 'cdm' | 'dis';
  /** CDM job name, or `<stream>/<task>` of DIS. */
  name: string;
}

async function scenario(step: Step) {
  const harness = await createHuaweiHarness(aws, { cloud: { dis: { streams: chaosStreams(requestsPerBackend) } } });
  open.push(harness);
  const { h, cloud } = harness;
  const crashed = new Set<string>();
  h.submit.deps.store = crashingAt(step, crashed)(h.store);
  const stamp = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
  const traced: Traced[] = [];
  const bodies: string[] = [];
  for (let i = 0; i < requestsPerBackend; i++) {
    const cdmId = `hw-crash-${step}-${stamp}-cdm-${i}`;
    const jobName = `crash_cdm_${i}`;
    traced.push({ requestId: cdmId, backend: 'cdm', name: jobName });
    bodies.push(JSON.stringify(cdmChaosRequest(cdmId, jobName)));
    const disId = `hw-crash-${step}-${stamp}-dis-${i}`;
    const taskName = `crash_dis_${i}`;
    traced.push({ requestId: disId, backend: 'dis', name: `${streamFor(i)}/${taskName}` });
    bodies.push(JSON.stringify(disChaosRequest(disId, taskName, streamFor(i))));
  }
  const records: QueueRecord[] = [];
  for (let i = 0; i < bodies.length; i += batchSize) records.push(...(await roundTripThroughQueue(h.aws, bodies.slice(i, i + batchSize))));
  const requestOf = new Map(records.map((r) => [r.messageId, (JSON.parse(r.body) as { requestId: string }).requestId]));
  const receives = new Map<string, number>(records.map((r) => [r.messageId, 1]));
  const requestIds = traced.map((t) => t.requestId);

  const cdmJobs = (name: string): CdmJobView[] => cloud.cdm.jobs().filter((j) => j.name === name);
  const disTasks = (key: string): DisTaskView[] => cloud.dis.tasks().filter((t) => `${t.streamName}/${t.taskName}` === key);
  return {
    h,
    cloud,
    traced,
    requestIds,
    crashed,
    /** Past the slower backend's create bound and the time a lookup waits before it believes "no job". */
    pastTheLease() {
      const bound = Math.max(h.deps.backends.get('cdm')!.timing.createMs, h.deps.backends.get('dis')!.timing.createMs);
      h.clock.advance(bound + lookupSettleMs + 10_000);
    },
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
    tasks: async (): Promise<Task[]> => Promise.all(requestIds.map(async (id) => (await h.store.get(taskIdFor(id)))!)),
    /**
     * What is wrong with each request's remote side and task: not exactly one create and one remote job, or a
     * task that does not hold that job's reference. Empty when every request converged.
     */
    async mismatches(expected: { state?: Task['state'] } = {}): Promise<string[]> {
      const tasks = await this.tasks();
      const cdmCreates = cdmCreatesByJob(cloud);
      const disCreates = disCreatesByTask(cloud);
      return traced.flatMap((t, i) => {
        const task = tasks[i]!;
        const where = `${t.requestId} (${task.state}, ${JSON.stringify(task.remote)})`;
        const problems: string[] = [];
        if (task.state === 'UNCERTAIN') problems.push('UNCERTAIN');
        if (expected.state && task.state !== expected.state) problems.push(`expected ${expected.state}`);
        if (t.backend === 'cdm') {
          const jobs = cdmJobs(t.name);
          const creates = cdmCreates.get(t.name)?.length ?? 0;
          if (jobs.length !== 1 || creates !== 1) problems.push(`${jobs.length} CDM jobs from ${creates} creates`);
          else if (task.remote?.jobName !== t.name || task.remote?.clusterId !== jobs[0]!.clusterId) problems.push(`the job is on ${jobs[0]!.clusterId}`);
        } else {
          const dumps = disTasks(t.name);
          const creates = disCreates.get(t.name)?.length ?? 0;
          if (dumps.length !== 1 || creates !== 1) problems.push(`${dumps.length} DIS tasks from ${creates} creates`);
          else if (`${task.remote?.streamName}/${task.remote?.taskName}` !== t.name) problems.push('another dump task');
        }
        return problems.length ? [`${where}: ${problems.join('; ')}`] : [];
      });
    },
    /** The reason the task's last transition gives when its job was found after a lost answer. */
    foundReason(t: Traced): string {
      const label = t.backend === 'cdm' ? `${t.name}@${cdmJobs(t.name)[0]?.clusterId}` : t.name;
      return `created at the backend as ${label} (found after its answer was lost)`;
    },
  };
}

const allOf = (s: { requestIds: string[] }, kind: string) => Array(s.requestIds.length).fill(kind);

function report(step: string, s: Awaited<ReturnType<typeof scenario>>, tasks: Task[]): void {
  const states: Record<string, number> = {};
  for (const t of tasks) states[t.state] = (states[t.state] ?? 0) + 1;
  reportFigures(`huawei crash-injection ${step}`, {
    requests: s.requestIds.length,
    crashes: s.crashed.size,
    cdmCreates: s.cloud.requests({ endpoint: 'cdm.randomCreateAndStart' }).length,
    cdmJobs: s.cloud.cdm.jobs().length,
    cdmProbes: s.cloud.requests({ endpoint: 'cdm.showJob' }).length,
    disCreates: s.cloud.requests({ endpoint: 'dis.createTask' }).length,
    disTasks: s.cloud.dis.tasks().length,
    finalStates: Object.entries(states)
      .map(([k, n]) => `${k}:${n}`)
      .join(' '),
  });
}

describe('a crash at each submit step converges on one CDM job or DIS task per request, never UNCERTAIN', () => {
  it('before the intent write: nothing is stored; the redelivery creates each once', async () => {
    const s = await scenario('before-intent');
    expect(await s.deliver()).toEqual(allOf(s, 'retry'));
    expect(s.cloud.requests({ endpoint: 'cdm.randomCreateAndStart' })).toHaveLength(0);
    expect(s.cloud.requests({ endpoint: 'dis.createTask' })).toHaveLength(0);
    expect(await s.deliver()).toEqual(allOf(s, 'submitted'));
    expect(await s.mismatches({ state: 'SUBMITTED' })).toEqual([]);
    report('before-intent', s, await s.tasks());
  });

  it('right after the intent write: no create; once the backend proves it has none, the redelivery creates once', async () => {
    const s = await scenario('after-intent');
    expect(await s.deliver()).toEqual(allOf(s, 'retry'));
    expect(await s.deliver()).toEqual(allOf(s, 'retry')); // the claim may still be alive
    s.pastTheLease();
    expect(await s.deliver()).toEqual(allOf(s, 'submitted'));
    expect(await s.mismatches({ state: 'SUBMITTED' })).toEqual([]);
    const tasks = await s.tasks();
    for (const task of tasks) {
      expect(task.create.attempts).toBe(2);
      expect(task.create.possibleDuplicate).toBeUndefined();
      // The second claim says why it was safe to create: the lookup found nothing.
      expect(task.history.some((e) => /the lookup found no job of create attempt 1/.test(e.reason))).toBe(true);
    }
    report('after-intent', s, tasks);
  });

  it('between the create and the write of its reference: the redelivery finds the job and tracks it', async () => {
    const s = await scenario('after-create');
    expect(await s.deliver()).toEqual(allOf(s, 'retry'));
    s.pastTheLease();
    expect(await s.deliver()).toEqual(allOf(s, 'submitted'));
    expect(await s.mismatches({ state: 'SUBMITTED' })).toEqual([]);
    const tasks = await s.tasks();
    for (const [i, task] of tasks.entries()) {
      expect(task.create.attempts).toBe(1);
      expect(task.history.map((e) => e.to)).toEqual(['ACCEPTED', 'SUBMITTED']);
      expect(task.history.at(-1)!.reason).toBe(s.foundReason(s.traced[i]!));
    }
    report('after-create', s, tasks);
  });

  it('between the create and the write of its reference, with no redelivery: the poller finds the job', async () => {
    const s = await scenario('after-create');
    expect(await s.deliver()).toEqual(allOf(s, 'retry'));
    await s.h.runUntil(s.requestIds.map(taskIdFor), ['RUNNING', 'SUCCEEDED'], 30);
    expect(await s.mismatches()).toEqual([]);
    const tasks = await s.tasks();
    for (const [i, task] of tasks.entries()) expect(task.history[1]!.reason).toBe(s.foundReason(s.traced[i]!));
    expect(await s.deliver()).toEqual(allOf(s, 'duplicate')); // a late message changes nothing
    expect(await s.mismatches()).toEqual([]);
    report('after-create (poller)', s, tasks);
  });

  it('right after the write of its reference: one create; the redelivery is a duplicate that changes nothing', async () => {
    const s = await scenario('after-procId-write');
    expect(await s.deliver()).toEqual(allOf(s, 'retry'));
    const before = await s.tasks();
    expect(await s.deliver()).toEqual(allOf(s, 'duplicate'));
    const tasks = await s.tasks();
    expect(await s.mismatches({ state: 'SUBMITTED' })).toEqual([]);
    for (const [i, task] of tasks.entries()) expect(task.remote).toEqual(before[i]!.remote);
    report('after-remote-write', s, tasks);
  });
});

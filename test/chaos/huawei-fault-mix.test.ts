// Fault mix against Huawei CDM and DIS: many whole lifecycles of mixed outcomes through the queue, the submit
// path, the poller and the retry function on a virtual clock, while the cloud's answers fail: creates refused
// before processing (503) or lost after it (reset, truncated, too slow — the job exists), status reads failing
// every way, the lookups that find a lost create failing (CDM's probes of the candidate clusters), the start and
// stop commands refused. Both backends can look a lost create up, so no task may end UNCERTAIN; and each
// request is exactly one remote job (CDM: one job on one cluster, started again there; DIS: one dump task).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTerminal } from '../../lib/task/states.ts';
import { type Task, taskIdFor } from '../../lib/task/task.ts';
import type { CdmJobView, DisTaskView, FaultRule, HuaweiCloud, ReceivedRequest } from '../../local/huawei-cloud/simulator.ts';
import { createHuaweiHarness } from '../support/huawei-harness.ts';
import { createTestAws, receiveAll, type TestAws } from '../support/stack.ts';
import { type FaultOption as FaultOptionOf, faultDraw } from './fault-draw.ts';
import { cdmChaosRequest, cdmJobNameOf, chaosStreams, disChaosRequest, disTaskKeyOf, streamFor } from './huawei-requests.ts';
import { reportFigures, sized } from './scale.ts';
import { activeTaskIds, VirtualQueue } from './virtual-queue.ts';

const lifecycles = sized(300, 60);
/** Slow faults cost real time (the client waits out its 2 s header timeout): bounded, above all at CI size. */
const slowBudget: Partial<Record<Endpoint, number>> = {
  'cdm.randomCreateAndStart': sized(8, 1),
  'dis.createTask': sized(8, 1),
  'cdm.jobStatus': sized(30, 2),
  'dis.showTask': sized(30, 2),
};
const maxTicks = 300;
/** A stream that does not exist: DIS refuses the create (DIS.4301). */
const missingStream = 'chaos-no-such-stream';

type Scenario = 'cdm-succeed' | 'cdm-fail-once' | 'cdm-fail-always' | 'cdm-timeout' | 'dis-healthy' | 'dis-error-once' | 'dis-refused';
const pattern: Scenario[] = [
  'cdm-succeed',
  'dis-healthy',
  'cdm-fail-once',
  'cdm-succeed',
  'dis-error-once',
  'cdm-fail-always',
  'dis-healthy',
  'cdm-timeout',
  'cdm-succeed',
  'dis-refused',
  'cdm-fail-once',
  'dis-healthy',
  'cdm-succeed',
  'dis-error-once',
  'cdm-timeout',
  'cdm-fail-once',
  'dis-healthy',
  'cdm-fail-always',
  'cdm-succeed',
  'dis-refused',
];

interface Lifecycle {
  scenario: Scenario;
  requestId: string;
  taskId: string;
  body: string;
  /** CDM: the job name. DIS: `<stream>/<task>`. */
  name: string;
}

function lifecycleOf(scenario: Scenario, i: number, disIndex: number, stamp: string): Lifecycle {
  const requestId = `hwmix-${stamp}-${i}-${scenario}`;
  const jobName = `mix_${i}_${scenario.replaceAll('-', '_')}`;
  const stream = scenario === 'dis-refused' ? missingStream : streamFor(disIndex);
  let request: Record<string, unknown>;
  switch (scenario) {
    case 'cdm-succeed':
      request = cdmChaosRequest(requestId, jobName, [['sim.runMs', '240000']]);
      break;
    case 'cdm-fail-once':
      request = cdmChaosRequest(
        requestId,
        jobName,
        [
          ['sim.fail', 'true'],
          ['sim.failTimes', '1'],
          ['sim.runMs', '120000'],
        ],
        { retry: { baseDelaySeconds: 30 } },
      );
      break;
    case 'cdm-fail-always':
      request = cdmChaosRequest(
        requestId,
        jobName,
        [
          ['sim.fail', 'true'],
          ['sim.runMs', '60000'],
        ],
        { retry: { maxAttempts: 3, baseDelaySeconds: 30 } },
      );
      break;
    case 'cdm-timeout':
      request = cdmChaosRequest(requestId, jobName, [['sim.runMs', '900000']], { maxDurationMinutes: 3 });
      break;
    case 'dis-healthy':
      // A dump task never ends by itself: its maximum duration is how this one's run is made to end.
      request = disChaosRequest(requestId, jobName, stream, { maxDurationMinutes: 20 });
      break;
    case 'dis-error-once':
      request = disChaosRequest(requestId, jobName, stream, { maxDurationMinutes: 30, retry: { baseDelaySeconds: 30 } });
      break;
    case 'dis-refused':
      request = disChaosRequest(requestId, jobName, stream);
      break;
  }
  return {
    scenario,
    requestId,
    taskId: taskIdFor(requestId),
    body: JSON.stringify(request),
    name: scenario.startsWith('cdm') ? jobName : `${stream}/${jobName}`,
  };
}

// ---- faults -------------------------------------------------------------------------------------------

type Endpoint =
  | 'cdm.randomCreateAndStart'
  | 'cdm.jobStatus'
  | 'cdm.showJob'
  | 'cdm.startJob'
  | 'cdm.stopJob'
  | 'dis.createTask'
  | 'dis.showTask'
  | 'dis.taskAction';
type FaultOption = FaultOptionOf<Omit<FaultRule, 'endpoint' | 'match' | 'probability' | 'times'>>;

// A create refused before processing made nothing; one lost after it left the job in place.
const createFaults: FaultOption[] = [
  { label: '503-before', p: 0.07, rule: { kind: 'status', status: 503, phase: 'before' } },
  { label: 'reset-after', p: 0.05, rule: { kind: 'reset', phase: 'after' } },
  { label: 'malformed-after', p: 0.05, rule: { kind: 'malformed', phase: 'after' } },
  { label: 'slow-after', p: 0.03, rule: { kind: 'slow', delayMs: 2_500, phase: 'after' } },
];
const readFaults: FaultOption[] = [
  { label: '500', p: 0.04, rule: { kind: 'status', status: 500 } },
  { label: '502', p: 0.04, rule: { kind: 'status', status: 502 } },
  { label: '503', p: 0.04, rule: { kind: 'status', status: 503 } },
  { label: 'malformed', p: 0.04, rule: { kind: 'malformed' } },
  { label: 'reset', p: 0.03, rule: { kind: 'reset' } },
  { label: 'slow', p: 0.02, rule: { kind: 'slow', delayMs: 2_500 } },
];
const commandFaults: FaultOption[] = [{ label: '503-before', p: 0.2, rule: { kind: 'status', status: 503, phase: 'before' } }];
const faultOptions: Record<Endpoint, FaultOption[]> = {
  'cdm.randomCreateAndStart': createFaults,
  'dis.createTask': createFaults,
  'cdm.jobStatus': readFaults,
  'dis.showTask': readFaults,
  'cdm.showJob': [{ label: '503', p: 0.15, rule: { kind: 'status', status: 503 } }],
  'cdm.startJob': commandFaults,
  'cdm.stopJob': commandFaults,
  'dis.taskAction': commandFaults,
};

/**
 * A create on the missing stream whose answer is lost is never settled today (see the `fails` test at the
 * end): those creates are only refused before processing, so the mix does not end on that known bug.
 */
const allowedFor = (req: ReceivedRequest, endpoint: Endpoint, options: FaultOption[]) =>
  endpoint === 'dis.createTask' && req.params.streamName === missingStream ? options.filter((o) => o.label.endsWith('before')) : options;

function installFaults(cloud: HuaweiCloud, seed: number) {
  const fired: Array<{ endpoint: Endpoint; label: string; name: string | undefined }> = [];
  const nameOf = (req: ReceivedRequest) => (req.service === 'cdm' ? cdmJobNameOf(req) : disTaskKeyOf(req));
  const draw = faultDraw<ReceivedRequest, Endpoint>({
    seed,
    slowBudget,
    onFire: (req, endpoint, label) => fired.push({ endpoint, label, name: nameOf(req) }),
  });
  // Every kind fires at any size: the first calls of each endpoint get its faults in turn, one each
  // (then the seeded draw decides). A forced fault is decided for its request as a drawn one would be.
  const firstCalls = new Map<Endpoint, string[]>(Object.entries(faultOptions).map(([e, options]) => [e as Endpoint, options.map((o) => o.label)]));
  const decide = (req: ReceivedRequest, endpoint: Endpoint): string | null => {
    if (draw.decidedFor(req) !== null) return draw.decidedFor(req);
    const options = allowedFor(req, endpoint, faultOptions[endpoint]);
    const allowed = new Set(options.map((o) => o.label));
    const queued = firstCalls.get(endpoint)!;
    const forced = queued.findIndex((label) => allowed.has(label));
    if (forced >= 0) {
      const [label] = queued.splice(forced, 1);
      draw.force(req, endpoint, label!);
      return label!;
    }
    return draw.decide(req, endpoint, options);
  };
  for (const endpoint of Object.keys(faultOptions) as Endpoint[]) {
    for (const option of faultOptions[endpoint]) cloud.faults.add({ endpoint, ...option.rule, match: (req) => decide(req, endpoint) === option.label });
  }
  return { fired, decidedFor: draw.decidedFor };
}

let aws: TestAws;
let harness: Awaited<ReturnType<typeof createHuaweiHarness>> | undefined;
beforeAll(async () => {
  aws = await createTestAws();
});
afterAll(async () => {
  await harness?.close();
});

describe('a mix of faults at Huawei CDM and DIS over many lifecycles', () => {
  it('ends every task as its scenario dictates with one remote job per request, never UNCERTAIN', async () => {
    const started = Date.now();
    const stamp = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
    let disIndex = 0;
    const lifecyclesList: Lifecycle[] = Array.from({ length: lifecycles }, (_, i) => {
      const scenario = pattern[i % pattern.length]!;
      return lifecycleOf(scenario, i, scenario === 'dis-healthy' || scenario === 'dis-error-once' ? disIndex++ : 0, stamp);
    });
    harness = await createHuaweiHarness(aws, { cloud: { dis: { streams: chaosStreams(disIndex) } } });
    const { h, cloud } = harness;
    const faults = installFaults(cloud, 2026);
    const queue = new VirtualQueue<Lifecycle>(h);
    await queue.fill(lifecyclesList);

    // Someone's mistake (or DIS's) sends each error-once dump task to ERROR once, while it runs healthy.
    const forcedErrors = new Set<string>();
    const actAtConsole = async () => {
      for (const l of lifecyclesList) {
        if (l.scenario !== 'dis-error-once' || forcedErrors.has(l.taskId)) continue;
        const task = await h.store.get(l.taskId);
        const [stream, taskName] = l.name.split('/') as [string, string];
        const dump = cloud.dis.tasks().find((t) => t.streamName === stream && t.taskName === taskName);
        if (task?.state !== 'RUNNING' || task.attempt !== 1 || dump?.state !== 'RUNNING') continue;
        cloud.dis.forceTask(stream, taskName, { state: 'ERROR' });
        forcedErrors.add(l.taskId);
      }
    };

    // Act: deliveries and console acts between ticks of the poller, one virtual minute each.
    let ticks = 0;
    await queue.deliverVisible();
    for (; ticks < maxTicks; ticks++) {
      if (queue.settled() && (await activeTaskIds(h, queue.deadLettered())).length === 0) break;
      await h.tick();
      await queue.deliverVisible();
      await actAtConsole();
    }
    await h.drainStreams();

    // Assess
    const tasks = new Map((await h.store.scanAll()).map((t) => [t.taskId, t]));
    const finals = queue.finals();
    const firedPerKind: Record<string, number> = {};
    for (const f of faults.fired) firedPerKind[`${f.endpoint}:${f.label}`] = (firedPerKind[`${f.endpoint}:${f.label}`] ?? 0) + 1;
    const remote = remoteView(cloud, faults.decidedFor);
    const finalStates: Record<string, number> = {};
    const mismatches: string[] = [];
    for (const m of queue.messages) {
      const l = m.lifecycle;
      const task = tasks.get(l.taskId);
      finalStates[task?.state ?? 'none'] = (finalStates[task?.state ?? 'none'] ?? 0) + 1;
      const where = `${l.scenario} ${l.requestId} (${task?.state ?? 'no task'}: ${task?.history.map((e) => e.to).join('>')}, "${task?.history.at(-1)?.reason}")`;
      if (!task) {
        mismatches.push(`${where}: no task`);
        continue;
      }
      if (m.final === 'dead-lettered') {
        if (task.state !== 'ACCEPTED' || remote.createsReached(l) !== 0) mismatches.push(`${where}: dead-lettered, expected ACCEPTED with nothing created`);
        continue;
      }
      if (task.state === 'UNCERTAIN' || m.final === 'uncertain') mismatches.push(`${where}: UNCERTAIN, though both backends can look a lost create up`);
      if (task.create.possibleDuplicate) mismatches.push(`${where}: flagged as a possible duplicate`);
      const problem = checkScenario(l, task, remote, forcedErrors.has(l.taskId));
      if (problem) mismatches.push(`${where}: ${problem}`);
    }
    const letters = await receiveAll(h.aws.sqs, h.aws.dlqUrl, finals['rejected'] ?? 0, 5_000);
    const count = (endpoint: Endpoint) => cloud.requests({ endpoint }).length;

    reportFigures('huawei fault-mix', {
      lifecycles,
      cdmCreates: count('cdm.randomCreateAndStart'),
      cdmJobs: cloud.cdm.jobs().length,
      cdmStatusReads: count('cdm.jobStatus'),
      cdmProbes: count('cdm.showJob'),
      cdmStarts: count('cdm.startJob'),
      cdmStops: count('cdm.stopJob'),
      disCreates: count('dis.createTask'),
      disTasks: cloud.dis.tasks().length,
      disReads: count('dis.showTask'),
      disActions: count('dis.taskAction'),
      forcedErrors: forcedErrors.size,
      faults: Object.entries(firedPerKind)
        .sort()
        .map(([k, n]) => `${k}:${n}`)
        .join(' '),
      faultsTotal: faults.fired.length,
      deliveries: queue.deliveries,
      submitted: finals['submitted'] ?? 0,
      duplicate: finals['duplicate'] ?? 0,
      rejected: finals['rejected'] ?? 0,
      uncertain: finals['uncertain'] ?? 0,
      deadLettered: finals['dead-lettered'] ?? 0,
      finalStates: Object.entries(finalStates)
        .sort()
        .map(([k, n]) => `${k}:${n}`)
        .join(' '),
      mismatches: mismatches.length,
      ticks,
      seconds: ((Date.now() - started) / 1000).toFixed(1),
    });

    expect(ticks).toBeLessThan(maxTicks);
    expect([...tasks.values()].filter((t) => !isTerminal(t.state) && !queue.deadLettered().has(t.taskId)).map((t) => `${t.taskId} ${t.state}`)).toEqual([]);
    // Every message accounted for: submitted (or found submitted by then), rejected or dead-lettered.
    expect(finals['pending'] ?? 0).toBe(0);
    expect(finals['uncertain'] ?? 0).toBe(0);
    expect((finals['submitted'] ?? 0) + (finals['duplicate'] ?? 0) + (finals['rejected'] ?? 0) + (finals['dead-lettered'] ?? 0)).toBe(lifecycles);
    expect(letters).toHaveLength(finals['rejected'] ?? 0);
    expect(mismatches).toEqual([]);
    // The chaos happened: every kind of fault defined fired at least once.
    for (const [endpoint, options] of Object.entries(faultOptions))
      for (const option of options) expect(firedPerKind[`${endpoint}:${option.label}`] ?? 0, `${endpoint}:${option.label}`).toBeGreaterThan(0);
  });
});

// Found by this suite and fixed: DIS answers a read of a task on a stream that does not exist with DIS.4301,
// which proves no task exists there; the lookup read it as "unknown", so a refused create whose answer was lost
// was looked up forever and its task never ended. Now it is absent: the create is made again and refused.
describe('a create on a missing stream whose answer (DIS.4301) was lost', () => {
  let final: Task | undefined;
  let figures: { lookups: number; creates: number; dumps: number; finals: Record<string, number> } | undefined;
  beforeAll(async () => {
    const own = await createHuaweiHarness(aws);
    try {
      const { h, cloud } = own;
      cloud.faults.add({ endpoint: 'dis.createTask', kind: 'reset', phase: 'after', times: 1 });
      const requestId = `hwmix-lost-refusal-${Date.now().toString(36)}`;
      const taskId = taskIdFor(requestId);
      const queue = new VirtualQueue<{ body: string; taskId: string }>(h);
      await queue.fill([{ body: JSON.stringify(disChaosRequest(requestId, 'lost_refusal', missingStream)), taskId }]);
      await queue.deliverVisible();
      for (let i = 0; i < 60 && !isTerminal((await h.get(taskId)).state); i++) {
        await h.tick();
        await queue.deliverVisible();
      }
      final = await h.get(taskId);
      figures = {
        lookups: cloud.requests({ endpoint: 'dis.showTask' }).length,
        creates: cloud.requests({ endpoint: 'dis.createTask' }).length,
        dumps: cloud.dis.tasks().length,
        finals: queue.finals(),
      };
      reportFigures('huawei fault-mix lost refusal', {
        state: final.state,
        lookups: figures.lookups,
        creates: figures.creates,
        finals: JSON.stringify(figures.finals),
        lastError: String(final.create.lastError).slice(0, 120),
      });
    } finally {
      await own.close();
    }
  });

  it('creates nothing at DIS and never holds the task UNCERTAIN', () => {
    expect(final).toBeDefined();
    expect(figures!.dumps).toBe(0);
    // The lost one, and the one made once the lookup proved the stream holds nothing (refused again).
    expect(figures!.creates).toBe(2);
    expect(final!.state).not.toBe('UNCERTAIN');
  });

  it('ends the task REJECTED with the refusal, and its message dead-lettered once', () => {
    expect(final).toMatchObject({ state: 'REJECTED', error: { source: 'backend', reason: expect.stringContaining('DIS.4301') } });
    expect(figures!.finals).toEqual({ rejected: 1 });
  });
});

// ---- what the cloud holds -----------------------------------------------------------------------------

/** The simulator's jobs, tasks and the calls that reached them (those a fault did not turn away before). */
function remoteView(cloud: HuaweiCloud, decidedFor: (r: ReceivedRequest) => string | null) {
  const reached = (r: ReceivedRequest) => !/before$/.test(decidedFor(r) ?? '');
  const idToTask = new Map(cloud.dis.tasks().map((t) => [t.taskId, `${t.streamName}/${t.taskName}`]));
  const actionsOf = (key: string) =>
    cloud.requests({ endpoint: 'dis.taskAction' }).flatMap((r) => {
      const body = JSON.parse(r.rawBody.toString('utf8')) as { action: string; tasks: Array<{ id: string }> };
      return body.tasks.some((t) => idToTask.get(t.id) === key) ? [{ action: body.action, reached: reached(r) }] : [];
    });
  const cdmCalls = (endpoint: Endpoint, name: string) => cloud.requests({ endpoint }).filter((r) => cdmJobNameOf(r) === name);
  return {
    cdmJobs: (name: string): CdmJobView[] => cloud.cdm.jobs().filter((j) => j.name === name),
    cdmSubmissions: (name: string) => cloud.cdm.submissions().filter((s) => s.jobName === name),
    cdmCalls,
    disTasks: (key: string): DisTaskView[] => cloud.dis.tasks().filter((t) => `${t.streamName}/${t.taskName}` === key),
    actionsOf,
    reached,
    /** Creates of this request that the service processed. */
    createsReached(l: Lifecycle): number {
      const creates = l.scenario.startsWith('cdm')
        ? cdmCalls('cdm.randomCreateAndStart', l.name)
        : cloud.requests({ endpoint: 'dis.createTask' }).filter((r) => disTaskKeyOf(r) === l.name);
      return creates.filter(reached).length;
    },
  };
}

/** What a task must look like at the end of its scenario, given the cloud; undefined when it does. */
function checkScenario(l: Lifecycle, task: Task, remote: ReturnType<typeof remoteView>, errorForced: boolean): string | undefined {
  const last = task.history.at(-1)!;
  const states = task.history.map((e) => e.to);
  const expectState = (state: Task['state']) => (task.state === state ? undefined : `expected ${state}`);
  const creates = remote.createsReached(l);
  if (l.scenario === 'dis-refused') {
    const dumps = remote.disTasks(l.name);
    return (
      expectState('REJECTED') ??
      (task.error?.source !== 'backend' || !/DIS\.4301/.test(task.error.reason) ? `error ${JSON.stringify(task.error)}` : undefined) ??
      (creates !== 1 || dumps.length !== 0 ? `${creates} creates reached DIS, ${dumps.length} tasks` : undefined)
    );
  }
  if (l.scenario.startsWith('cdm')) {
    // One random create, one job on one cluster; every later call went to that cluster.
    const jobs = remote.cdmJobs(l.name);
    if (jobs.length !== 1 || creates !== 1) return `${jobs.length} CDM jobs from ${creates} creates that reached CDM`;
    const job = jobs[0]!;
    if (task.remote?.jobName !== l.name || task.remote?.clusterId !== job.clusterId)
      return `tracks ${JSON.stringify(task.remote)}, the job is on ${job.clusterId}`;
    const elsewhere = (['cdm.jobStatus', 'cdm.startJob', 'cdm.stopJob'] as const).flatMap((e) =>
      remote.cdmCalls(e, l.name).filter((r) => r.params.clusterId !== job.clusterId),
    );
    if (elsewhere.length) return `${elsewhere.length} calls to another cluster (${elsewhere.map((r) => r.endpoint).join(', ')})`;
    const starts = remote.cdmCalls('cdm.startJob', l.name).filter(remote.reached).length;
    const stops = remote.cdmCalls('cdm.stopJob', l.name).filter(remote.reached).length;
    const runs = remote.cdmSubmissions(l.name).map((s) => s.status);
    const expectRuns = (attempt: number, startsWanted: number, statuses: string) =>
      task.attempt !== attempt || starts !== startsWanted || runs.join(',') !== statuses
        ? `attempt ${task.attempt}, ${starts} starts reached CDM, runs ${runs.join(',')} (expected attempt ${attempt}, ${startsWanted} starts, runs ${statuses})`
        : undefined;
    switch (l.scenario) {
      case 'cdm-succeed':
        return expectState('SUCCEEDED') ?? expectRuns(1, 0, 'SUCCEEDED') ?? (task.counters?.ROWS_WRITTEN === undefined ? 'no counters' : undefined);
      case 'cdm-fail-once':
        return expectState('SUCCEEDED') ?? expectRuns(2, 1, 'FAILED,SUCCEEDED');
      case 'cdm-fail-always':
        return (
          expectState('FAILED_FINAL') ??
          expectRuns(3, 2, 'FAILED,FAILED,FAILED') ??
          (/attempt 3 of 3 failed/.test(last.reason) ? undefined : 'not after 3 attempts')
        );
      case 'cdm-timeout':
        return (
          expectState('FAILED_FINAL') ??
          (/^timed out/.test(last.reason) ? undefined : 'not timed out') ??
          expectRuns(1, 0, 'FAILED') ??
          (stops < 1 ? 'no stop reached CDM' : undefined)
        );
    }
  }
  // DIS: one create, one dump task, started again and stopped by its id.
  const dumps = remote.disTasks(l.name);
  if (dumps.length !== 1 || creates !== 1) return `${dumps.length} DIS tasks from ${creates} creates that reached DIS`;
  const dump = dumps[0]!;
  if (`${task.remote?.streamName}/${task.remote?.taskName}` !== l.name || task.remote?.taskId !== dump.taskId) return `tracks ${JSON.stringify(task.remote)}`;
  const actions = remote
    .actionsOf(l.name)
    .filter((a) => a.reached)
    .map((a) => a.action)
    .join(',');
  const stoppedAtEnd =
    /^stopped at the end of its maximum duration/.test(last.reason) && dump.state === 'PAUSED' ? undefined : `"${last.reason}", DIS ${dump.state}`;
  if (l.scenario === 'dis-healthy') {
    // Healthy all along: RUNNING until its planned end, never failed, never warned.
    return (
      expectState('ABORTED') ??
      stoppedAtEnd ??
      (states.includes('FAILED') || task.attempt !== 1 || task.warnings ? `history ${states.join('>')}, attempt ${task.attempt}` : undefined) ??
      (actions !== 'stop' ? `actions ${actions}` : undefined)
    );
  }
  // dis-error-once: failed once, started again (the same task), then ran to its planned end.
  return (
    (errorForced ? undefined : 'its ERROR was never forced') ??
    expectState('ABORTED') ??
    stoppedAtEnd ??
    (task.attempt !== 2 || !states.join('>').includes('RUNNING>FAILED>RETRY_WAIT>RUNNING')
      ? `history ${states.join('>')}, attempt ${task.attempt}`
      : undefined) ??
    (actions !== 'start,stop' ? `actions ${actions}` : undefined)
  );
}

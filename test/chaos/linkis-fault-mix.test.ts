// Fault mix against Linkis: many whole lifecycles of mixed outcomes through the queue, the submit path, the
// poller and the retry function on a virtual clock, while the gateway's answers fail: submits refused
// before processing (503, a routing failure in a 200) or lost after it (Spring's 500 body, truncated,
// reset, too slow), jobhistory reads failing every way, the history list (the lookup) failing, kills
// failing. Linkis' history lets every lost submit be found, so no task may end UNCERTAIN; each run is
// exactly one Linkis task; and no kill may reach a task that had ended.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTerminal } from '../../lib/task/states.ts';
import { type Task, taskIdFor } from '../../lib/task/task.ts';
import type { FaultRule, ReceivedRequest, TaskView } from '../../local/linkis-gateway/simulator.ts';
import { linkisToken } from '../support/linkis.ts';
import { createLinkisHarness } from '../support/linkis-harness.ts';
import { createTestAws, receiveAll, type TestAws } from '../support/stack.ts';
import { type FaultOption as FaultOptionOf, faultDraw } from './fault-draw.ts';
import { linkisChaosRequest, linkisTasksByRequest } from './linkis-requests.ts';
import { reportFigures, sized } from './scale.ts';
import { activeTaskIds, VirtualQueue } from './virtual-queue.ts';

const lifecycles = sized(400, 60);
/** Slow faults cost real time (the client waits out its timeouts): bounded, above all at CI size. */
const slowBudget = { submit: sized(20, 2), 'jobhistory-get': sized(100, 4) };
const maxTicks = 300;

type Scenario = 'succeed' | 'fail-once' | 'fail-always' | 'timeout' | 'deadline-race' | 'console-kill' | 'refused';
const pattern: Scenario[] = [
  'succeed',
  'fail-once',
  'succeed',
  'fail-always',
  'timeout',
  'succeed',
  'console-kill',
  'succeed',
  'fail-once',
  'succeed',
  'refused',
  'timeout',
  'succeed',
  'fail-once',
  'succeed',
  'console-kill',
  'succeed',
  'fail-always',
  'deadline-race',
  'succeed',
];

interface Lifecycle {
  scenario: Scenario;
  requestId: string;
  taskId: string;
  body: string;
}

function request(scenario: Scenario, requestId: string): Record<string, unknown> {
  switch (scenario) {
    case 'fail-once':
      return linkisChaosRequest(requestId, 'sim.fail=true sim.failTimes=1', { retry: { baseDelaySeconds: 30 } });
    case 'fail-always':
      return linkisChaosRequest(requestId, 'sim.fail=true', { retry: { maxAttempts: 3, baseDelaySeconds: 30 } });
    case 'timeout':
      return linkisChaosRequest(requestId, 'sim.runMs=900000', { maxDurationMinutes: 3 });
    case 'deadline-race':
      // Its deadline passes a few seconds before its run ends: the abort (whose first kill fails) meets a
      // job that is ending, and must not kill it once the history says it ended.
      return linkisChaosRequest(requestId, 'sim.runMs=150000', { maxDurationMinutes: 3 });
    case 'refused': {
      // Valid here; the entrance refuses SQL made of comments only (after it stored the task).
      const base = linkisChaosRequest(requestId);
      return { ...base, executionContent: { code: `-- chaos ${requestId}: nothing but a comment`, runType: 'sql' } };
    }
    default:
      return linkisChaosRequest(requestId);
  }
}

// ---- faults -------------------------------------------------------------------------------------------

type Endpoint = 'submit' | 'jobhistory-get' | 'jobhistory-list' | 'kill';
type FaultOption = FaultOptionOf<Omit<FaultRule, 'endpoint' | 'match' | 'probability' | 'times'>>;
const faultOptions: Record<Endpoint, FaultOption[]> = {
  // Before processing nothing is stored; after it the task exists and its answer is lost.
  submit: [
    { label: '503-before', p: 0.08, rule: { kind: 'status', status: 503, phase: 'before' } },
    { label: 'routing-before', p: 0.04, rule: { kind: 'routing', phase: 'before' } },
    { label: 'spring-500-after', p: 0.06, rule: { kind: 'spring-500', phase: 'after' } },
    { label: 'malformed-after', p: 0.04, rule: { kind: 'malformed', phase: 'after' } },
    { label: 'reset-after', p: 0.03, rule: { kind: 'reset', phase: 'after' } },
    { label: 'slow-after', p: 0.03, rule: { kind: 'slow', delayMs: 3_500, phase: 'after' } },
  ],
  'jobhistory-get': [
    { label: '500', p: 0.05, rule: { kind: 'status', status: 500 } },
    { label: '502', p: 0.05, rule: { kind: 'status', status: 502 } },
    { label: '503', p: 0.05, rule: { kind: 'status', status: 503 } },
    { label: 'routing', p: 0.05, rule: { kind: 'routing' } },
    { label: 'spring-500', p: 0.03, rule: { kind: 'spring-500' } },
    { label: 'malformed', p: 0.05, rule: { kind: 'malformed' } },
    { label: 'reset', p: 0.02, rule: { kind: 'reset' } },
    { label: 'slow', p: 0.03, rule: { kind: 'slow', delayMs: 3_500 } },
  ],
  'jobhistory-list': [
    { label: '503', p: 0.15, rule: { kind: 'status', status: 503 } },
    { label: 'reset', p: 0.05, rule: { kind: 'reset', phase: 'before' } },
  ],
  kill: [
    { label: '503-before', p: 0.15, rule: { kind: 'status', status: 503, phase: 'before' } },
    { label: 'reset-after', p: 0.15, rule: { kind: 'reset', phase: 'after' } },
  ],
};

function installFaults(gateway: Awaited<ReturnType<typeof createLinkisHarness>>['gateway'], seed: number) {
  const fired: Array<{ endpoint: Endpoint; label: string; requestId: string | undefined }> = [];
  const requestOf = (req: ReceivedRequest) =>
    /^chaos\/(.+)\.sql$/.exec((req.body as { source?: { scriptPath?: string } } | undefined)?.source?.scriptPath ?? '')?.[1];
  const draw = faultDraw<ReceivedRequest, Endpoint>({
    seed,
    slowBudget,
    onFire: (req, endpoint, label) => fired.push({ endpoint, label, requestId: requestOf(req) }),
  });
  // Every job's first kill fails before it reaches the entrance: each abort must be repeated, and every
  // repeat must first ask the history (the job may have ended meanwhile).
  const killedOnce = new Set<string>();
  gateway.faults.add({
    endpoint: 'kill',
    kind: 'status',
    status: 503,
    phase: 'before',
    match: (req) => {
      if (req.headers['x-chaos-console'] || killedOnce.has(req.id ?? '')) return false;
      killedOnce.add(req.id ?? '');
      draw.force(req, 'kill', 'first-503');
      return true;
    },
  });
  for (const endpoint of Object.keys(faultOptions) as Endpoint[]) {
    // The console's own kills are not bulkpilot's calls: no fault for them.
    for (const option of faultOptions[endpoint])
      gateway.faults.add({
        endpoint,
        ...option.rule,
        match: (req) => !req.headers['x-chaos-console'] && draw.decide(req, endpoint, faultOptions[endpoint]) === option.label,
      });
  }
  return { fired, decidedFor: draw.decidedFor };
}

let aws: TestAws;
let harness: Awaited<ReturnType<typeof createLinkisHarness>> | undefined;
beforeAll(async () => {
  aws = await createTestAws();
});
afterAll(async () => {
  await harness?.close();
});

describe('a mix of faults at the Linkis gateway over many lifecycles', () => {
  it('ends every task as its scenario dictates with one Linkis task per run, never UNCERTAIN, and never kills an ended task', async () => {
    // Prepare: queued 30 s, waiting for an engine 30 s, running 6 min unless the request says otherwise.
    harness = await createLinkisHarness(aws, { gateway: { durations: { initedMs: 30_000, scheduledMs: 30_000, runningMs: 6 * 60_000 }, seed: 11 } });
    const { h, gateway } = harness;
    const faults = installFaults(gateway, 2026);
    const stamp = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
    const lifecyclesList: Lifecycle[] = Array.from({ length: lifecycles }, (_, i) => {
      const scenario = pattern[i % pattern.length]!;
      const requestId = `lmix-${stamp}-${i}-${scenario}`;
      return { scenario, requestId, taskId: taskIdFor(requestId), body: JSON.stringify(request(scenario, requestId)) };
    });
    const queue = new VirtualQueue<Lifecycle>(h);
    await queue.fill(lifecyclesList);

    // A person at the Linkis console kills some running jobs (only running ones: a kill of an ended job is the trap).
    const consoleKills = new Map<string, number>();
    const actAtConsole = async () => {
      for (const l of lifecyclesList) {
        if (l.scenario !== 'console-kill' || consoleKills.has(l.taskId)) continue;
        const task = await h.store.get(l.taskId);
        const taskID = Number(task?.remote?.taskID);
        const linkisTask = Number.isFinite(taskID) ? gateway.task(taskID) : undefined;
        if (!linkisTask?.execID || linkisTask.status !== 'Running') continue;
        const url = `${gateway.baseUrl}/entrance/${encodeURIComponent(linkisTask.execID)}/kill?taskID=${taskID}`;
        const answer = (await (await fetch(url, { headers: { 'Token-Code': linkisToken, 'Token-User': 'hadoop', 'x-chaos-console': '1' } })).json()) as {
          status: number;
        };
        expect(answer.status).toBe(0);
        consoleKills.set(l.taskId, taskID);
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
    const runsOf = linkisTasksByRequest(gateway);
    const finals = queue.finals();
    const firedPerKind: Record<string, number> = {};
    for (const f of faults.fired) firedPerKind[`${f.endpoint}:${f.label}`] = (firedPerKind[`${f.endpoint}:${f.label}`] ?? 0) + 1;
    const lostAnswer = (requestId: string) =>
      gateway
        .submits((r) => (r.body as { source?: { scriptPath?: string } })?.source?.scriptPath === `chaos/${requestId}.sql`)
        .some((r) => /after$/.test(faults.decidedFor(r) ?? ''));
    const finalStates: Record<string, number> = {};
    const mismatches: string[] = [];
    for (const m of queue.messages) {
      const l = m.lifecycle;
      const task = tasks.get(l.taskId);
      const runs = runsOf.get(l.requestId) ?? [];
      finalStates[task?.state ?? 'none'] = (finalStates[task?.state ?? 'none'] ?? 0) + 1;
      const where = `${l.scenario} ${l.requestId} (${task?.state ?? 'no task'}, ${runs.length} Linkis tasks: ${runs.map((r) => r.status).join(',')})`;
      if (!task) {
        mismatches.push(`${where}: no task`);
        continue;
      }
      if (m.final === 'dead-lettered') {
        if (task.state !== 'ACCEPTED' || runs.length !== 0) mismatches.push(`${where}: dead-lettered, expected ACCEPTED with nothing submitted`);
        continue;
      }
      if (task.state === 'UNCERTAIN' || m.final === 'uncertain') mismatches.push(`${where}: UNCERTAIN, though Linkis' history can always be asked`);
      if (task.create.possibleDuplicate) mismatches.push(`${where}: flagged as a possible duplicate`);
      const problem = checkScenario(l.scenario, task, runs, { lostAnswer: lostAnswer(l.requestId) });
      if (problem) mismatches.push(`${where}: ${problem}`);
    }
    const killsAfterEnd = gateway.killsAfterEnd();
    const letters = await receiveAll(h.aws.sqs, h.aws.dlqUrl, finals['rejected'] ?? 0, 5_000);

    reportFigures('linkis fault-mix', {
      lifecycles,
      submits: gateway.submits().length,
      linkisTasks: gateway.tasks().length,
      historyReads: gateway.received.filter((r) => r.endpoint === 'jobhistory-get').length,
      lookups: gateway.received.filter((r) => r.endpoint === 'jobhistory-list').length,
      kills: gateway.received.filter((r) => r.endpoint === 'kill').length,
      consoleKills: consoleKills.size,
      faults: Object.entries(firedPerKind)
        .sort()
        .map(([k, n]) => `${k}:${n}`)
        .join(' '),
      faultsTotal: faults.fired.length,
      deliveries: queue.deliveries,
      submitted: finals['submitted'] ?? 0,
      rejected: finals['rejected'] ?? 0,
      uncertain: finals['uncertain'] ?? 0,
      deadLettered: finals['dead-lettered'] ?? 0,
      finalStates: Object.entries(finalStates)
        .sort()
        .map(([k, n]) => `${k}:${n}`)
        .join(' '),
      mismatches: mismatches.length,
      killsAfterEnd: killsAfterEnd.length,
      // How the deadline races went: ended before the abort's kill went through (SUCCEEDED), or killed in time.
      deadlineRaces: (() => {
        const races = lifecyclesList.filter((l) => l.scenario === 'deadline-race').map((l) => tasks.get(l.taskId)!);
        const throughAbort = races.filter((t) => t.history.some((e) => e.to === 'ABORTING'));
        return `${races.length} (${throughAbort.length} aborting: ${throughAbort.filter((t) => t.state === 'SUCCEEDED').length} ended first, ${throughAbort.filter((t) => t.state === 'FAILED_FINAL').length} killed)`;
      })(),
      ticks,
    });

    expect(ticks).toBeLessThan(maxTicks);
    expect([...tasks.values()].filter((t) => !isTerminal(t.state) && !queue.deadLettered().has(t.taskId)).map((t) => `${t.taskId} ${t.state}`)).toEqual([]);
    expect(finals['pending'] ?? 0).toBe(0);
    expect(finals['uncertain'] ?? 0).toBe(0);
    expect(letters).toHaveLength(finals['rejected'] ?? 0);
    expect(mismatches).toEqual([]);
    expect(killsAfterEnd).toEqual([]);
    // The chaos happened: answers were lost after Linkis stored the task, and reads failed every way.
    for (const kind of [
      'submit:503-before',
      'submit:spring-500-after',
      'submit:reset-after',
      'jobhistory-get:routing',
      'jobhistory-get:malformed',
      'kill:first-503',
    ])
      expect(firedPerKind[kind] ?? 0, kind).toBeGreaterThan(0);
  });
});

/** What a task must look like at the end of its scenario, given its Linkis tasks; undefined when it does. */
function checkScenario(scenario: Scenario, task: Task, runs: TaskView[], seen: { lostAnswer: boolean }): string | undefined {
  const last = task.history.at(-1)!;
  const statuses = runs.map((r) => r.status).join(',');
  const expectState = (state: Task['state']) => (task.state === state ? undefined : `expected ${state}`);
  // One Linkis task per run, and the task tracks the last one.
  const oneTaskPerRun = () =>
    runs.length !== task.attempt
      ? `${runs.length} Linkis tasks for ${task.attempt} runs`
      : Number(task.remote?.taskID) !== runs.at(-1)!.taskID
        ? `tracks ${task.remote?.taskID}, not the last run ${runs.at(-1)!.taskID}`
        : undefined;
  switch (scenario) {
    case 'succeed':
      return expectState('SUCCEEDED') ?? oneTaskPerRun() ?? (task.attempt !== 1 || statuses !== 'Succeed' ? `runs ${statuses}` : undefined);
    case 'fail-once':
      return expectState('SUCCEEDED') ?? oneTaskPerRun() ?? (statuses !== 'Failed,Succeed' ? `expected Failed,Succeed, got ${statuses}` : undefined);
    case 'fail-always':
      return (
        expectState('FAILED_FINAL') ??
        oneTaskPerRun() ??
        (statuses !== 'Failed,Failed,Failed' || !/attempt 3 of 3 failed/.test(last.reason)
          ? `expected 3 failed runs: ${statuses}, "${last.reason}"`
          : undefined)
      );
    case 'timeout':
      return (
        expectState('FAILED_FINAL') ??
        oneTaskPerRun() ??
        (!/^timed out/.test(last.reason) || statuses !== 'Cancelled' ? `"${last.reason}", runs ${statuses}` : undefined)
      );
    case 'deadline-race':
      if (task.state === 'SUCCEEDED') return oneTaskPerRun() ?? (statuses === 'Succeed' ? undefined : `runs ${statuses}`);
      return (
        expectState('FAILED_FINAL') ??
        oneTaskPerRun() ??
        (!/^timed out/.test(last.reason) || statuses !== 'Cancelled' ? `"${last.reason}", runs ${statuses}` : undefined)
      );
    case 'console-kill':
      return expectState('ABORTED') ?? oneTaskPerRun() ?? (/aborted outside bulkpilot/.test(last.reason) ? undefined : `unexpected reason "${last.reason}"`);
    case 'refused':
      // Refused at the submit: REJECTED. Had its refusal's answer been lost, the lookup finds the stored
      // task (Failed): it is tracked and resubmitted, and the resubmit's refusal ends it FAILED_FINAL.
      if (task.state === 'REJECTED')
        return task.error?.source === 'backend' && runs.length === 1 ? undefined : `error ${JSON.stringify(task.error)}, ${runs.length} runs`;
      return seen.lostAnswer && task.state === 'FAILED_FINAL' && /refused/.test(last.reason)
        ? undefined
        : `expected REJECTED, got ${task.state}: "${last.reason}"`;
  }
}

// Fault mix (issue 7): many whole lifecycles of mixed outcomes, submitted through the real queue and followed
// by the poller and the retry function on a virtual clock, while the master's create and info answers fail
// at the rates of the issue: 20 % HTTP 5xx, 5 % slower than the client's timeouts, 5 % malformed bodies,
// 2 % reset connections. Each task must still end as its scenario dictates, no message may be lost, and no
// run may outlive its maximum duration unattended.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTerminal } from '../../lib/task/states.ts';
import { type Task, taskIdFor } from '../../lib/task/task.ts';
import { defaultPollPolicy } from '../../lib/tracking/poll-policy.ts';
import type { FaultRule, ReceivedRequest } from '../../local/lindorm-master/simulator.ts';
import { seedRequest } from '../support/seed-request.ts';
import { createTestAws, receiveAll, type TestAws } from '../support/stack.ts';
import { createTrackingHarness, type TrackingHarness } from '../support/tracking-harness.ts';
import { type FaultOption as FaultOptionOf, faultDraw } from './fault-draw.ts';
import { reportFigures, sized } from './scale.ts';
import { activeTaskIds, VirtualQueue } from './virtual-queue.ts';

const lifecycles = sized(500, 60);
/** Slow faults cost real time (the client waits out its timeouts): bounded, above all at CI size. */
const slowBudget = { create: sized(25, 2), info: sized(150, 6) };
const maxTicks = 300;
/** The longest the polling rule leaves between two checks of a task, error backoff included. */
const onePollInterval = defaultPollPolicy.maxIntervalMs;

type Scenario = 'succeed' | 'fail-once' | 'fail-always' | 'timeout' | 'lost' | 'console-abort' | 'refused';
// 20 slots, repeated: mostly plain successes, a few of each failure, one refusal.
const pattern: Scenario[] = [
  'succeed',
  'fail-once',
  'succeed',
  'fail-always',
  'timeout',
  'succeed',
  'lost',
  'console-abort',
  'succeed',
  'fail-once',
  'succeed',
  'refused',
  'timeout',
  'succeed',
  'fail-once',
  'lost',
  'succeed',
  'fail-always',
  'console-abort',
  'succeed',
];

interface Lifecycle {
  scenario: Scenario;
  requestId: string;
  taskId: string;
  body: string;
}

function request(scenario: Scenario, requestId: string): Record<string, unknown> {
  // The requestId travels to the master in the Spark parameters, so each create can be traced to its request.
  const tag = `chaos.req=${requestId}`;
  const base = { requestId, ...seedRequest, sparkAdditionalParams: tag };
  switch (scenario) {
    case 'fail-once':
      return { ...base, sparkAdditionalParams: `${tag} sim.failAt=BULKLOAD sim.failTimes=1`, retry: { baseDelaySeconds: 30 } };
    case 'fail-always':
      return { ...base, sparkAdditionalParams: `${tag} sim.failAt=BULKLOAD`, retry: { maxAttempts: 3, baseDelaySeconds: 30 } };
    case 'timeout':
      return { ...base, maxDurationMinutes: 3 }; // the run takes 8 min
    case 'refused':
      return { ...base, src: 'unregistered_source' }; // valid here, refused by the master
    default:
      return base;
  }
}

// ---- faults -------------------------------------------------------------------------------------------

type FaultOption = FaultOptionOf<Omit<FaultRule, 'endpoint' | 'match' | 'probability' | 'times'>>;

// create: a 503 says "not taken on" (safe to send again); the others come after the master stored the proc,
// so the answer is lost although the job exists: the ambiguous window the task must be held for.
const createFaults: FaultOption[] = [
  { label: '503-before', p: 0.1, rule: { kind: 'status', status: 503, phase: 'before' } },
  { label: '500-after', p: 0.1, rule: { kind: 'status', status: 500, phase: 'after' } },
  { label: 'slow', p: 0.05, rule: { kind: 'slow', delayMs: 1_500, phase: 'after' } },
  { label: 'malformed', p: 0.05, rule: { kind: 'malformed', phase: 'after' } },
  { label: 'reset', p: 0.02, rule: { kind: 'reset', phase: 'after' } },
];
const ambiguousCreateFaults = new Set(['500-after', 'slow', 'malformed', 'reset']);
const infoFaults: FaultOption[] = [
  { label: '500', p: 0.05, rule: { kind: 'status', status: 500 } },
  { label: '502', p: 0.05, rule: { kind: 'status', status: 502 } },
  { label: '503', p: 0.05, rule: { kind: 'status', status: 503 } },
  { label: '504', p: 0.05, rule: { kind: 'status', status: 504 } },
  { label: 'slow', p: 0.05, rule: { kind: 'slow', delayMs: 1_500 } },
  { label: 'malformed', p: 0.05, rule: { kind: 'malformed' } },
  { label: 'reset', p: 0.02, rule: { kind: 'reset' } },
];

interface FiredFault {
  endpoint: 'create' | 'info';
  label: string;
  /** The requestId (create) or procId (info) the request was for. */
  subject: string;
  at: number;
}

function installFaults(h: TrackingHarness, seed: number) {
  const fired: FiredFault[] = [];
  const subjectOf = (req: ReceivedRequest) =>
    req.endpoint === 'create' ? (/chaos\.req=(\S+)/.exec(req.form?.sparkAdditionalParams ?? '')?.[1] ?? '?') : (req.procId ?? '?');
  const draw = faultDraw<ReceivedRequest, 'create' | 'info'>({
    seed,
    slowBudget,
    onFire: (req, endpoint, label) => fired.push({ endpoint, label, subject: subjectOf(req), at: req.at }),
  });
  for (const [endpoint, options] of [
    ['create', createFaults],
    ['info', infoFaults],
  ] as const) {
    for (const option of options) {
      h.master.faults.add({ endpoint, ...option.rule, match: (req) => draw.decide(req, endpoint, options) === option.label });
    }
  }
  return { fired, decidedFor: draw.decidedFor };
}

let aws: TestAws;
let h: TrackingHarness | undefined;

beforeAll(async () => {
  aws = await createTestAws();
});
afterAll(async () => {
  await h?.close();
});

describe('a mix of faults at the master over many lifecycles', () => {
  it('ends every task as its scenario dictates, loses no message and lets no run outlive its deadline', async () => {
    // Prepare
    h = await createTrackingHarness(aws, { master: { deleteRunning: 'allow', seed: 11 }, seed: 5 });
    const harness = h;
    const faults = installFaults(harness, 2026);
    const stamp = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
    const lifecyclesList: Lifecycle[] = Array.from({ length: lifecycles }, (_, i) => {
      const scenario = pattern[i % pattern.length]!;
      const requestId = `mix-${stamp}-${i}-${scenario}`;
      return { scenario, requestId, taskId: taskIdFor(requestId), body: JSON.stringify(request(scenario, requestId)) };
    });
    const queue = new VirtualQueue<Lifecycle>(harness);
    await queue.fill(lifecyclesList);
    const messages = queue.messages;

    // The person at the master's console: aborts some jobs, and some jobs vanish (deleted behind bulkpilot's back).
    const consoleActs = new Map<string, 'done' | 'not-applicable'>();
    const consoleRefusals: string[] = [];
    const actAtConsole = async () => {
      for (const l of lifecyclesList) {
        if ((l.scenario !== 'lost' && l.scenario !== 'console-abort') || consoleActs.has(l.taskId)) continue;
        const task = await harness.store.get(l.taskId);
        if (!task || task.state === 'ACCEPTED') continue; // not submitted yet
        if (!task.remoteId || (task.state !== 'SUBMITTED' && task.state !== 'RUNNING')) {
          consoleActs.set(l.taskId, 'not-applicable'); // held UNCERTAIN: the scenario never starts
          continue;
        }
        const verb = l.scenario === 'lost' ? 'delete' : 'abort';
        const answer = (await (await fetch(`${harness.master.url}/pro/proc/${encodeURIComponent(task.remoteId)}/${verb}`)).json()) as {
          success: string;
          message: string;
        };
        if (answer.success !== 'true') consoleRefusals.push(`${verb} ${task.remoteId}: ${answer.message}`);
        consoleActs.set(l.taskId, 'done');
      }
    };

    const deadLettered = () => queue.deadLettered();
    const activeTaskIdsNow = () => activeTaskIds(harness, deadLettered());

    // Act: deliveries and console acts between ticks of the poller, one virtual minute each.
    let ticks = 0;
    await queue.deliverVisible();
    await actAtConsole();
    for (; ticks < maxTicks; ticks++) {
      if (queue.settled() && (await activeTaskIdsNow()).length === 0) break;
      await harness.tick();
      await queue.deliverVisible();
      await actAtConsole();
    }
    await harness.drainStreams();
    const endedAt = harness.clock.now();

    // Assess
    const tasks = new Map((await harness.store.scanAll()).map((t) => [t.taskId, t]));
    const procs = harness.master.procs();
    const procsOf = (requestId: string) => procs.filter((p) => p.form.sparkAdditionalParams?.split(' ')[0] === `chaos.req=${requestId}`);
    const createsOf = (requestId: string) => harness.master.creates((r) => (r.form?.sparkAdditionalParams ?? '').split(' ')[0] === `chaos.req=${requestId}`);
    const callsOf = (endpoint: 'retry' | 'abort', procId: string | undefined) =>
      harness.master.received.filter((r) => r.endpoint === endpoint && r.procId === procId).length;
    const faultsOnCreate = (requestId: string) => createsOf(requestId).map((r) => faults.decidedFor(r));

    // Figures first (a failing run prints them too), then the checks.
    const finals = queue.finals();
    const firedPerKind: Record<string, number> = {};
    for (const f of faults.fired) firedPerKind[`${f.endpoint}:${f.label}`] = (firedPerKind[`${f.endpoint}:${f.label}`] ?? 0) + 1;
    const finalStates: Record<string, number> = {};
    for (const l of lifecyclesList) {
      const state = tasks.get(l.taskId)?.state ?? 'none';
      finalStates[state] = (finalStates[state] ?? 0) + 1;
    }
    let maxOverrunRunning = 0;
    let maxOverrunActive = 0;
    for (const task of tasks.values()) {
      const { running, active } = overrun(task, endedAt);
      maxOverrunRunning = Math.max(maxOverrunRunning, running);
      maxOverrunActive = Math.max(maxOverrunActive, active);
    }

    // Every task ends as its scenario dictates; UNCERTAIN only where a create's answer was lost after the
    // master had processed it, and then the master really holds (at most) the one job.
    const mismatches: string[] = [];
    const uncertain: string[] = [];
    let ambiguousCreates = 0;
    let uncertainByLoad = 0;
    for (const m of messages) {
      const l = m.lifecycle;
      const task = tasks.get(l.taskId);
      const creates = faultsOnCreate(l.requestId);
      const processed = creates.filter((f) => f !== '503-before').length; // creates the master acted on
      const where = `${l.scenario} ${l.requestId} (${task?.state ?? 'no task'}, create faults ${JSON.stringify(creates)})`;
      if (processed > 1) mismatches.push(`${where}: the master processed ${processed} creates for one request`);
      if (creates.some((f) => f !== null && ambiguousCreateFaults.has(f))) ambiguousCreates++;
      if (!task) {
        mismatches.push(`${where}: no task`);
        continue;
      }
      if (m.final === 'dead-lettered') {
        if (task.state !== 'ACCEPTED' || processed !== 0) mismatches.push(`${where}: dead-lettered, expected ACCEPTED with nothing created`);
        continue;
      }
      if (m.final === 'uncertain' || task.state === 'UNCERTAIN') {
        uncertain.push(l.taskId);
        const last = creates.at(-1);
        if (m.final !== 'uncertain' || task.state !== 'UNCERTAIN') mismatches.push(`${where}: message ${m.final}, task ${task.state}`);
        const injected = last !== undefined && last !== null && ambiguousCreateFaults.has(last);
        // On a loaded machine an answer can outlast the client's 0.4 s timeout without a fault: that is a
        // slow answer too (the create was processed), counted apart. Anything else is not ambiguous.
        const slowByLoad = !injected && last === null && /timed out/.test(task.error?.reason ?? '');
        if (slowByLoad) uncertainByLoad++;
        if (!injected && !slowByLoad) mismatches.push(`${where}: UNCERTAIN, but its last create got no answer-losing fault (${task.error?.reason})`);
        const held = procsOf(l.requestId).length;
        if (held !== (l.scenario === 'refused' ? 0 : 1)) mismatches.push(`${where}: UNCERTAIN, and the master holds ${held} jobs for it`);
        continue;
      }
      if (creates.some((f) => f !== null && ambiguousCreateFaults.has(f)))
        mismatches.push(`${where}: a create's answer was lost, yet the task is not UNCERTAIN`);
      const problem = checkScenario(l.scenario, task, {
        retries: callsOf('retry', task.remoteId),
        procState: procs.find((p) => p.id === task.remoteId)?.state,
      });
      if (problem) mismatches.push(`${where}: ${problem}`);
      if (l.scenario !== 'refused' && processed !== 1) mismatches.push(`${where}: ${processed} creates processed, expected 1`);
    }
    const letters = await receiveAll(harness.aws.sqs, harness.aws.dlqUrl, finals['rejected'] ?? 0, 5_000);

    reportFigures('fault-mix', {
      lifecycles,
      createRequests: harness.master.creates().length,
      infoRequests: harness.master.received.filter((r) => r.endpoint === 'info').length,
      faults: Object.entries(firedPerKind)
        .sort()
        .map(([k, n]) => `${k}:${n}`)
        .join(' '),
      faultsTotal: faults.fired.length,
      messages: messages.length,
      deliveries: queue.deliveries,
      submitted: finals['submitted'] ?? 0,
      rejected: finals['rejected'] ?? 0,
      uncertain: finals['uncertain'] ?? 0,
      deadLettered: finals['dead-lettered'] ?? 0,
      lettersInDlq: letters.length,
      ambiguousCreates,
      uncertainWithoutFault: uncertainByLoad,
      finalStates: Object.entries(finalStates)
        .sort()
        .map(([k, n]) => `${k}:${n}`)
        .join(' '),
      mismatches: mismatches.length,
      ticks,
      virtualMinutes: Math.round((endedAt - Date.parse('2026-11-21T10:00:00Z')) / 60_000),
      maxRunningPastDeadlineS: Math.round(maxOverrunRunning / 1000),
      maxActivePastDeadlineS: Math.round(maxOverrunActive / 1000),
    });

    // 1. The loop ended because everything settled, not because it ran out of ticks.
    expect(ticks).toBeLessThan(maxTicks);
    expect(consoleRefusals).toEqual([]);
    expect([...tasks.values()].filter((t) => !isTerminal(t.state) && t.state !== 'UNCERTAIN' && !deadLettered().has(t.taskId))).toEqual([]);

    // 2. No message lost: each ended in exactly one of the four ways, and every refusal reached the DLQ.
    expect(finals['pending'] ?? 0).toBe(0);
    expect(finals['duplicate'] ?? 0).toBe(0); // nothing was delivered twice at once, so nothing may look like a duplicate
    expect((finals['submitted'] ?? 0) + (finals['rejected'] ?? 0) + (finals['dead-lettered'] ?? 0) + (finals['uncertain'] ?? 0)).toBe(lifecycles);
    expect(letters.map((l) => l.Body).sort()).toEqual(
      messages
        .filter((m) => m.final === 'rejected')
        .map((m) => m.record.body)
        .sort(),
    );

    // 3. Every task as its scenario dictates (see above).
    expect(mismatches).toEqual([]);
    expect(uncertain.length).toBe(finals['uncertain'] ?? 0);

    // 4. No run stayed unattended past its maximum duration (+ one poll interval).
    // A run past its deadline is aborted at the next tick even when the master's status calls fail.
    expect(maxOverrunRunning).toBeLessThanOrEqual(2 * 60_000);
    expect(maxOverrunActive).toBeLessThanOrEqual(onePollInterval);

    // 5. The chaos happened: every kind of fault was injected.
    for (const kind of ['create:503-before', 'create:500-after', 'info:slow', 'info:malformed', 'info:reset'])
      expect(firedPerKind[kind] ?? 0).toBeGreaterThan(0);
  });
});

/** What a task that was created cleanly must look like at the end of its scenario; undefined when it does. */
function checkScenario(scenario: Scenario, task: Task, master: { retries: number; procState: string | undefined }): string | undefined {
  const path = task.history.map((e) => e.to);
  const last = task.history.at(-1)!;
  const expectState = (state: Task['state']) => (task.state === state ? undefined : `expected ${state}`);
  switch (scenario) {
    case 'succeed':
      // Faults of status calls never fail a task.
      return expectState('SUCCEEDED') ?? (path.includes('FAILED') || task.attempt !== 1 ? `failed on the way: ${path.join('→')}` : undefined);
    case 'fail-once':
      return (
        expectState('SUCCEEDED') ??
        (task.attempt !== 2 || master.retries !== 1 || path.filter((s) => s === 'FAILED').length !== 1
          ? `expected one failure and one retry: attempt ${task.attempt}, ${master.retries} retry calls, ${path.join('→')}`
          : undefined)
      );
    case 'fail-always':
      return (
        expectState('FAILED_FINAL') ??
        (task.attempt !== 3 || master.retries !== 2 || !/attempt 3 of 3 failed/.test(last.reason)
          ? `expected 3 runs and 2 retry calls: attempt ${task.attempt}, ${master.retries} retry calls, "${last.reason}"`
          : undefined)
      );
    case 'timeout':
      return (
        expectState('FAILED_FINAL') ??
        (!/^timed out/.test(last.reason) || !path.includes('ABORTING') || master.procState !== 'ABORTED'
          ? `expected an abort for running too long: "${last.reason}", job ${master.procState}`
          : undefined)
      );
    case 'lost':
      return expectState('LOST');
    case 'console-abort':
      return expectState('ABORTED') ?? (/aborted outside bulkpilot/.test(last.reason) ? undefined : `unexpected reason "${last.reason}"`);
    case 'refused':
      return (
        expectState('REJECTED') ??
        (task.error?.source === 'backend' && task.error.reason.includes('unregistered_source') ? undefined : `unexpected error ${JSON.stringify(task.error)}`)
      );
  }
}

/**
 * How long the task's last run went on past its deadline: still SUBMITTED/RUNNING (nobody acting on it),
 * and not yet terminal (including the abort's confirmation).
 */
function overrun(task: Task, now: number): { running: number; active: number } {
  if (task.runStartedAt === undefined) return { running: 0, active: 0 };
  const deadline = task.runStartedAt + (task.maxDurationMs ?? defaultPollPolicy.defaultMaxDurationMs);
  const left = task.history.find(
    (e) => e.at >= task.runStartedAt! && e.from !== null && ['SUBMITTED', 'RUNNING'].includes(e.from) && !['SUBMITTED', 'RUNNING'].includes(e.to),
  );
  const leftAt = left?.at ?? (isTerminal(task.state) ? task.finishedAt! : now);
  const endedAt = isTerminal(task.state) ? task.finishedAt! : now;
  return { running: Math.max(0, leftAt - deadline), active: Math.max(0, endedAt - deadline) };
}

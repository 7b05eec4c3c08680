// Concurrency limits with everything at once (issue 15): many requests to one target of 3 jobs at once and 1
// per destination (20 destinations), each delivered twice with concurrent submit invocations; creates and
// status reads failing; the submit path killed once for a share of the requests at each of its steps (before
// the intent, after it, between the create and the job id's write, after that write); runs that fail once and
// are retried; and, every minute, two poll invocations, the retry and notify functions, two waiting-line
// starters and an operator (aborting loads that wait or whose job runs, settling the loads whose create was lost) all at
// the same time. The master's own view is checked after every phase: never more than 3 running, never 2 on
// one table; every request ends in the state its fate says, with one job at most; no slot is held at the end.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { abortTask, settleTask } from '../../lib/operations/lifecycle.ts';
import { SqsImportQueue } from '../../lib/queue/sqs-import-queue.ts';
import { DynamoDbSlotStore } from '../../lib/store/dynamodb-slot-store.ts';
import { type Task, taskIdFor } from '../../lib/task/task.ts';
import { pollTick } from '../../lib/tracking/poll-tick.ts';
import { startWaitingTasks } from '../../lib/tracking/waiting-starter.ts';
import { runningAtMaster } from '../support/master-load.ts';
import { seedRequest, seedWriterConfig } from '../support/seed-request.ts';
import { createTestAws, type TestAws } from '../support/stack.ts';
import { createTrackingHarness, type TrackingHarness } from '../support/tracking-harness.ts';
import { crashingAt, type Step } from './crashing-store.ts';
import { drainWithLambdaSemantics, sendAll, shuffledCopies } from './lambda-sqs.ts';
import { reportFigures, sized } from './scale.ts';

const requests = sized(500, 60);
const destinations = 20;
const limits = { maxConcurrent: 3, maxConcurrentPerDestination: 1 };
const run = Date.now().toString(36);
const requestId = (i: number) => `lx-${run}-${i}`;

/** What happens to request i, and so how it must end. */
type Fate = 'plain' | 'fails-once' | Step | 'aborted-waiting' | 'aborted-running';
/** A create lost after it was sent has a job the operator finds and settles with; one that died before it was sent has none, and is given up. */
const crashSteps: Step[] = ['before-intent', 'after-intent', 'after-create', 'after-procId-write'];
function fateOf(i: number): Fate {
  if (i % 20 === 4) return 'aborted-waiting';
  if (i % 20 === 9) return 'aborted-running';
  if (i % 10 < 4) return crashSteps[i % 10]!;
  if (i % 7 === 0) return 'fails-once';
  return 'plain';
}
const expectedEnd = (fate: Fate): Task['state'] => (fate.startsWith('aborted') ? 'ABORTED' : fate === 'after-intent' ? 'FAILED_FINAL' : 'SUCCEEDED');

/** Loads that found a free slot at once: one meant to be aborted while it waits never waits, and succeeds. */
const neverWaited = new Set<number>();
const endOf = (i: number): Task['state'] =>
  abortedTooLate.has(i) || (fateOf(i) === 'aborted-waiting' && neverWaited.has(i)) ? 'SUCCEEDED' : expectedEnd(fateOf(i));

let aws: TestAws;
let h: TrackingHarness;
const observed = { maxRunning: 0, maxOnOneTable: 0 };
const crashed = new Set<string>();
const operator = { aborted: 0, settled: 0, givenUp: 0, refused: 0 };
/** Loads whose abort came too late: the job had ended at the master (it refused the abort) while bulkpilot still saw it RUNNING. */
const abortedTooLate = new Set<number>();
let ticks = 0;
let tasks: Task[] = [];
let leftHolders = -1;
let waitedAtSubmit = 0;
let startDeliveries = 0;

const observe = () => {
  const load = runningAtMaster(h.master);
  observed.maxRunning = Math.max(observed.maxRunning, load.total);
  observed.maxOnOneTable = Math.max(observed.maxOnOneTable, load.most);
};

beforeAll(async () => {
  aws = await createTestAws();
  // Runs of 2.5 minutes: an operator looking once a minute sees each RUNNING at least once.
  h = await createTrackingHarness(aws, { limits, master: { stages: [{ name: 'BULKLOAD', durationMs: 150_000 }] } });
  h.master.faults.add({ endpoint: 'create', kind: 'status', status: 503, phase: 'before', probability: 0.1 });
  h.master.faults.add({ endpoint: 'info', kind: 'status', status: 503, probability: 0.15 });
  h.master.faults.add({ endpoint: 'info', kind: 'malformed', probability: 0.05 });
  const ids = Array.from({ length: requests }, (_, i) => taskIdFor(requestId(i)));
  const indexOf = new Map(ids.map((id, i) => [id, i]));
  // Each step's wrapper kills only its own share of the requests, once each.
  let store = h.submit.deps.store;
  for (const step of crashSteps) store = crashingAt(step, crashed, (id) => fateOf(indexOf.get(id) ?? -1) === step)(store);
  h.submit.deps.store = store;

  const body = (i: number) =>
    JSON.stringify({
      requestId: requestId(i),
      ...seedRequest,
      maxDurationMinutes: 30,
      sparkAdditionalParams: `chaos.req=${requestId(i)}${fateOf(i) === 'fails-once' ? ' sim.failAt=BULKLOAD sim.failTimes=1' : ''}`,
      retry: { baseDelaySeconds: 30 },
      writerConfig: JSON.stringify({ ...JSON.parse(seedWriterConfig), lindormTable: `t${i % destinations}` }),
    });
  await sendAll(
    aws,
    shuffledCopies(
      Array.from({ length: requests }, (_, i) => body(i)),
      2,
    ),
  );
  await drainWithLambdaSemantics(aws, (records) => h.submit.invoke(records), { concurrentInvocations: 3, expected: requests * 2 });
  const afterSubmit = await Promise.all(ids.map((id) => h.get(id)));
  waitedAtSubmit = afterSubmit.filter((t) => t.state === 'WAITING').length;
  for (const [i, t] of afterSubmit.entries()) if (t.state !== 'WAITING') neverWaited.add(i);
  observe();

  const slots = new DynamoDbSlotStore({ client: aws.dynamodb, tableName: h.aws.tableName });
  const queue = new SqsImportQueue({ client: aws.sqs, queueUrl: aws.queueUrl });
  const poll = (owner: string) =>
    pollTick({ ...h.deps, checkpoints: h.store }, { owner, remainingMs: () => 60_000, marginMs: 15_000, concurrencyPerTarget: 8, pageSize: 25 });
  const starter = () => startWaitingTasks([{ name: 'lindorm', limits }], { store: h.store, slots, queue, clock: h.clock, logger: h.deps.logger });
  const jobOf = (rid: string) =>
    h.master.procs().find((p) => (p.form.sparkAdditionalParams ?? '').includes(`chaos.req=${rid} `) || p.form.sparkAdditionalParams === `chaos.req=${rid}`);
  // The operator, each minute: aborts its loads when they are in the state it waits for, settles every
  // UNCERTAIN load with the job it finds at the master or gives it up when there is none (docs/operating.md's
  // procedure). A refusal (the task moved on meanwhile) is counted and tried again at the next minute.
  const operate = async (current: Task[]) => {
    await Promise.all(
      current.map(async (task, i) => {
        const fate = fateOf(i);
        const act = async (what: () => Promise<{ task: Task }>, counter: 'aborted' | 'settled' | 'givenUp') => {
          try {
            const { task: after } = await what();
            operator[counter]++;
            // The master refused the abort, the job having just ended; the check that follows the abort saw it succeed.
            if (fate === 'aborted-running' && after.state === 'SUCCEEDED') abortedTooLate.add(i);
          } catch {
            operator.refused++;
          }
        };
        if (fate === 'aborted-waiting' && task.state === 'WAITING') return act(() => abortTask(task.taskId, h.deps), 'aborted');
        // Once it has a job (SUBMITTED or RUNNING): a run of 2.5 minutes is still going a minute after its create.
        if (fate === 'aborted-running' && (task.state === 'SUBMITTED' || task.state === 'RUNNING')) return act(() => abortTask(task.taskId, h.deps), 'aborted');
        if (task.state === 'UNCERTAIN') {
          const job = jobOf(requestId(i));
          return job
            ? act(() => settleTask(task.taskId, h.deps, { job: job.id }), 'settled')
            : act(() => settleTask(task.taskId, h.deps, { giveUp: true }), 'givenUp');
        }
      }),
    );
  };
  const done = (current: Task[]) => current.every((t, i) => t.state === endOf(i));

  for (; ticks < requests * 3; ticks++) {
    h.clock.advance(60_000);
    const current = await Promise.all(ids.map((id) => h.get(id)));
    if (done(current)) break;
    await Promise.all([poll('a'), poll('b'), h.drainStreams(), operate(current)]);
    observe();
    await h.drainStreams();
    const started = (await Promise.all([starter(), starter()])).reduce((n, r) => n + r.started, 0);
    if (started > 0) {
      const drained = await drainWithLambdaSemantics(aws, (records) => h.submit.invoke(records), { concurrentInvocations: 3, expected: started });
      startDeliveries += drained.figures.deliveries;
    }
    observe();
    await h.drainStreams();
  }
  tasks = await Promise.all(ids.map((id) => h.get(id)));
  leftHolders = (await slots.holders('target:lindorm')).length;
  const states: Record<string, number> = {};
  for (const t of tasks) states[t.state] = (states[t.state] ?? 0) + 1;
  reportFigures('limits combined', {
    requests,
    deliveries: requests * 2,
    startDeliveries,
    destinations,
    crashes: crashed.size,
    waitedAtSubmit,
    createCalls: h.master.creates().length,
    jobs: h.master.procs().length,
    operatorAborts: operator.aborted,
    operatorSettles: operator.settled,
    operatorGiveUps: operator.givenUp,
    operatorRefusals: operator.refused,
    abortsTooLate: abortedTooLate.size,
    maxRunning: observed.maxRunning,
    maxOnOneTable: observed.maxOnOneTable,
    ticks,
    finalStates: Object.entries(states)
      .map(([k, n]) => `${k}:${n}`)
      .join(' '),
    leftHolders,
  });
}, 1_800_000);
afterAll(async () => {
  await h.close();
});

describe(`concurrency limits with duplicates, faults, crashes, retries, racing pollers and an operator: ${requests} requests`, () => {
  it('never lets the master run more than 3 jobs, nor 2 on one destination', () => {
    expect(observed.maxRunning).toBeLessThanOrEqual(3);
    expect(observed.maxOnOneTable).toBeLessThanOrEqual(1);
    expect(waitedAtSubmit).toBeGreaterThan(0);
    expect(crashed.size).toBe(Array.from({ length: requests }, (_, i) => fateOf(i)).filter((f) => crashSteps.includes(f as Step)).length);
  });

  it('ends every request in the state its fate says, with one job at most (none for a load aborted while it waited)', () => {
    const wrong = tasks.map((t, i) => ({ i, fate: fateOf(i), state: t.state })).filter((x) => x.state !== endOf(x.i));
    expect(wrong).toEqual([]);
    // An abort that arrives after the job's end is refused by the master and changes nothing: rare, never most.
    expect(abortedTooLate.size).toBeLessThan(Array.from({ length: requests }, (_, i) => fateOf(i)).filter((f) => f === 'aborted-running').length / 2);
    const jobsPer = new Map<string, number>();
    for (const p of h.master.procs()) {
      const rid = /chaos\.req=(\S+)/.exec(p.form.sparkAdditionalParams ?? '')?.[1] ?? '?';
      jobsPer.set(rid, (jobsPer.get(rid) ?? 0) + 1);
    }
    expect([...jobsPer.values()].filter((n) => n !== 1)).toEqual([]);
    const waitingAborts = Array.from({ length: requests }, (_, i) => i).filter((i) => fateOf(i) === 'aborted-waiting' && !neverWaited.has(i));
    expect(waitingAborts.filter((i) => jobsPer.has(requestId(i)))).toEqual([]);
    const neverSent = Array.from({ length: requests }, (_, i) => i).filter((i) => fateOf(i) === 'after-intent');
    expect(neverSent.filter((i) => jobsPer.has(requestId(i)))).toEqual([]);
    expect(jobsPer.size).toBe(requests - waitingAborts.length - neverSent.length);
    expect(operator.settled).toBeGreaterThan(0);
    expect(operator.givenUp).toBe(neverSent.length);
  });

  it('holds no slot at the end', () => {
    expect(leftHolders).toBe(0);
  });
});

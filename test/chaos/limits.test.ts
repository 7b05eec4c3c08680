// Concurrency limits under chaos (issue 15): many requests to one target that runs 3 jobs at once and 1 per
// destination (20 destinations), each delivered twice through the real queue with concurrent invocations,
// while creates fail before reaching the master and status reads fail every way. The simulated master's
// own view is checked at every tick: never more than 3 running, never 2 on one table; every request ends
// SUCCEEDED with one create; no slot is held at the end.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbSlotStore } from '../../lib/store/dynamodb-slot-store.ts';
import { type Task, taskIdFor } from '../../lib/task/task.ts';
import { runningAtMaster } from '../support/master-load.ts';
import { seedRequest, seedWriterConfig } from '../support/seed-request.ts';
import { createTestAws, type TestAws } from '../support/stack.ts';
import { createTrackingHarness, type TrackingHarness } from '../support/tracking-harness.ts';
import { drainWithLambdaSemantics, sendAll, shuffledCopies } from './lambda-sqs.ts';
import { reportFigures, sized } from './scale.ts';

const requests = sized(500, 60);
const destinations = 20;
const limits = { maxConcurrent: 3, maxConcurrentPerDestination: 1 };
const run = Date.now().toString(36);
const requestId = (i: number) => `limits-${run}-${i}`;
const tableOf = (i: number) => `t${i % destinations}`;

let aws: TestAws;
let h: TrackingHarness;
let maxRunning = 0;
let maxOnOneTable = 0;
let ticks = 0;
let tasks: Task[] = [];
let leftHolders = -1;
let waitedAtSubmit = 0;

beforeAll(async () => {
  aws = await createTestAws();
  h = await createTrackingHarness(aws, {
    limits,
    // Short runs: the point is the line moving under faults, not the master's pace.
    master: { stages: [{ name: 'BULKLOAD', durationMs: 60_000 }] },
  });
  h.master.faults.add({ endpoint: 'create', kind: 'status', status: 503, phase: 'before', probability: 0.1 });
  h.master.faults.add({ endpoint: 'info', kind: 'status', status: 503, probability: 0.15 });
  h.master.faults.add({ endpoint: 'info', kind: 'malformed', probability: 0.05 });
  const body = (i: number) =>
    JSON.stringify({ requestId: requestId(i), ...seedRequest, writerConfig: JSON.stringify({ ...JSON.parse(seedWriterConfig), lindormTable: tableOf(i) }) });
  await sendAll(
    aws,
    shuffledCopies(
      Array.from({ length: requests }, (_, i) => body(i)),
      2,
    ),
  );
  await drainWithLambdaSemantics(aws, (records) => h.submit.invoke(records), { concurrentInvocations: 3, expected: requests * 2 });
  const ids = Array.from({ length: requests }, (_, i) => taskIdFor(requestId(i)));
  waitedAtSubmit = (await Promise.all(ids.map((id) => h.get(id)))).filter((t) => t.state === 'WAITING').length;
  const observe = () => {
    const load = runningAtMaster(h.master);
    maxRunning = Math.max(maxRunning, load.total);
    maxOnOneTable = Math.max(maxOnOneTable, load.most);
  };
  observe();
  for (; ticks < requests * 3; ticks++) {
    await h.tick();
    observe();
    const states = await Promise.all(ids.map((id) => h.get(id)));
    if (states.every((t) => t.state === 'SUCCEEDED')) break;
  }
  tasks = await Promise.all(ids.map((id) => h.get(id)));
  const slots = new DynamoDbSlotStore({ client: aws.dynamodb, tableName: h.aws.tableName });
  leftHolders = (await slots.holders('target:lindorm')).length;
  reportFigures('limits', {
    requests,
    deliveries: requests * 2,
    destinations,
    waitedAtSubmit,
    createCalls: h.master.creates().length,
    jobs: h.master.procs().length,
    maxRunning,
    maxOnOneTable,
    ticks,
    succeeded: tasks.filter((t) => t.state === 'SUCCEEDED').length,
    leftHolders,
  });
}, 900_000);
afterAll(async () => {
  await h.close();
});

describe(`concurrency limits under chaos: ${requests} requests, 3 at once, 1 per destination`, () => {
  it('never lets the master run more than 3 jobs, nor 2 on one destination', () => {
    expect(maxRunning).toBeLessThanOrEqual(3);
    expect(maxOnOneTable).toBeLessThanOrEqual(1);
    expect(waitedAtSubmit).toBeGreaterThan(0);
  });

  it('ends every request SUCCEEDED with exactly one create each', () => {
    expect(tasks.map((t) => t.state).filter((s) => s !== 'SUCCEEDED')).toEqual([]);
    // The master's own procs: a create refused before it was processed made none.
    expect(h.master.procs()).toHaveLength(requests);
    expect(new Set(tasks.map((t) => t.remoteId)).size).toBe(requests);
  });

  it('holds no slot at the end', () => {
    expect(leftHolders).toBe(0);
  });
});

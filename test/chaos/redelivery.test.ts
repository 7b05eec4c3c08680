// Redelivery at scale (issue 7): every request delivered three times through the real queue (fauxqs) to the
// submit path (DynamoDB Local, the simulated master), with Lambda's SQS semantics: batches of at most ten,
// several invocations at once, and the items a batch reports in batchItemFailures handed back to the queue
// (made visible again, as when their visibility timeout ends) until none remain. "Never the same load twice"
// means exactly one create and one SUBMITTED task per request, however the copies meet.
import type { Message } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BatchReport } from '../../lib/submit/submit-batch.ts';
import { type Task, taskIdFor } from '../../lib/task/task.ts';
import { type LindormMaster, startLindormMaster } from '../../local/lindorm-master/simulator.ts';
import { seedWriterConfig } from '../support/seed-request.ts';
import { createTestAws, type TestAws } from '../support/stack.ts';
import { createSubmitHarness, type SubmitHarness } from '../support/submit-harness.ts';
import { type DrainFigures, drainWithLambdaSemantics, sendAll, shuffledCopies } from './lambda-sqs.ts';
import { reportFigures, sized } from './scale.ts';

const requests = sized(1000, 150);
const copies = 3;
/** Invocations running at once, as Lambda scales its SQS pollers. */
const concurrentInvocations = 3;
const run = Date.now().toString(36);
const requestId = (i: number) => `redeliver-${run}-${i}`;

let aws: TestAws;
let master: LindormMaster;
let harness: SubmitHarness;
let reports: BatchReport[] = [];
let figures: DrainFigures;
let acknowledged = new Set<string>();
let tasks: Array<Task | undefined> = [];
let listed: Task[] = [];
let left = { visible: -1, inFlight: -1 };
let deadLettered: Message[] = [];

function body(i: number): string {
  return JSON.stringify({
    requestId: requestId(i),
    src: 'oss',
    dst: 'ld',
    readerConfig: { filePath: `in/${i}/`, n: i },
    writerConfig: seedWriterConfig,
    driverSpec: 'large',
    instances: 1 + (i % 10),
  });
}

beforeAll(async () => {
  aws = await createTestAws();
  master = await startLindormMaster();
  harness = createSubmitHarness(aws, master);
  await sendAll(
    aws,
    shuffledCopies(
      Array.from({ length: requests }, (_, i) => body(i)),
      copies,
    ),
  );
  const drained = await drainWithLambdaSemantics(aws, (records) => harness.invoke(records), { concurrentInvocations, expected: requests * copies });
  ({ figures, reports, acknowledged, left, deadLettered } = drained);
  tasks = await Promise.all(Array.from({ length: requests }, (_, i) => harness.store.get(taskIdFor(requestId(i)))));
  listed = await harness.store.scanAll();
  const outcomes = reports.flatMap((r) => r.outcomes.map((o) => o.outcome.kind));
  reportFigures('redelivery', {
    requests,
    deliveries: figures.deliveries,
    invocations: figures.invocations,
    rounds: figures.rounds,
    creates: master.creates().length,
    tasks: listed.length,
    submitted: outcomes.filter((k) => k === 'submitted').length,
    duplicatesDetected: outcomes.filter((k) => k === 'duplicate').length,
    handedBack: figures.handedBack,
    redeliveries: figures.redeliveries,
    copiesInConcurrentInvocations: figures.copiesInConcurrentInvocations,
    copiesInSameBatch: figures.copiesInSameBatch,
    seconds: drained.seconds.toFixed(1),
  });
});
afterAll(async () => {
  await harness?.close();
  await master?.close();
});

describe(`redelivery: ${requests} requests, each delivered ${copies} times`, () => {
  it('acknowledges every message once, leaving nothing on the queue or in the dead-letter queue', () => {
    expect(acknowledged.size).toBe(requests * copies);
    expect(left).toEqual({ visible: 0, inFlight: 0 });
    expect(deadLettered).toEqual([]);
    expect(figures.deliveries).toBe(requests * copies + figures.handedBack);
    expect(figures.redeliveries).toBe(figures.handedBack);
  });

  it('exercised copies meeting in one batch and in concurrent invocations, and items handed back to SQS', () => {
    expect(figures.copiesInSameBatch).toBeGreaterThan(0);
    expect(figures.copiesInConcurrentInvocations).toBeGreaterThan(0);
    expect(figures.handedBack).toBeGreaterThan(0);
  });

  it('creates each request exactly once at the master', () => {
    expect(master.creates()).toHaveLength(requests);
    expect(master.procs()).toHaveLength(requests);
    const created = master.creates().map((c) => (JSON.parse(c.form!.readerConfig!) as { n: number }).n);
    expect(new Set(created).size).toBe(requests);
  });

  it('keeps one SUBMITTED task per requestId, each holding the id of its own job', () => {
    expect(listed).toHaveLength(requests);
    const procByN = new Map(master.procs().map((p) => [(JSON.parse(p.form.readerConfig!) as { n: number }).n, p.id]));
    const wrong = tasks.flatMap((task, i) =>
      task?.state === 'SUBMITTED' && task.requestId === requestId(i) && task.remoteId === procByN.get(i) && task.create.attempts === 1
        ? []
        : [`${requestId(i)}: ${task?.state} ${task?.remoteId}`],
    );
    expect(wrong).toEqual([]);
    const kinds = new Set(reports.flatMap((r) => r.outcomes.map((o) => o.outcome.kind)));
    expect([...kinds].sort()).toEqual(['duplicate', 'retry', 'submitted']);
  });
});

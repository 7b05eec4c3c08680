// Redelivery at scale (issue 7): every request delivered three times through the real queue (fauxqs) to the
// submit path (DynamoDB Local, the simulated master), with Lambda's SQS semantics: batches of at most ten,
// several invocations at once, and the items a batch reports in batchItemFailures handed back to the queue
// (made visible again, as when their visibility timeout ends) until none remain. "Never the same load twice"
// means exactly one create and one SUBMITTED task per request, however the copies meet.
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../lib/random.ts';
import type { BatchReport } from '../../lib/submit/submit-batch.ts';
import { type Task, taskIdFor } from '../../lib/task/task.ts';
import { type LindormMaster, startLindormMaster } from '../../local/lindorm-master/simulator.ts';
import { seedWriterConfig } from '../support/seed-request.ts';
import { createTestAws, receiveAll, type TestAws } from '../support/stack.ts';
import { createSubmitHarness, type SubmitHarness } from '../support/submit-harness.ts';
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
const reports: BatchReport[] = [];
const figures = { deliveries: 0, invocations: 0, rounds: 0, redeliveries: 0, handedBack: 0, copiesInConcurrentInvocations: 0, copiesInSameBatch: 0 };
const acknowledged = new Set<string>();
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

/** The copies of each block of ten requests are shuffled together, so they meet in one batch, in concurrent invocations, or later. */
function sendOrder(): string[] {
  const random = seededRandom(20261121);
  const order: string[] = [];
  for (let start = 0; start < requests; start += 10) {
    const block: string[] = [];
    for (let i = start; i < Math.min(requests, start + 10); i++) for (let c = 0; c < copies; c++) block.push(body(i));
    for (let k = block.length - 1; k > 0; k--) {
      const j = Math.floor(random() * (k + 1));
      [block[k], block[j]] = [block[j]!, block[k]!];
    }
    order.push(...block);
  }
  return order;
}

async function send(bodies: string[]): Promise<void> {
  for (let i = 0; i < bodies.length; i += 10) {
    const entries = bodies.slice(i, i + 10).map((MessageBody, k) => ({ Id: `m${k}`, MessageBody }));
    const out = await aws.sqs.send(new SendMessageBatchCommand({ QueueUrl: aws.queueUrl, Entries: entries }));
    expect(out.Failed ?? []).toEqual([]);
  }
}

const receive = () =>
  aws.sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: aws.queueUrl,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 0,
      MessageSystemAttributeNames: ['ApproximateReceiveCount'],
    }),
  );

/** One round: up to `concurrentInvocations` batches received and handled at once; then each is settled as Lambda would. */
async function round(): Promise<number> {
  const batches = (await Promise.all(Array.from({ length: concurrentInvocations }, receive))).map((o) => o.Messages ?? []).filter((b) => b.length > 0);
  if (batches.length === 0) return 0;
  figures.rounds++;
  const idOf = (m: Message) => (JSON.parse(m.Body!) as { requestId: string }).requestId;
  const batchesPerRequest = new Map<string, number>();
  for (const batch of batches) {
    const ids = batch.map(idOf);
    figures.copiesInSameBatch += ids.length - new Set(ids).size;
    for (const id of new Set(ids)) batchesPerRequest.set(id, (batchesPerRequest.get(id) ?? 0) + 1);
  }
  figures.copiesInConcurrentInvocations += [...batchesPerRequest.values()].filter((n) => n > 1).length;

  const results = await Promise.all(
    batches.map((batch) => {
      figures.invocations++;
      figures.deliveries += batch.length;
      figures.redeliveries += batch.filter((m) => Number(m.Attributes?.ApproximateReceiveCount ?? '1') > 1).length;
      return harness.invoke(
        batch.map((m) => ({ messageId: m.MessageId!, body: m.Body!, attributes: { ApproximateReceiveCount: m.Attributes?.ApproximateReceiveCount ?? '1' } })),
      );
    }),
  );
  for (const [k, result] of results.entries()) {
    reports.push(result);
    const failed = new Set(result.batchItemFailures.map((f) => f.itemIdentifier));
    const batch = batches[k]!;
    const done = batch.filter((m) => !failed.has(m.MessageId!));
    const again = batch.filter((m) => failed.has(m.MessageId!));
    figures.handedBack += again.length;
    if (done.length > 0) {
      const out = await aws.sqs.send(
        new DeleteMessageBatchCommand({ QueueUrl: aws.queueUrl, Entries: done.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle! })) }),
      );
      expect(out.Failed ?? []).toEqual([]);
      for (const m of done) {
        expect(acknowledged.has(m.MessageId!)).toBe(false);
        acknowledged.add(m.MessageId!);
      }
    }
    if (again.length > 0) {
      await aws.sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: aws.queueUrl,
          Entries: again.map((m, i) => ({ Id: `v${i}`, ReceiptHandle: m.ReceiptHandle!, VisibilityTimeout: 0 })),
        }),
      );
    }
  }
  return batches.length;
}

beforeAll(async () => {
  aws = await createTestAws();
  master = await startLindormMaster();
  harness = createSubmitHarness(aws, master);
  await send(sendOrder());
  const started = Date.now();
  let idle = 0;
  while (acknowledged.size < requests * copies && idle < 5) {
    if ((await round()) === 0) {
      idle++;
      await new Promise((resolve) => setTimeout(resolve, 100));
    } else idle = 0;
  }
  const attributes =
    (
      await aws.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: aws.queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
      )
    ).Attributes ?? {};
  left = { visible: Number(attributes.ApproximateNumberOfMessages), inFlight: Number(attributes.ApproximateNumberOfMessagesNotVisible) };
  deadLettered = await receiveAll(aws.sqs, aws.dlqUrl, 1, 500);
  tasks = await Promise.all(Array.from({ length: requests }, (_, i) => harness.store.get(taskIdFor(requestId(i)))));
  listed = await harness.store.list({});
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
    seconds: ((Date.now() - started) / 1000).toFixed(1),
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

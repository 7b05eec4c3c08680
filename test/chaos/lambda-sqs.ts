// The real queue (fauxqs) drained with Lambda's SQS semantics: batches of at most ten, several invocations
// at once, the items a batch reports in batchItemFailures handed back to the queue (made visible again, as
// when their visibility timeout ends) until none remain. Shared by the redelivery scenarios of every backend.
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
} from '@aws-sdk/client-sqs';
import { expect } from 'vitest';
import { seededRandom } from '../../lib/random.ts';
import type { QueueRecord } from '../../lib/submit/queue-record.ts';
import type { BatchReport } from '../../lib/submit/submit-batch.ts';
import { receiveAll, type TestAws } from '../support/stack.ts';

export interface DrainFigures {
  deliveries: number;
  invocations: number;
  rounds: number;
  redeliveries: number;
  handedBack: number;
  copiesInConcurrentInvocations: number;
  copiesInSameBatch: number;
}

export interface Drained {
  figures: DrainFigures;
  reports: BatchReport[];
  acknowledged: Set<string>;
  /** What the queue still holds once drained. */
  left: { visible: number; inFlight: number };
  deadLettered: Message[];
  seconds: number;
}

/** Each body `copies` times; the copies of each block of ten bodies shuffled together, so they meet in one batch, in concurrent invocations, or later. */
export function shuffledCopies(bodies: string[], copies: number, seed = 20261121): string[] {
  const random = seededRandom(seed);
  const order: string[] = [];
  for (let start = 0; start < bodies.length; start += 10) {
    const block: string[] = [];
    for (const body of bodies.slice(start, start + 10)) for (let c = 0; c < copies; c++) block.push(body);
    for (let k = block.length - 1; k > 0; k--) {
      const j = Math.floor(random() * (k + 1));
      [block[k], block[j]] = [block[j]!, block[k]!];
    }
    order.push(...block);
  }
  return order;
}

export async function sendAll(aws: TestAws, bodies: string[]): Promise<void> {
  for (let i = 0; i < bodies.length; i += 10) {
    const entries = bodies.slice(i, i + 10).map((MessageBody, k) => ({ Id: `m${k}`, MessageBody }));
    const out = await aws.sqs.send(new SendMessageBatchCommand({ QueueUrl: aws.queueUrl, Entries: entries }));
    expect(out.Failed ?? []).toEqual([]);
  }
}

/** Delivers every message on the queue to `invoke` until `expected` messages are acknowledged (or the queue stays empty). */
export async function drainWithLambdaSemantics(
  aws: TestAws,
  invoke: (records: QueueRecord[]) => Promise<BatchReport>,
  options: { concurrentInvocations: number; expected: number },
): Promise<Drained> {
  const figures: DrainFigures = {
    deliveries: 0,
    invocations: 0,
    rounds: 0,
    redeliveries: 0,
    handedBack: 0,
    copiesInConcurrentInvocations: 0,
    copiesInSameBatch: 0,
  };
  const reports: BatchReport[] = [];
  const acknowledged = new Set<string>();
  const receive = () =>
    aws.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: aws.queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }),
    );
  const idOf = (m: Message) => (JSON.parse(m.Body!) as { requestId: string }).requestId;

  /** One round: up to `concurrentInvocations` batches received and handled at once; then each is settled as Lambda would. */
  const round = async (): Promise<number> => {
    const batches = (await Promise.all(Array.from({ length: options.concurrentInvocations }, receive)))
      .map((o) => o.Messages ?? [])
      .filter((b) => b.length > 0);
    if (batches.length === 0) return 0;
    figures.rounds++;
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
        return invoke(
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
  };

  const started = Date.now();
  let idle = 0;
  while (acknowledged.size < options.expected && idle < 5) {
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
  return {
    figures,
    reports,
    acknowledged,
    left: { visible: Number(attributes.ApproximateNumberOfMessages), inFlight: Number(attributes.ApproximateNumberOfMessagesNotVisible) },
    deadLettered: await receiveAll(aws.sqs, aws.dlqUrl, 1, 500),
    seconds: (Date.now() - started) / 1000,
  };
}

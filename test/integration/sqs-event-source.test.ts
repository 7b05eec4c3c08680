import { GetQueueAttributesCommand, SendMessageCommand, SetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { provisionQueue } from '../../local/provision/provision.ts';
import { SqsEventSource } from '../../local/stack/sqs-event-source.ts';
import { createTestAws, type TestAws } from '../support/stack.ts';

let aws: TestAws;
let source: SqsEventSource | undefined;
beforeAll(async () => {
  aws = await createTestAws();
});
afterEach(async () => {
  await source?.stop();
});

async function freshQueue(visibilityTimeout: string) {
  const q = await provisionQueue(aws.sqs, { logicalId: 'ImportQueue', queueName: `es-${crypto.randomUUID().slice(0, 8)}` });
  await aws.sqs.send(new SetQueueAttributesCommand({ QueueUrl: q.url, Attributes: { VisibilityTimeout: visibilityTimeout } }));
  return q;
}

async function depth(queueUrl: string): Promise<number> {
  const { Attributes } = await aws.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return Number(Attributes!.ApproximateNumberOfMessages) + Number(Attributes!.ApproximateNumberOfMessagesNotVisible);
}

function run(queueUrl: string, handler: (event: SQSEvent) => Promise<SQSBatchResponse | void>) {
  const seen: string[][] = [];
  source = new SqsEventSource({
    sqs: aws.sqs,
    queueUrl,
    functionName: 'test',
    handler: async (event) => {
      seen.push(event.Records.map((r) => r.body));
      return handler(event);
    },
    batchSize: 10,
    reportBatchItemFailures: true,
    timeoutSeconds: 5,
    region: 'us-east-1',
  });
  source.start();
  return seen;
}

const until = async (condition: () => Promise<boolean> | boolean, ms = 8000) => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('condition not reached');
};

describe('the local SQS event source keeps Lambda semantics', () => {
  it('deletes the records that succeeded and redelivers only the reported failures, then redrives them to the DLQ', async () => {
    const q = await freshQueue('1');
    for (const body of ['ok-1', 'bad', 'ok-2']) await aws.sqs.send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: body }));
    const seen = run(q.url, async (event) => ({
      batchItemFailures: event.Records.filter((r) => r.body === 'bad').map((r) => ({ itemIdentifier: r.messageId })),
    }));
    // maxReceiveCount is 5 (serverless.yml): the failing message is seen 5 times, then dead-lettered.
    await until(async () => (await depth(q.deadLetter!.url)) === 1);
    expect(seen.flat().filter((b) => b === 'bad')).toHaveLength(5);
    expect(seen.flat().filter((b) => b.startsWith('ok'))).toHaveLength(2);
    expect(await depth(q.url)).toBe(0);
  }, 20_000);

  it('fails the whole batch when the handler throws', async () => {
    const q = await freshQueue('30');
    for (const body of ['a', 'b']) await aws.sqs.send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: body }));
    const seen = run(q.url, async () => {
      throw new Error('boom');
    });
    await until(() => seen.flat().length >= 2);
    await source!.stop();
    source = undefined;
    expect(await depth(q.url)).toBe(2);
  });

  it('fails the whole batch when a reported identifier is unknown, as Lambda does', async () => {
    const q = await freshQueue('30');
    for (const body of ['a', 'b']) await aws.sqs.send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: body }));
    const seen = run(q.url, async () => ({ batchItemFailures: [{ itemIdentifier: 'no-such-message' }] }));
    await until(() => seen.flat().length >= 2);
    await source!.stop();
    source = undefined;
    expect(await depth(q.url)).toBe(2);
  });
});

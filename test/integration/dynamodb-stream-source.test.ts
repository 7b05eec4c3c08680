import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DeleteItemCommand, DynamoDBClient, PutItemCommand, UpdateItemCommand, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { startDynamoDbLocal } from '../../local/emulators/dynamodb-local.ts';
import {
  type DynamoDBStreamRecord,
  DynamoDbStreamEventSource,
  DynamoDbStreamReader,
  type StreamRecordBatchHandler,
} from '../../local/stack/dynamodb-stream-source.ts';

const config = { endpoint: inject('dynamodbEndpoint'), region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
const dynamodb = new DynamoDBClient(config);
const streams = new DynamoDBStreamsClient(config);
afterAll(() => {
  dynamodb.destroy();
  streams.destroy();
});

// A table per test, so a reader starting at TRIM_HORIZON sees only that test's writes.
async function freshTable(client: DynamoDBClient = dynamodb): Promise<string> {
  const tableName = `stream-${randomUUID().slice(0, 8)}`;
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: [{ AttributeName: 'taskId', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'taskId', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    }),
  );
  return tableName;
}

const put = (tableName: string, taskId: string, state: string) =>
  dynamodb.send(new PutItemCommand({ TableName: tableName, Item: { taskId: { S: taskId }, state: { S: state } } }));
const setState = (tableName: string, taskId: string, state: string) =>
  dynamodb.send(
    new UpdateItemCommand({
      TableName: tableName,
      Key: { taskId: { S: taskId } },
      UpdateExpression: 'SET #state = :state',
      ExpressionAttributeNames: { '#state': 'state' },
      ExpressionAttributeValues: { ':state': { S: state } },
    }),
  );
const ids = (records: DynamoDBStreamRecord[]) => records.map((r) => r.dynamodb?.Keys?.taskId?.S);

function eventSource(
  tableName: string,
  handler: StreamRecordBatchHandler,
  options: { filterPatterns?: unknown[]; batchSize?: number; pollIntervalMs?: number } = {},
) {
  const batches: string[][] = [];
  const errors: unknown[] = [];
  const source = new DynamoDbStreamEventSource({
    reader: new DynamoDbStreamReader({ dynamodb, streams, tableName }),
    handler: async (event) => {
      batches.push(ids(event.Records) as string[]);
      return handler(event);
    },
    onError: (error) => errors.push(error),
    ...options,
  });
  return { source, batches, errors };
}

describe('DynamoDbStreamReader', () => {
  it('returns inserts, modifications and removals in order, in the Lambda record shape, then only newer records', async () => {
    const tableName = await freshTable();
    const reader = new DynamoDbStreamReader({ dynamodb, streams, tableName });
    await dynamodb.send(
      new PutItemCommand({ TableName: tableName, Item: { taskId: { S: 't1' }, state: { S: 'RUNNING' }, blob: { B: new Uint8Array([1, 2, 3]) } } }),
    );
    await setState(tableName, 't1', 'FAILED');
    await dynamodb.send(new DeleteItemCommand({ TableName: tableName, Key: { taskId: { S: 't1' } } }));

    const records = await reader.readNew();
    expect(records.map((r) => r.eventName)).toEqual(['INSERT', 'MODIFY', 'REMOVE']);
    const [insert, modify, remove] = records;
    expect(insert).toMatchObject({
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      eventSourceARN: expect.stringContaining(`table/${tableName}/stream/`),
      dynamodb: { Keys: { taskId: { S: 't1' } }, NewImage: { state: { S: 'RUNNING' }, blob: { B: 'AQID' } }, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    });
    expect(insert?.dynamodb?.OldImage).toBeUndefined();
    expect(insert?.dynamodb?.ApproximateCreationDateTime).toBeCloseTo(Date.now() / 1000, -3);
    expect(modify?.dynamodb).toMatchObject({ OldImage: { state: { S: 'RUNNING' } }, NewImage: { state: { S: 'FAILED' } } });
    expect(remove?.dynamodb?.OldImage).toMatchObject({ state: { S: 'FAILED' } });
    expect(remove?.dynamodb?.NewImage).toBeUndefined();
    const sequence = records.map((r) => BigInt(r.dynamodb!.SequenceNumber!));
    expect([...sequence].sort((a, b) => (a < b ? -1 : 1))).toEqual(sequence);

    await put(tableName, 't2', 'QUEUED');
    expect(ids(await reader.readNew())).toEqual(['t2']);
    expect(await reader.readNew()).toEqual([]);
  });

  it('gives an empty map as {"M":{}}, as AWS does (DynamoDB Local sends {})', async () => {
    const tableName = await freshTable();
    const reader = new DynamoDbStreamReader({ dynamodb, streams, tableName });
    await dynamodb.send(new PutItemCommand({ TableName: tableName, Item: { taskId: { S: 'e' }, summary: { M: {} }, tags: { L: [] } } }));
    const [record] = await reader.readNew();
    expect(record!.dynamodb!.NewImage).toMatchObject({ summary: { M: {} }, tags: { L: [] } });
  });

  it('starting at LATEST, skips what was written before its first read', async () => {
    const tableName = await freshTable();
    await put(tableName, 'old', 'QUEUED');
    const reader = new DynamoDbStreamReader({ dynamodb, streams, tableName, startAt: 'LATEST' });
    expect(await reader.readNew()).toEqual([]);
    await put(tableName, 'new', 'QUEUED');
    expect(ids(await reader.readNew())).toEqual(['new']);
  });

  it('reports a TTL deletion as a REMOVE by the DynamoDB service, as AWS does', async () => {
    // A DynamoDB Local of its own: its TTL sweeper walks every table, and the shared one holds many.
    const own = await startDynamoDbLocal();
    const ownConfig = { ...config, endpoint: own.endpoint };
    const ddb = new DynamoDBClient(ownConfig);
    const ownStreams = new DynamoDBStreamsClient(ownConfig);
    const records: DynamoDBStreamRecord[] = [];
    try {
      const tableName = await freshTable(ddb);
      await ddb.send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true } }));
      const reader = new DynamoDbStreamReader({ dynamodb: ddb, streams: ownStreams, tableName });
      const expired = String(Math.floor(Date.now() / 1000) - 60);
      await ddb.send(new PutItemCommand({ TableName: tableName, Item: { taskId: { S: 'gone' }, expiresAt: { N: expired } } }));
      for (const deadline = Date.now() + 45_000; records.length < 2 && Date.now() < deadline; ) {
        records.push(...(await reader.readNew()));
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      ddb.destroy();
      ownStreams.destroy();
      await own.stop();
    }
    expect(records[1]).toMatchObject({
      eventName: 'REMOVE',
      userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' },
      dynamodb: { OldImage: { taskId: { S: 'gone' } } },
    });
    expect(records[0]?.userIdentity).toBeUndefined();
  }, 60_000);
});

describe('DynamoDbStreamEventSource', () => {
  it('delivers only the records that match a filter pattern', async () => {
    const tableName = await freshTable();
    const failedTransition = {
      eventName: ['MODIFY'],
      dynamodb: { NewImage: { state: { S: ['FAILED'] } }, OldImage: { state: { S: [{ 'anything-but': ['FAILED'] }] } } },
    };
    const { source, batches } = eventSource(tableName, async () => {}, { filterPatterns: [failedTransition] });
    await put(tableName, 'a', 'FAILED');
    await put(tableName, 'b', 'RUNNING');
    await setState(tableName, 'b', 'FAILED');
    await setState(tableName, 'b', 'FAILED');
    await setState(tableName, 'a', 'RUNNING');

    expect(await source.pump()).toBe(1);
    expect(batches).toEqual([['b']]);
  });

  it('redelivers a reported failure and the records after it, but not the records before it', async () => {
    const tableName = await freshTable();
    let calls = 0;
    const { source, batches } = eventSource(tableName, async (event) => {
      if (calls++ > 0) return;
      const failed = event.Records.find((r) => r.dynamodb?.Keys?.taskId?.S === 'b');
      return { batchItemFailures: [{ itemIdentifier: failed!.dynamodb!.SequenceNumber! }] };
    });
    for (const id of ['a', 'b', 'c']) await put(tableName, id, 'QUEUED');

    expect(await source.pump()).toBe(3);
    expect(await source.pump()).toBe(2);
    expect(await source.pump()).toBe(0);
    expect(batches).toEqual([
      ['a', 'b', 'c'],
      ['b', 'c'],
    ]);
  });

  it('holds back later batches of the shard until the failed record succeeds', async () => {
    const tableName = await freshTable();
    let calls = 0;
    const { source, batches } = eventSource(
      tableName,
      async (event) => (calls++ === 0 ? { batchItemFailures: [{ itemIdentifier: event.Records[1]!.dynamodb!.SequenceNumber! }] } : undefined),
      { batchSize: 2 },
    );
    for (const id of ['a', 'b', 'c', 'd']) await put(tableName, id, 'QUEUED');

    await source.pump();
    expect(batches).toEqual([['a', 'b']]);
    await source.pump();
    expect(batches).toEqual([['a', 'b'], ['b', 'c'], ['d']]);
  });

  it('redelivers the whole batch when the handler throws, or names a record not in the batch', async () => {
    const tableName = await freshTable();
    let calls = 0;
    const { source, batches, errors } = eventSource(tableName, async () => {
      calls++;
      if (calls === 1) throw new Error('boom');
      if (calls === 2) return { batchItemFailures: [{ itemIdentifier: 'no-such-record' }] };
    });
    for (const id of ['a', 'b']) await put(tableName, id, 'QUEUED');

    await source.pump();
    await source.pump();
    await source.pump();
    expect(batches).toEqual([
      ['a', 'b'],
      ['a', 'b'],
      ['a', 'b'],
    ]);
    expect(errors).toHaveLength(2);
    expect(await source.pump()).toBe(0);
  });

  it('polls once started and stops on request', async () => {
    const tableName = await freshTable();
    const { source, batches } = eventSource(tableName, async () => {}, { pollIntervalMs: 20 });
    source.start();
    try {
      await put(tableName, 'a', 'QUEUED');
      for (const deadline = Date.now() + 3000; batches.length === 0 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 20));
      expect(batches).toEqual([['a']]);
    } finally {
      await source.stop();
    }
    await put(tableName, 'b', 'QUEUED');
    await new Promise((r) => setTimeout(r, 100));
    expect(batches).toEqual([['a']]);
  });

  it('carries on after a restart from its checkpoint: nothing handled twice, nothing lost, a failed record first', async () => {
    const tableName = await freshTable();
    const handled: string[] = [];
    let failB = true;
    const handler: StreamRecordBatchHandler = async (event) => {
      const b = event.Records.find((r) => r.dynamodb?.Keys?.taskId?.S === 'b');
      if (failB && b) {
        failB = false;
        handled.push(...(ids(event.Records.slice(0, event.Records.indexOf(b))) as string[]));
        return { batchItemFailures: [{ itemIdentifier: b.dynamodb!.SequenceNumber! }] };
      }
      handled.push(...(ids(event.Records) as string[]));
    };
    const first = new DynamoDbStreamEventSource({ reader: new DynamoDbStreamReader({ dynamodb, streams, tableName, startAt: 'LATEST' }), handler });
    await first.pump(); // takes LATEST
    for (const id of ['a', 'b', 'c']) await put(tableName, id, 'QUEUED');
    await first.pump(); // a handled; b failed, so b and c wait
    const checkpoint = first.checkpoint();
    await put(tableName, 'd', 'QUEUED'); // written while nothing reads

    const second = new DynamoDbStreamEventSource({
      reader: new DynamoDbStreamReader({ dynamodb, streams, tableName, startAt: 'LATEST', resumeFrom: checkpoint.stream! }),
      handler,
      pending: JSON.parse(JSON.stringify(checkpoint.pending)),
    });
    await second.pump();
    await second.pump();

    expect(checkpoint.pending.flatMap((s) => ids(s.records))).toEqual(['b', 'c']);
    expect(handled).toEqual(['a', 'b', 'c', 'd']);
  });

  it('ignores a checkpoint of another stream (a table made again) and starts where it is told', async () => {
    const old = await freshTable();
    const reader = new DynamoDbStreamReader({ dynamodb, streams, tableName: old });
    await put(old, 'x', 'QUEUED');
    await reader.readNew();
    const tableName = await freshTable();
    await put(tableName, 'a', 'QUEUED');

    const resumed = new DynamoDbStreamReader({ dynamodb, streams, tableName, resumeFrom: reader.checkpoint()! });

    expect(ids(await resumed.readNew())).toEqual(['a']);
  });
});

// Poll and submit throughput on real parts (DynamoDB Local, the simulated master), each against a floor
// measured in the same run: the bare calls the same work needs, at the same concurrency.
import { BatchWriteItemCommand, DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { Pool } from 'undici';
import { LindormBulkloadBackend } from '../lib/backends/lindorm/backend.ts';
import { LindormBulkloadClient } from '../lib/backends/lindorm/client.ts';
import { encodeCreateForm } from '../lib/backends/lindorm/form.ts';
import { parseLindormRequest } from '../lib/backends/lindorm/request.ts';
import { BackendRegistry } from '../lib/backends/registry.ts';
import { systemClock } from '../lib/clock.ts';
import { mapWithConcurrency } from '../lib/concurrency.ts';
import { silentLogger } from '../lib/logger.ts';
import { targetsFromEnv } from '../lib/runtime/deployment-targets.ts';
import { DynamoDbTaskStore } from '../lib/store/dynamodb-task-store.ts';
import { submitBatch } from '../lib/submit/submit-batch.ts';
import { defaultSubmitSettings } from '../lib/submit/submit-record.ts';
import { defaultTaskPolicy, newTask, taskIdFor, transition } from '../lib/task/task.ts';
import { defaultPollPolicy } from '../lib/tracking/poll-policy.ts';
import { pollTick } from '../lib/tracking/poll-tick.ts';
import { defaultRetryPolicy } from '../lib/tracking/retry-policy.ts';
import { startDynamoDbLocal } from '../local/emulators/dynamodb-local.ts';
import { startLindormMaster } from '../local/lindorm-master/simulator.ts';
import { provisionTable } from '../local/provision/provision.ts';

const region = 'us-east-1';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const seed = {
  src: 'hdfs',
  dst: 'ld',
  readerConfig: '{"filePath":"p/","column":["id"]}',
  writerConfig: '{"namespace":"default","lindormTable":"t","columns":["ROW||String"]}',
  driverSpec: 'large',
  instances: 2,
  fileType: 'Parquet',
};

export interface ThroughputRow {
  measure: string;
  items: number;
  bulkpilotMs: number;
  floorMs: number;
  /** floor / bulkpilot for polling (goal ≥ 0.8); bulkpilot / floor for submit (goal ≤ 1.5). */
  ratio: number;
  goal: string;
}

export async function throughput(options: {
  pollTasks: number;
  steadyTasks?: number;
  submitRequests: number;
  infoLatencyMs: number;
  concurrency: number;
}): Promise<ThroughputRow[]> {
  const dynamodbLocal = await startDynamoDbLocal();
  const master = await startLindormMaster({
    infoLatencyMs: options.infoLatencyMs,
    createLatencyMs: options.infoLatencyMs,
    stages: [{ name: 'BULKLOAD', durationMs: 24 * 3600_000 }],
  });
  const dynamodb = new DynamoDBClient({ endpoint: dynamodbLocal.endpoint, region, credentials });
  try {
    // A small unrecorded round first: whichever side ran first would otherwise pay the JIT warm-up of this
    // process and of DynamoDB Local.
    await pollThroughput(dynamodb, master.url, { ...options, pollTasks: Math.min(200, options.pollTasks) }, 'first-check');
    return [
      await pollThroughput(dynamodb, master.url, { ...options, pollTasks: options.steadyTasks ?? options.pollTasks }, 'steady'),
      await pollThroughput(dynamodb, master.url, options, 'first-check'),
      await submitThroughput(dynamodb, master.url, options),
    ];
  } finally {
    await master.close();
    await dynamodbLocal.stop();
  }
}

/**
 * `steady`: RUNNING tasks whose check brings nothing new — the usual tick; the floor is the bare GET loop.
 * `first-check`: SUBMITTED tasks that every check moves to RUNNING; the floor adds one UpdateItem per task.
 */
export async function pollThroughput(
  dynamodb: DynamoDBClient,
  masterUrl: string,
  o: { pollTasks: number; infoLatencyMs: number; concurrency: number },
  kind: 'steady' | 'first-check',
): Promise<ThroughputRow> {
  const tableName = `bench-poll-${kind}-${Date.now()}`;
  await provisionTable(dynamodb, { tableName });
  const client = new LindormBulkloadClient({ baseUrl: masterUrl, connections: o.concurrency });
  const params = parseLindormRequest(seed);
  const procIds = await mapWithConcurrency(Array.from({ length: o.pollTasks }), 32, () => client.create(params));
  const now = Date.now();
  const tasks = procIds.map((remoteId, i) => {
    const accepted = newTask(
      {
        taskId: taskIdFor(`bench-${i}`),
        requestId: `bench-${i}`,
        requestIdSource: 'client',
        target: 'lindorm',
        backend: 'lindorm-bulkload',
        state: 'ACCEPTED',
        createdAt: now - 60_000,
        params,
        summary: { destination: 'ld/default:t' },
      },
      'bench',
      defaultTaskPolicy,
    );
    const submitted = transition(accepted, {
      to: 'SUBMITTED',
      reason: 'bench',
      now: now - 60_000,
      policy: defaultTaskPolicy,
      changes: { remote: { procId: remoteId }, remoteId, submittedAt: now - 60_000, runStartedAt: now - 60_000, attempt: 1 },
      dueAt: now - 1_000,
    });
    return kind === 'first-check'
      ? submitted
      : transition(submitted, {
          to: 'RUNNING',
          reason: 'bench',
          now: now - 30_000,
          policy: defaultTaskPolicy,
          changes: { remoteState: 'RUNNING' },
          dueAt: now - 1_000,
        });
  });
  const load = async () => {
    for (let i = 0; i < tasks.length; i += 25) {
      await dynamodb.send(
        new BatchWriteItemCommand({
          RequestItems: { [tableName]: tasks.slice(i, i + 25).map((t) => ({ PutRequest: { Item: marshall(t, { removeUndefinedValues: true }) } })) },
        }),
      );
    }
  };

  // bulkpilot: poll ticks until every task has been checked once (one invocation should do).
  await load();
  const store = new DynamoDbTaskStore({ client: dynamodb, tableName });
  const deps = {
    store,
    checkpoints: store,
    backends: new BackendRegistry([new LindormBulkloadBackend(client)]),
    clock: systemClock,
    random: Math.random,
    logger: silentLogger,
    settings: { taskPolicy: defaultTaskPolicy, poll: defaultPollPolicy, retry: defaultRetryPolicy },
  };
  const started = performance.now();
  let checked = 0;
  let invocations = 0;
  for (let tick = 0; checked < o.pollTasks && tick < 20; tick++, invocations++) {
    checked += (await pollTick(deps, { owner: `bench-${tick}`, remainingMs: () => 15 * 60_000, concurrencyPerTarget: o.concurrency, pageSize: 100 })).checked;
  }
  const bulkpilotMs = performance.now() - started;

  // Floor: the same info calls on a bare undici pool at the same concurrency, and (first check) the one
  // write per task the change (SUBMITTED → RUNNING) needs.
  await load();
  const pool = new Pool(new URL(masterUrl).origin, { connections: o.concurrency });
  const floorStarted = performance.now();
  await mapWithConcurrency(tasks, o.concurrency, async (task) => {
    const response = await pool.request({ method: 'GET', path: `/pro/proc/${task.remoteId}/info` });
    const body = (await response.body.json()) as { data: { state: string } };
    if (kind === 'steady') return;
    await dynamodb.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: { taskId: { S: task.taskId } },
        UpdateExpression: 'SET #s = :s, version = version + :one',
        ExpressionAttributeNames: { '#s': 'state' },
        ExpressionAttributeValues: { ':s': { S: body.data.state }, ':one': { N: '1' } },
      }),
    );
  });
  const floorMs = performance.now() - floorStarted;
  await pool.close();
  await client.close();
  return {
    measure: `poll (${kind === 'steady' ? 'steady: no news' : 'first check: each changes'}): ${o.pollTasks} due tasks in ${invocations} invocation${invocations === 1 ? '' : 's'}, info +${o.infoLatencyMs} ms, ${o.concurrency} in flight`,
    items: checked,
    bulkpilotMs,
    floorMs,
    ratio: floorMs / bulkpilotMs,
    goal: '≥ 0.8× the floor; one invocation < 60 s',
  };
}

async function submitThroughput(
  dynamodb: DynamoDBClient,
  masterUrl: string,
  o: { submitRequests: number; concurrency: number; infoLatencyMs: number },
): Promise<ThroughputRow> {
  const tableName = `bench-submit-${Date.now()}`;
  await provisionTable(dynamodb, { tableName });
  const client = new LindormBulkloadClient({ baseUrl: masterUrl, connections: o.concurrency });
  const store = new DynamoDbTaskStore({ client: dynamodb, tableName });
  const deps = {
    store,
    targets: targetsFromEnv({ BDS_MASTER_URL: masterUrl }),
    backends: new BackendRegistry([new LindormBulkloadBackend(client)]),
    deadLetters: { send: async () => {} },
    clock: systemClock,
    logger: silentLogger,
    settings: { ...defaultSubmitSettings, taskPolicy: defaultTaskPolicy },
  };
  const run = Date.now();
  const records = Array.from({ length: o.submitRequests }, (_, i) => ({
    messageId: `m-${i}`,
    body: JSON.stringify({ requestId: `submit-${run}-${i}`, ...seed }),
  }));
  const batches = Array.from({ length: Math.ceil(records.length / 10) }, (_, i) => records.slice(i * 10, i * 10 + 10));

  // bulkpilot: SQS-sized batches through the submit path, one batch after another, as one Lambda would.
  const started = performance.now();
  for (const batch of batches) await submitBatch(batch, { remainingMs: () => 60_000 }, deps, 5);
  const bulkpilotMs = performance.now() - started;

  // Floor: one POST (create) and one PutItem per request, the same batches, the same concurrency.
  const pool = new Pool(new URL(masterUrl).origin, { connections: o.concurrency });
  const form = encodeCreateForm(parseLindormRequest(seed));
  const floorStarted = performance.now();
  for (const batch of batches) {
    await mapWithConcurrency(batch, 5, async (record) => {
      const response = await pool.request({
        method: 'POST',
        path: '/pro/proc/bulkload/create',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form,
      });
      const { message } = (await response.body.json()) as { message: string };
      await dynamodb.send(
        new PutItemCommand({ TableName: tableName, Item: { taskId: { S: `floor-${record.messageId}` }, remoteId: { S: message }, body: { S: record.body } } }),
      );
    });
  }
  const floorMs = performance.now() - floorStarted;
  await pool.close();
  await client.close();
  return {
    measure: `submit: ${o.submitRequests} requests in batches of 10, create +${o.infoLatencyMs} ms`,
    items: o.submitRequests,
    bulkpilotMs,
    floorMs,
    ratio: bulkpilotMs / floorMs,
    goal: '≤ 1.5× the floor',
  };
}

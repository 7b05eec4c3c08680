// Poll and submit throughput on real parts (DynamoDB Local, each backend's simulator), each against a floor
// measured in the same run: the bare calls the same work needs, at the same concurrency.
import { BatchWriteItemCommand, DeleteItemCommand, DeleteTableCommand, DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { RemoteRef } from '../lib/backends/backend.ts';
import { backendCatalog } from '../lib/backends/catalog.ts';
import { BackendRegistry } from '../lib/backends/registry.ts';
import { systemClock } from '../lib/clock.ts';
import { mapWithConcurrency } from '../lib/concurrency.ts';
import { CostLedger, zeroCost } from '../lib/cost/cost-ledger.ts';
import { silentLogger } from '../lib/logger.ts';
import { DynamoDbTaskStore } from '../lib/store/dynamodb-task-store.ts';
import { submitBatch } from '../lib/submit/submit-batch.ts';
import { defaultSubmitSettings } from '../lib/submit/submit-record.ts';
import type { Targets } from '../lib/targets/targets.ts';
import { defaultTaskPolicy, newTask, shardOf, type Task, taskIdFor, transition } from '../lib/task/task.ts';
import { defaultPollPolicy } from '../lib/tracking/poll-policy.ts';
import { pollTick } from '../lib/tracking/poll-tick.ts';
import { defaultRetryPolicy } from '../lib/tracking/retry-policy.ts';
import { startDynamoDbLocal } from '../local/emulators/dynamodb-local.ts';
import { provisionTable } from '../local/provision/provision.ts';
import { type BenchTarget, benchTargetNames, startBenchTargets } from './throughput-targets.ts';

const region = 'us-east-1';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

export type ThroughputKind = 'steady' | 'first-check' | 'submit';

export interface ThroughputRow {
  target: string;
  kind: ThroughputKind;
  /** With the cost ledger on, as the deployed functions run (it asks DynamoDB for the units of each call). */
  ledger: boolean;
  measure: string;
  items: number;
  bulkpilotMs: number;
  floorMs: number;
  /** floor / bulkpilot for polling (goal ≥ 0.8); bulkpilot / floor for submit (goal ≤ 1.5). */
  ratio: number;
  goal: string;
  met: boolean;
  /**
   * The floor whose write is what the step needs to be durable: for a first check `requiredWrite`, for a
   * submit the put with the task's due entry. The ratio reads like `ratio`.
   */
  requiredFloorMs?: number;
  requiredRatio?: number;
}

export interface ThroughputOptions {
  pollTasks: number;
  steadyTasks?: number;
  submitRequests: number;
  infoLatencyMs: number;
  concurrency: number;
  targets?: readonly string[];
}

/**
 * Every measure runs twice on each side in the order bulkpilot, floor, floor, bulkpilot and adds both runs:
 * DynamoDB Local answers more slowly the longer it has run, so a drift favours neither side.
 */
export async function throughput(options: ThroughputOptions, onRow: (row: ThroughputRow) => void = () => {}): Promise<ThroughputRow[]> {
  const bench = await startBenchTargets(options.infoLatencyMs, options.targets ?? benchTargetNames);
  const rows: ThroughputRow[] = [];
  const add = (row: ThroughputRow) => {
    rows.push(row);
    onRow(row);
  };
  try {
    for (const target of bench.all) {
      await onFreshDynamoDb(async (dynamodb) => {
        // A small unrecorded round first: whichever side ran first would otherwise pay the JIT warm-up.
        await pollThroughput(dynamodb, target, { ...options, pollTasks: Math.min(100, options.pollTasks) }, 'first-check');
        add(await pollThroughput(dynamodb, target, { ...options, pollTasks: options.steadyTasks ?? options.pollTasks }, 'steady'));
        add(await pollThroughput(dynamodb, target, options, 'first-check'));
        add(await submitThroughput(dynamodb, target, bench.targets, options));
      });
    }
    // The deployed functions keep a cost ledger, which asks DynamoDB for each call's units: on DynamoDB Local
    // that alone slows every write (for the floor too, so the floor asks for them as well here).
    const first = bench.all[0]!;
    await onFreshDynamoDb(async (dynamodb) => {
      add(await pollThroughput(dynamodb, first, options, 'first-check', true));
      add(await submitThroughput(dynamodb, first, bench.targets, options, true));
    });
    return rows;
  } finally {
    await bench.close();
  }
}

/**
 * Each backend's measures on a DynamoDB Local of their own: it answers more slowly the longer it has run
 * (seen: a measure taking 8× its time on a fresh one after half an hour), which would favour the first.
 */
async function onFreshDynamoDb(measure: (dynamodb: DynamoDBClient) => Promise<void>): Promise<void> {
  const local = await startDynamoDbLocal();
  const dynamodb = new DynamoDBClient({ endpoint: local.endpoint, region, credentials });
  try {
    await measure(dynamodb);
  } finally {
    dynamodb.destroy();
    await local.stop();
  }
}

/** Twice each, as bulkpilot, floor, floor, bulkpilot (see `throughput`); the sums. */
async function abba(bulkpilot: () => Promise<number>, floors: Array<() => Promise<number>>): Promise<{ bulkpilotMs: number; floorMs: number[] }> {
  let bulkpilotMs = await bulkpilot();
  const floorMs: number[] = [];
  for (const floor of floors) floorMs.push(await floor());
  for (const [i, floor] of [...floors.entries()].reverse()) floorMs[i]! += await floor();
  bulkpilotMs += await bulkpilot();
  return { bulkpilotMs, floorMs };
}

/** A table for one measure, dropped after it: DynamoDB Local slows down as its tables pile up. */
async function withTable<T>(dynamodb: DynamoDBClient, tableName: string, measure: () => Promise<T>): Promise<T> {
  await provisionTable(dynamodb, { tableName });
  try {
    return await measure();
  } finally {
    await dynamodb.send(new DeleteTableCommand({ TableName: tableName }));
  }
}

const timed = async (work: () => Promise<unknown>) => {
  const started = performance.now();
  await work();
  return performance.now() - started;
};

/**
 * `steady`: RUNNING tasks whose check brings nothing new — the usual tick; the floor is the bare status loop.
 * `first-check`: SUBMITTED tasks that every check moves to RUNNING; the floor adds one UpdateItem per task,
 * either the bare one (state and version) or `requiredWrite`.
 */
export async function pollThroughput(
  dynamodb: DynamoDBClient,
  target: BenchTarget,
  o: { pollTasks: number; infoLatencyMs: number; concurrency: number },
  kind: 'steady' | 'first-check',
  ledger = false,
): Promise<ThroughputRow> {
  const tableName = `bench-poll-${target.name}-${kind}-${Date.now()}`;
  return withTable(dynamodb, tableName, () => measurePoll(dynamodb, tableName, target, o, kind, ledger));
}

async function measurePoll(
  dynamodb: DynamoDBClient,
  tableName: string,
  target: BenchTarget,
  o: { pollTasks: number; infoLatencyMs: number; concurrency: number },
  kind: 'steady' | 'first-check',
  ledger: boolean,
): Promise<ThroughputRow> {
  const { backend } = target;
  const module = backendCatalog.get(backend.id)!;
  const run = Date.now().toString(36);
  const now = Date.now();
  const tasks = await mapWithConcurrency(
    Array.from({ length: o.pollTasks }, (_, i) => i),
    32,
    async (i) => {
      const params = module.requests.parseRequest(target.request(i, run));
      const ref = await backend.create(params, { marker: `bench-${run}-${i}`, startedAt: now });
      return benchTask(target, i, run, params, ref, kind, now);
    },
  );
  const load = async () => {
    for (let i = 0; i < tasks.length; i += 25) {
      await dynamodb.send(
        new BatchWriteItemCommand({
          RequestItems: { [tableName]: tasks.slice(i, i + 25).map((t) => ({ PutRequest: { Item: marshall(t, { removeUndefinedValues: true }) } })) },
        }),
      );
    }
    // The poller's own checkpoints start empty each time, as on a fresh table.
    for (let shard = 0; shard < defaultTaskPolicy.shards; shard++)
      await dynamodb.send(new DeleteItemCommand({ TableName: tableName, Key: { taskId: { S: `poll-shard#${shard}` } } }));
  };
  const capacity = ledger ? ('TOTAL' as const) : ('NONE' as const);

  let checked = 0;
  let invocations = 0;
  const bulkpilot = async () => {
    await load();
    const store = new DynamoDbTaskStore({ client: dynamodb, tableName, ...(ledger ? { ledger: new CostLedger() } : {}) });
    const deps = {
      store,
      checkpoints: store,
      backends: new BackendRegistry([backend]),
      clock: systemClock,
      random: Math.random,
      logger: silentLogger,
      settings: { taskPolicy: defaultTaskPolicy, poll: defaultPollPolicy, retry: defaultRetryPolicy },
    };
    return timed(async () => {
      checked = 0;
      invocations = 0;
      for (let tick = 0; checked < o.pollTasks && tick < 20; tick++, invocations++) {
        checked += (await pollTick(deps, { owner: `bench-${tick}`, remainingMs: () => 15 * 60_000, concurrencyPerTarget: o.concurrency, pageSize: 100 }))
          .checked;
      }
    });
  };
  // Floor: the same status calls through the backend's client at the same concurrency, and (first check)
  // one write per task for the change SUBMITTED → RUNNING.
  const floor = (write: 'bare' | 'required') => async () => {
    await load();
    return timed(() =>
      mapWithConcurrency(tasks, o.concurrency, async (task) => {
        const status = await backend.status(task.remote!);
        if (kind === 'steady') return;
        await dynamodb.send(
          new UpdateItemCommand({
            TableName: tableName,
            Key: { taskId: { S: task.taskId } },
            ReturnConsumedCapacity: capacity,
            ...(write === 'bare' ? bareWrite(status.state) : requiredWrite(task, status.state, Date.now())),
          }),
        );
      }),
    );
  };
  const floors = kind === 'steady' ? [floor('bare')] : [floor('bare'), floor('required')];
  const { bulkpilotMs, floorMs } = await abba(bulkpilot, floors);
  const [floorMsBare, requiredFloorMs] = floorMs as [number, number | undefined];
  const ratio = floorMsBare / bulkpilotMs;
  return {
    target: target.name,
    kind,
    ledger,
    measure: `${target.name}: poll (${kind === 'steady' ? 'steady: no news' : 'first check: each changes'}): ${o.pollTasks} due tasks in ${invocations} invocation${invocations === 1 ? '' : 's'}, status +${o.infoLatencyMs} ms, ${o.concurrency} in flight${ledger ? ', cost ledger on' : ''}`,
    items: checked,
    bulkpilotMs,
    floorMs: floorMsBare,
    ratio,
    goal: '≥ 0.8× the floor; one invocation < 60 s',
    met: ratio >= 0.8,
    ...(requiredFloorMs === undefined ? {} : { requiredFloorMs, requiredRatio: requiredFloorMs / bulkpilotMs }),
  };
}

function benchTask(target: BenchTarget, i: number, run: string, params: unknown, ref: RemoteRef, kind: 'steady' | 'first-check', now: number): Task {
  const { backend } = target;
  const module = backendCatalog.get(backend.id)!;
  const accepted = newTask(
    {
      taskId: taskIdFor(`bench-${run}-${i}`),
      requestId: `bench-${run}-${i}`,
      requestIdSource: 'client',
      target: target.name,
      backend: backend.id,
      state: 'ACCEPTED',
      createdAt: now - 60_000,
      params,
      summary: module.requests.summarize(params as never),
    },
    'bench',
    defaultTaskPolicy,
  );
  // A stored task always has its cost map (the submit path's first write sets it); the ledger's writes add to it.
  accepted.cost = { ...zeroCost };
  const submitted = transition(accepted, {
    to: 'SUBMITTED',
    reason: 'bench',
    now: now - 60_000,
    policy: defaultTaskPolicy,
    changes: { remote: ref, remoteId: backend.describeRef(ref), submittedAt: now - 60_000, runStartedAt: now - 60_000, attempt: 1 },
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
}

/** The least write a status can be stored with: its state and a version bump. */
function bareWrite(state: string) {
  return {
    UpdateExpression: 'SET #s = :s, version = version + :one',
    ExpressionAttributeNames: { '#s': 'state' },
    ExpressionAttributeValues: { ':s': { S: state }, ':one': { N: '1' } },
  };
}

/**
 * The least write a durable state change needs: the new state only over the version it was decided on (else
 * a concurrent operator's abort is overwritten), the next due time (else the task is never checked again, or
 * at once), and its history entry (what `bulkpilot history` and the targets contract show).
 */
export function requiredWrite(task: Task, state: string, now: number) {
  return {
    UpdateExpression: 'SET #s = :s, #v = :next, dueAt = :due, #h = list_append(#h, :entry)',
    ConditionExpression: '#v = :expected',
    ExpressionAttributeNames: { '#s': 'state', '#v': 'version', '#h': 'history' },
    ExpressionAttributeValues: {
      ':s': { S: state },
      ':next': { N: String(task.version + 1) },
      ':expected': { N: String(task.version) },
      ':due': { N: String(now + 60_000) },
      ':entry': { L: [{ M: marshall({ at: now, from: task.state, to: 'RUNNING', reason: `backend reports ${state}` }) }] },
    },
  };
}

async function submitThroughput(
  dynamodb: DynamoDBClient,
  target: BenchTarget,
  targets: Targets,
  o: { submitRequests: number; concurrency: number; infoLatencyMs: number },
  ledger = false,
): Promise<ThroughputRow> {
  const tableName = `bench-submit-${target.name}-${Date.now()}`;
  return withTable(dynamodb, tableName, () => measureSubmit(dynamodb, tableName, target, targets, o, ledger));
}

async function measureSubmit(
  dynamodb: DynamoDBClient,
  tableName: string,
  target: BenchTarget,
  targets: Targets,
  o: { submitRequests: number; concurrency: number; infoLatencyMs: number },
  ledger: boolean,
): Promise<ThroughputRow> {
  const { backend } = target;
  const module = backendCatalog.get(backend.id)!;
  const capacity = ledger ? ('TOTAL' as const) : ('NONE' as const);
  const batchesOf = (run: string) => {
    const records = Array.from({ length: o.submitRequests }, (_, i) => ({
      messageId: `m-${run}-${i}`,
      body: JSON.stringify({ requestId: `submit-${run}-${i}`, target: target.name, ...target.request(i, run) }),
      fields: target.request(i, run),
    }));
    return Array.from({ length: Math.ceil(records.length / 10) }, (_, i) => records.slice(i * 10, i * 10 + 10));
  };
  let runs = 0;
  let submitted = 0;
  // bulkpilot: SQS-sized batches through the submit path, one batch after another, as one Lambda would.
  const bulkpilot = async () => {
    const batches = batchesOf(`b${runs++}${Date.now().toString(36)}`);
    const store = new DynamoDbTaskStore({ client: dynamodb, tableName, ...(ledger ? { ledger: new CostLedger() } : {}) });
    const deps = {
      store,
      targets,
      backends: new BackendRegistry([backend]),
      deadLetters: { send: async () => {} },
      clock: systemClock,
      logger: silentLogger,
      settings: { ...defaultSubmitSettings, taskPolicy: defaultTaskPolicy },
    };
    return timed(async () => {
      for (const batch of batches)
        submitted += (await submitBatch(batch, { remainingMs: () => 60_000 }, deps, 5)).outcomes.filter((o) => o.outcome.kind === 'submitted').length;
    });
  };
  // Floor: one create and one PutItem per request, the same batches, the same concurrency. The bare put holds
  // the request and the job; the required one also the keys the poller finds a task by (its due entry).
  const floor = (write: 'bare' | 'required') => async () => {
    const run = `f${runs++}${Date.now().toString(36)}`;
    const batches = batchesOf(run).map((batch) => batch.map((record) => ({ ...record, params: module.requests.parseRequest(record.fields) })));
    return timed(async () => {
      for (const batch of batches) {
        await mapWithConcurrency(batch, 5, async (record) => {
          const ref = await backend.create(record.params, { marker: record.messageId, startedAt: Date.now() });
          const taskId = taskIdFor(`floor-${record.messageId}`);
          const due =
            write === 'required'
              ? { state: { S: 'SUBMITTED' }, dueShard: { N: String(shardOf(taskId, defaultTaskPolicy.shards)) }, dueAt: { N: String(Date.now() + 30_000) } }
              : {};
          await dynamodb.send(
            new PutItemCommand({
              TableName: tableName,
              ReturnConsumedCapacity: capacity,
              Item: { taskId: { S: taskId }, remote: { S: JSON.stringify(ref) }, body: { S: record.body }, ...due },
            }),
          );
        });
      }
    });
  };
  const { bulkpilotMs, floorMs } = await abba(bulkpilot, [floor('bare'), floor('required')]);
  const ratio = bulkpilotMs / floorMs[0]!;
  return {
    target: target.name,
    kind: 'submit',
    ledger,
    measure: `${target.name}: submit: ${o.submitRequests} requests in batches of 10, create +${o.infoLatencyMs} ms${ledger ? ', cost ledger on' : ''}`,
    // Both bulkpilot runs: every request of each is created and recorded.
    items: submitted / 2,
    bulkpilotMs,
    floorMs: floorMs[0]!,
    requiredFloorMs: floorMs[1]!,
    requiredRatio: bulkpilotMs / floorMs[1]!,
    ratio,
    goal: '≤ 1.5× the floor',
    met: ratio <= 1.5,
  };
}

// What whole task lifecycles consume, counted (deterministic: a virtual clock drives the master and the
// poller): DynamoDB units as the SDK reports them, write operations against state changes, backend calls
// per task-hour, and the Lambda time spent on each task.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { TargetLimits } from '../lib/backends/backend.ts';
import { LindormBulkloadBackend } from '../lib/backends/lindorm/backend.ts';
import { LindormBulkloadClient } from '../lib/backends/lindorm/client.ts';
import { BackendRegistry } from '../lib/backends/registry.ts';
import { CostLedger } from '../lib/cost/cost-ledger.ts';
import { silentLogger } from '../lib/logger.ts';
import { metered } from '../lib/observability/metered-backend.ts';
import { noMetrics } from '../lib/observability/metrics.ts';
import { seededRandom } from '../lib/random.ts';
import { targetsFromEnv } from '../lib/runtime/deployment-targets.ts';
import { DynamoDbSlotStore } from '../lib/store/dynamodb-slot-store.ts';
import { DynamoDbTaskStore } from '../lib/store/dynamodb-task-store.ts';
import type { TaskStore } from '../lib/store/task-store.ts';
import { submitBatch } from '../lib/submit/submit-batch.ts';
import { defaultSubmitSettings } from '../lib/submit/submit-record.ts';
import { isTerminal } from '../lib/task/states.ts';
import { defaultTaskPolicy, taskIdFor } from '../lib/task/task.ts';
import { announceTerminal } from '../lib/tracking/notification.ts';
import { defaultPollPolicy } from '../lib/tracking/poll-policy.ts';
import { pollTick } from '../lib/tracking/poll-tick.ts';
import { defaultRetryPolicy } from '../lib/tracking/retry-policy.ts';
import { startWaitingTasks } from '../lib/tracking/waiting-starter.ts';
import { startDynamoDbLocal } from '../local/emulators/dynamodb-local.ts';
import { startLindormMaster } from '../local/lindorm-master/simulator.ts';
import { provisionTable } from '../local/provision/provision.ts';
import { lindormSeed } from './throughput-targets.ts';

export interface LifecycleCost {
  tasks: number;
  readUnitsPerTask: number;
  writeUnitsPerTask: number;
  writesPerTask: number;
  stateChangesPerTask: number;
  backendCallsPerTaskHour: number;
  lambdaMsPerTask: number;
  /** With limits: slot takes and give-backs per task (writes to the slot items, beside the task's own). */
  slotWritesPerTask: number;
  /** With limits: how many of the tasks waited for a slot. */
  waited: number;
  /** Tasks that had not ended when the run stopped (their figures are partial): 0 in a sound run. */
  unfinished: number;
}

/** A clock the test drives; sleep() advances it (the client's info retries then cost no real time). */
class VirtualClock {
  current = Date.parse('2026-11-21T00:00:00Z');
  now = () => this.current;
  sleep = async (ms: number) => {
    this.current += ms;
  };
}

/** limits: the target's concurrency limits; the tasks write to distinct tables, so only maxConcurrent makes them wait. */
export async function lifecycleCost(options: { tasks: number; runMinutes: number; limits?: TargetLimits }): Promise<LifecycleCost> {
  const clock = new VirtualClock();
  const dynamodbLocal = await startDynamoDbLocal();
  const share = (f: number) => Math.round(options.runMinutes * 60_000 * f);
  const master = await startLindormMaster({
    clock,
    stages: [
      { name: 'PREPARE', durationMs: share(0.05) },
      { name: 'BULKLOAD', durationMs: share(0.8) },
      { name: 'MERGE', durationMs: share(0.1) },
      { name: 'WAIT_FOR_SUCCESS', durationMs: share(0.05) },
    ],
  });
  const dynamodb = new DynamoDBClient({
    endpoint: dynamodbLocal.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    const tableName = `bench-cost-${Date.now()}`;
    await provisionTable(dynamodb, { tableName });
    const ledger = new CostLedger();
    const inner = new DynamoDbTaskStore({ client: dynamodb, tableName, ledger });
    const writes = new Map<string, number>();
    const count = (taskId: string) => writes.set(taskId, (writes.get(taskId) ?? 0) + 1);
    // Counts write operations per task, around the real store.
    const store: TaskStore & DynamoDbTaskStore = Object.assign(Object.create(inner) as DynamoDbTaskStore, {
      get: (id: string) => inner.get(id),
      createIfAbsent: async (t: Parameters<TaskStore['createIfAbsent']>[0]) => (count(t.taskId), inner.createIfAbsent(t)),
      replace: async (t: Parameters<TaskStore['replace']>[0]) => (count(t.taskId), inner.replace(t)),
      applyTransition: async (p: Parameters<TaskStore['applyTransition']>[0]) => {
        const applied = await inner.applyTransition(p);
        if (applied) count(p.taskId);
        return applied;
      },
      reschedule: async (t: Parameters<TaskStore['reschedule']>[0]) => (count(t.taskId), inner.reschedule(t)),
      markNotified: async (id: string, v: number) => (count(id), inner.markNotified(id, v)),
      queryActive: (...a: Parameters<TaskStore['queryActive']>) => inner.queryActive(...a),
      listPage: (...a: Parameters<TaskStore['listPage']>) => inner.listPage(...a),
      readShard: (...a: Parameters<DynamoDbTaskStore['readShard']>) => inner.readShard(...a),
      claimShard: (...a: Parameters<DynamoDbTaskStore['claimShard']>) => inner.claimShard(...a),
      saveShard: (...a: Parameters<DynamoDbTaskStore['saveShard']>) => inner.saveShard(...a),
    });
    let slotWrites = 0;
    const slotStore = new DynamoDbSlotStore({ client: dynamodb, tableName, ledger });
    const slots = options.limits && {
      acquire: (...a: Parameters<DynamoDbSlotStore['acquire']>) => {
        slotWrites++;
        return slotStore.acquire(...a);
      },
      release: (...a: Parameters<DynamoDbSlotStore['release']>) => {
        if (a[1].length) slotWrites++;
        return slotStore.release(...a);
      },
      holders: (id: string) => slotStore.holders(id),
    };
    const targetsEnv: Record<string, string> = options.limits
      ? (() => {
          const file = join(mkdtempSync(join(tmpdir(), 'bench-limits-')), 'targets.json');
          writeFileSync(file, JSON.stringify({ targets: { lindorm: { backend: 'lindorm-bulkload', url: master.url, ...options.limits } } }));
          return { TARGETS_FILE: file };
        })()
      : { BDS_MASTER_URL: master.url };
    const targets = targetsFromEnv(targetsEnv);
    const client = new LindormBulkloadClient({ baseUrl: master.url, clock });
    const backends = new BackendRegistry([metered(new LindormBulkloadBackend(client), noMetrics, ledger)]);
    const settings = { taskPolicy: defaultTaskPolicy, poll: defaultPollPolicy, retry: defaultRetryPolicy };
    const seed = lindormSeed;
    const ids = Array.from({ length: options.tasks }, (_, i) => `cost-${i}`);
    const taskIds = ids.map(taskIdFor);
    const body = (id: string, i: number) =>
      JSON.stringify({ requestId: id, ...seed, writerConfig: `{"namespace":"default","lindormTable":"t${i}","columns":["ROW||String"]}` });
    const records = ids.map((id, i) => ({ messageId: `m${i}`, body: body(id, i) }));
    const deps = { store, checkpoints: store, backends, clock, random: seededRandom(9), logger: silentLogger, ledger, settings };
    // Reads to watch progress must not count as the tasks' cost: a store without the ledger.
    const observer = new DynamoDbTaskStore({ client: dynamodb, tableName });
    // After each invocation, as in Lambda, the ledger is reset; what no write carried is kept aside here
    // (units and calls only: its time after the last write is not the task's) so the totals are whole.
    const leftover = new Map<string, { read: number; write: number; calls: number }>();
    const endInvocation = () => {
      for (const id of taskIds) {
        const rest = ledger.take(id);
        const sum = leftover.get(id) ?? { read: 0, write: 0, calls: 0 };
        leftover.set(id, { read: sum.read + rest.readUnits, write: sum.write + rest.writeUnits, calls: sum.calls + rest.backendCalls });
      }
      ledger.reset();
    };
    const submitDeps = {
      store,
      targets,
      backends,
      deadLetters: { send: async () => {} },
      clock,
      logger: silentLogger,
      ledger,
      ...(slots ? { slots } : {}),
      settings: { ...defaultSubmitSettings, taskPolicy: defaultTaskPolicy },
    };
    const submitAll = async (batch: typeof records) => {
      for (let i = 0; i < batch.length; i += 10) {
        await submitBatch(batch.slice(i, i + 10), { remainingMs: () => 60_000 }, submitDeps, 5);
        endInvocation();
      }
    };
    await submitAll(records);
    let waited = 0;
    for (const id of taskIds) if ((await observer.get(id))?.state === 'WAITING') waited++;
    // The poll function's second half: a freed slot sends the head of the line to the import queue again.
    const requeued: typeof records = [];
    const queue = {
      enqueue: async (messages: Array<{ body: string }>) =>
        void requeued.push(...messages.map((m, k) => ({ messageId: `r${requeued.length + k}`, body: m.body }))),
    };
    const done = new Set<string>();
    // A limited target runs its tasks in waves: as many more minutes as there are waves.
    const waves = options.limits?.maxConcurrent ? Math.ceil(taskIds.length / options.limits.maxConcurrent) : 1;
    for (let tick = 0; done.size < taskIds.length && tick < options.runMinutes * 3 * waves; tick++) {
      clock.current += 60_000;
      await pollTick(deps, { owner: `t${tick}`, remainingMs: () => 600_000, concurrencyPerTarget: 16, pageSize: 100 });
      endInvocation();
      for (const id of taskIds) {
        if (done.has(id)) continue;
        const task = await observer.get(id);
        if (task && isTerminal(task.state)) {
          done.add(id);
          // The notify function: the slots first, then the announcement (whose write carries their cost).
          await ledger.within(id, async () => {
            if (slots && task.slotScopes?.length) await slots.release(id, task.slotScopes);
            await announceTerminal(task, { store, publisher: { publish: async () => {} }, logger: silentLogger, ledger });
          });
          endInvocation();
        }
      }
      if (slots && options.limits) {
        await startWaitingTasks([{ name: 'lindorm', limits: options.limits }], { store, slots, queue, clock, logger: silentLogger });
        endInvocation();
        await submitAll(requeued.splice(0));
      }
    }
    let read = 0;
    let write = 0;
    let calls = 0;
    let lambdaMs = 0;
    let changes = 0;
    let taskMs = 0;
    for (const id of taskIds) {
      const task = (await observer.get(id))!;
      const cost = task.cost!;
      const rest = leftover.get(id)!;
      read += cost.readUnits + rest.read;
      write += cost.writeUnits + rest.write;
      calls += cost.backendCalls + rest.calls;
      lambdaMs += cost.lambdaMs;
      changes += task.history.length; // every entry is a write of a new state, the first one included
      taskMs += (task.finishedAt ?? clock.now()) - task.createdAt;
    }
    const totalWrites = [...writes.values()].reduce((a, b) => a + b, 0);
    await backends.close();
    return {
      tasks: taskIds.length,
      readUnitsPerTask: read / taskIds.length,
      writeUnitsPerTask: write / taskIds.length,
      writesPerTask: totalWrites / taskIds.length,
      stateChangesPerTask: changes / taskIds.length,
      backendCallsPerTaskHour: calls / (taskMs / 3_600_000),
      lambdaMsPerTask: lambdaMs / taskIds.length,
      slotWritesPerTask: slotWrites / taskIds.length,
      waited,
      unfinished: taskIds.length - done.size,
    };
  } finally {
    await master.close();
    await dynamodbLocal.stop();
  }
}

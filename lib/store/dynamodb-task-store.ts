import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { addCost, type CostLedger, zeroCost } from '../cost/cost-ledger.ts';
import { type HistoryEntry, historyPageOf, type Task, type TransitionPatch } from '../task/task.ts';
import { emptyCheckpoint, type IndexedTask, type ShardCheckpoint } from '../tracking/poll-schedule.ts';
import type { CursorStore } from '../triggers/cron-tick.ts';
import { TaskIndexReader } from './task-queries.ts';
import { type PollCheckpointStore, type TaskPage, type TaskQuery, type TaskStore, TaskVersionConflictError } from './task-store.ts';

/** The table's sparse index of due, active tasks; the table itself is defined once, in serverless.yml. */
export const dueIndexName = 'due-active';
/** Checkpoint and cursor items share the table; their keys cannot collide with task ids (`t-<hex>`). */
const shardPrefix = 'poll-shard#';
/** A task's history pages: the entries moved out of its item, in order (`history#<taskId>#<page>`). */
const historyPrefix = 'history#';
const cursorPrefix = 'cursor#';

// Named condition parts, as in Powertools' idempotency store.
const taskDoesNotExist = 'attribute_not_exists(taskId)';
const versionIs = '#version = :expected';

export class DynamoDbTaskStore implements TaskStore, PollCheckpointStore, CursorStore {
  readonly #client: DynamoDBClient;
  readonly #table: string;
  readonly #ledger: CostLedger | undefined;
  /** Units are asked for only when a ledger records them: DynamoDB Local takes markedly longer to answer with them. */
  readonly #capacity: 'TOTAL' | 'NONE';
  readonly #reader: TaskIndexReader;

  /** With a ledger, every task write also stores what the task consumed since its previous write. */
  constructor(options: { client: DynamoDBClient; tableName: string; ledger?: CostLedger }) {
    this.#client = options.client;
    this.#table = options.tableName;
    this.#ledger = options.ledger;
    this.#capacity = options.ledger ? 'TOTAL' : 'NONE';
    this.#reader = new TaskIndexReader(options.client, options.tableName);
  }

  async get(taskId: string): Promise<Task | undefined> {
    const out = await this.#client.send(
      new GetItemCommand({ TableName: this.#table, Key: { taskId: { S: taskId } }, ConsistentRead: true, ReturnConsumedCapacity: this.#capacity }),
    );
    this.#ledger?.addCapacity(taskId, out.ConsumedCapacity?.CapacityUnits ?? 0, 0);
    return out.Item ? (unmarshall(out.Item) as Task) : undefined;
  }

  async createIfAbsent(task: Task): Promise<{ created: true } | { created: false; existing: Task }> {
    try {
      await this.#put(task, taskDoesNotExist, {}, {});
      return { created: true };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException && error.Item) return { created: false, existing: unmarshall(error.Item) as Task };
      throw error;
    }
  }

  async replace(task: Task): Promise<void> {
    const expected = task.version - 1;
    if (task.historyMoved?.length) return this.#replaceMovingHistory(task, expected);
    try {
      await this.#put(task, versionIs, { '#version': 'version' }, { ':expected': { N: String(expected) } });
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        throw new TaskVersionConflictError(task.taskId, expected, error.Item ? (unmarshall(error.Item) as Task) : undefined);
      }
      throw error;
    }
  }

  /**
   * A replace that moves history entries out of the item: the entries join their pages and the task is
   * written in one transaction, so a lost race moves nothing. Only tasks past the item's history limit
   * pay for it (a second item in the write).
   */
  async #replaceMovingHistory(task: Task, expected: number): Promise<void> {
    const moved = task.historyMoved!;
    this.#costOf(task);
    const { historyMoved: _, ...stored } = task;
    const firstIndex = (task.historyDropped ?? moved.length) - moved.length;
    const pages = new Map<number, HistoryEntry[]>();
    moved.forEach((entry, i) => {
      const page = historyPageOf(firstIndex + i);
      pages.set(page, [...(pages.get(page) ?? []), entry]);
    });
    try {
      await this.#client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            ...[...pages].map(([page, entries]) => ({
              Update: {
                TableName: this.#table,
                Key: { taskId: { S: `${historyPrefix}${task.taskId}#${page}` } },
                UpdateExpression: 'SET entries = list_append(if_not_exists(entries, :none), :entries)',
                ExpressionAttributeValues: {
                  ':none': { L: [] },
                  ':entries': { L: entries.map((e) => ({ M: marshall(e, { removeUndefinedValues: true }) })) },
                },
              },
            })),
            {
              Put: {
                TableName: this.#table,
                Item: marshall(stored, { removeUndefinedValues: true, convertTopLevelContainer: false }),
                ConditionExpression: versionIs,
                ExpressionAttributeNames: { '#version': 'version' },
                ExpressionAttributeValues: { ':expected': { N: String(expected) } },
              },
            },
          ],
        }),
      );
    } catch (error) {
      const reasons = (error as { CancellationReasons?: Array<{ Code?: string }> }).CancellationReasons;
      if (error instanceof TransactionCanceledException && reasons?.at(-1)?.Code === 'ConditionalCheckFailed')
        throw new TaskVersionConflictError(task.taskId, expected, await this.get(task.taskId));
      throw error;
    }
  }

  /** A task's whole history: the first entry, the entries moved to its pages, then the rest of the item's. */
  async fullHistory(task: Task): Promise<HistoryEntry[]> {
    const moved = task.historyDropped ?? 0;
    if (moved === 0) return task.history;
    const pageCount = historyPageOf(moved - 1);
    const entries: HistoryEntry[] = [];
    for (let page = 1; page <= pageCount; page++) {
      const out = await this.#client.send(
        new GetItemCommand({ TableName: this.#table, Key: { taskId: { S: `${historyPrefix}${task.taskId}#${page}` } }, ConsistentRead: true }),
      );
      entries.push(...(((out.Item ? unmarshall(out.Item) : {}) as { entries?: HistoryEntry[] }).entries ?? []));
    }
    return [task.history[0]!, ...entries, ...task.history.slice(1)];
  }

  /** Gives a task's history pages the task's own expiry (called once the task has ended and has one). */
  async expireHistory(task: Task): Promise<void> {
    const moved = task.historyDropped ?? 0;
    if (moved === 0 || task.expiresAt === undefined) return;
    for (let page = 1; page <= historyPageOf(moved - 1); page++) {
      await this.#client
        .send(
          new UpdateItemCommand({
            TableName: this.#table,
            Key: { taskId: { S: `${historyPrefix}${task.taskId}#${page}` } },
            UpdateExpression: 'SET expiresAt = :at',
            ConditionExpression: 'attribute_exists(entries)',
            ExpressionAttributeValues: { ':at': { N: String(task.expiresAt) } },
          }),
        )
        .catch((error: unknown) => {
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
        });
    }
  }

  async applyTransition(patch: TransitionPatch): Promise<boolean> {
    const names: Record<string, string> = { '#version': 'version', '#history': 'history' };
    const values: Record<string, AttributeValue> = {
      ':expected': { N: String(patch.expectedVersion) },
      ':entry': { L: [{ M: marshall(patch.historyEntry, { removeUndefinedValues: true }) }] },
      ':limit': { N: String(patch.historyLimit) },
    };
    const sets = ['#history = list_append(#history, :entry)'];
    Object.entries(patch.set).forEach(([key, value], i) => {
      names[`#s${i}`] = key;
      values[`:s${i}`] = marshall({ v: value }, { removeUndefinedValues: true, convertClassInstanceToMap: true }).v!;
      sets.push(`#s${i} = :s${i}`);
    });
    const removes = patch.remove.map((key, i) => {
      names[`#r${i}`] = key;
      return `#r${i}`;
    });
    // What the task consumed since its last write joins its recorded cost, as with every write.
    const cost = this.#ledger?.take(patch.taskId);
    if (cost) {
      values[':cr'] = { N: String(cost.readUnits) };
      values[':cw'] = { N: String(cost.writeUnits) };
      values[':cb'] = { N: String(cost.backendCalls) };
      values[':cl'] = { N: String(Math.round(cost.lambdaMs)) };
    }
    try {
      const out = await this.#client.send(
        new UpdateItemCommand({
          TableName: this.#table,
          Key: { taskId: { S: patch.taskId } },
          UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}${cost ? ' ADD cost.readUnits :cr, cost.writeUnits :cw, cost.backendCalls :cb, cost.lambdaMs :cl' : ''}`,
          ConditionExpression: `#version = :expected AND size(#history) < :limit${cost ? ' AND attribute_exists(cost)' : ''}`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnConsumedCapacity: this.#capacity,
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      this.#ledger?.addCapacity(patch.taskId, 0, out.ConsumedCapacity?.CapacityUnits ?? 0);
      return true;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // Not written: what was taken from the ledger goes back with the next write.
      if (cost) this.#ledger?.restore(patch.taskId, cost);
      const current = error.Item ? (unmarshall(error.Item) as Task) : undefined;
      if (current && current.version === patch.expectedVersion) return false; // history full (or no cost map)
      throw new TaskVersionConflictError(patch.taskId, patch.expectedVersion, current);
    }
  }

  async reschedule(task: Task): Promise<boolean> {
    if (task.dueAt === undefined) throw new Error(`task ${task.taskId}: reschedule needs a due time`);
    const cost = this.#costOf(task);
    try {
      const out = await this.#client.send(
        new UpdateItemCommand({
          TableName: this.#table,
          Key: { taskId: { S: task.taskId } },
          UpdateExpression: 'SET dueAt = :due, #poll = :poll, cost = :cost',
          ReturnConsumedCapacity: this.#capacity,
          ConditionExpression: '#version = :version AND #state = :state',
          ExpressionAttributeNames: { '#version': 'version', '#state': 'state', '#poll': 'poll' },
          ExpressionAttributeValues: {
            ':due': { N: String(task.dueAt) },
            ':poll': { M: marshall(task.poll ?? { checks: 0, failures: 0, notFound: 0 }, { removeUndefinedValues: true }) },
            ':cost': { M: marshall(cost) },
            ':version': { N: String(task.version) },
            ':state': { S: task.state },
          },
        }),
      );
      this.#ledger?.addCapacity(task.taskId, 0, out.ConsumedCapacity?.CapacityUnits ?? 0);
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async *queryActive(shard: number, now: number, pageSize: number): AsyncIterable<IndexedTask[]> {
    let start: Record<string, AttributeValue> | undefined;
    do {
      const out = await this.#client.send(
        new QueryCommand({
          TableName: this.#table,
          IndexName: dueIndexName,
          KeyConditionExpression: 'dueShard = :shard AND dueAt <= :now',
          ExpressionAttributeValues: { ':shard': { N: String(shard) }, ':now': { N: String(now) } },
          Limit: pageSize,
          ReturnConsumedCapacity: this.#capacity,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      const tasks = (out.Items ?? []).map((item) => unmarshall(item) as IndexedTask);
      // One page read serves many tasks: each carries its share.
      for (const task of tasks) this.#ledger?.addCapacity(task.taskId, (out.ConsumedCapacity?.CapacityUnits ?? 0) / tasks.length, 0);
      start = out.LastEvaluatedKey;
      yield tasks;
    } while (start);
  }

  async markNotified(taskId: string, version: number): Promise<boolean> {
    // The announcement's own reads and time join the task's cost here (the map exists: every write sets it).
    const cost = this.#ledger?.take(taskId) ?? zeroCost;
    try {
      await this.#client.send(
        new UpdateItemCommand({
          TableName: this.#table,
          Key: { taskId: { S: taskId } },
          UpdateExpression: 'SET notifiedVersion = :v ADD cost.readUnits :r, cost.writeUnits :w, cost.backendCalls :b, cost.lambdaMs :l',
          ConditionExpression: '#version = :v AND (attribute_not_exists(notifiedVersion) OR notifiedVersion < :v) AND attribute_exists(cost)',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: {
            ':v': { N: String(version) },
            ':r': { N: String(cost.readUnits) },
            ':w': { N: String(cost.writeUnits) },
            ':b': { N: String(cost.backendCalls) },
            ':l': { N: String(Math.round(cost.lambdaMs)) },
          },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  listPage(query: TaskQuery, limit: number, page: number): Promise<TaskPage> {
    return this.#reader.page(query, limit, page);
  }

  findByRemoteId(remoteId: string): Promise<Task[]> {
    return this.#reader.byRemoteId(remoteId);
  }

  findBySourceFile(key: string, bucket?: string): Promise<Task[]> {
    return this.#reader.bySourceFile(key, bucket);
  }

  /** Every task of the table: a scan, for tests and one-off maintenance only (no command uses it). */
  async scanAll(): Promise<Task[]> {
    const tasks: Task[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const out = await this.#client.send(
        new ScanCommand({
          TableName: this.#table,
          FilterExpression: 'attribute_exists(#state)',
          ExpressionAttributeNames: { '#state': 'state' },
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of out.Items ?? []) tasks.push(unmarshall(item) as Task);
      start = out.LastEvaluatedKey;
    } while (start);
    return tasks;
  }

  async claimShard(shard: number, owner: string, now: number, leaseUntil: number): Promise<ShardCheckpoint | undefined> {
    try {
      const out = await this.#client.send(
        new UpdateItemCommand({
          TableName: this.#table,
          Key: { taskId: { S: `${shardPrefix}${shard}` } },
          UpdateExpression: 'SET #owner = :owner, leaseUntil = :until',
          ConditionExpression: 'attribute_not_exists(leaseUntil) OR leaseUntil < :now',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':owner': { S: owner }, ':until': { N: String(leaseUntil) }, ':now': { N: String(now) } },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return checkpointOf(out.Attributes);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  async saveShard(shard: number, owner: string, checkpoint: ShardCheckpoint): Promise<boolean> {
    try {
      await this.#client.send(
        new UpdateItemCommand({
          TableName: this.#table,
          Key: { taskId: { S: `${shardPrefix}${shard}` } },
          UpdateExpression: `SET nearEnd = :nearEnd, failing = :failing, pending = :pending, runs = :runs, profiles = :profiles${checkpoint.checkedThrough === undefined ? '' : ', checkedThrough = :through'}${checkpoint.readThrough === undefined ? '' : ', readThrough = :read'} REMOVE #owner, leaseUntil`,
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: {
            ':owner': { S: owner },
            ':nearEnd': { M: marshall(checkpoint.nearEnd) },
            ':failing': { M: marshall(checkpoint.failing) },
            ':pending': { M: marshall(checkpoint.pending) },
            // JSON, not a map: hundreds of small entries cost less as one string than as typed attributes.
            ':runs': { S: JSON.stringify(checkpoint.runs ?? {}) },
            ':profiles': { S: JSON.stringify(checkpoint.profiles ?? {}) },
            ...(checkpoint.checkedThrough === undefined ? {} : { ':through': { N: String(checkpoint.checkedThrough) } }),
            ...(checkpoint.readThrough === undefined ? {} : { ':read': { N: String(checkpoint.readThrough) } }),
          },
        }),
      );
      return true;
    } catch (error) {
      // The lease expired and another poller took the shard: its checkpoint wins.
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async readShard(shard: number): Promise<ShardCheckpoint> {
    const out = await this.#client.send(new GetItemCommand({ TableName: this.#table, Key: { taskId: { S: `${shardPrefix}${shard}` } } }));
    return checkpointOf(out.Item);
  }

  async getCursor(name: string): Promise<number | undefined> {
    const out = await this.#client.send(new GetItemCommand({ TableName: this.#table, Key: { taskId: { S: cursorPrefix + name } }, ConsistentRead: true }));
    return out.Item?.position?.N === undefined ? undefined : Number(out.Item.position.N);
  }

  async moveCursor(name: string, from: number | undefined, to: number): Promise<boolean> {
    try {
      await this.#client.send(
        new PutItemCommand({
          TableName: this.#table,
          Item: { taskId: { S: cursorPrefix + name }, position: { N: String(to) } },
          ConditionExpression: from === undefined ? 'attribute_not_exists(taskId)' : '#position = :from',
          ...(from === undefined ? {} : { ExpressionAttributeNames: { '#position': 'position' }, ExpressionAttributeValues: { ':from': { N: String(from) } } }),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /**
   * The cost to store with this write: what the task carried plus what it consumed since. The task object
   * is updated too, so a task derived from it later in the same invocation builds on the stored value.
   */
  #costOf(task: Task) {
    task.cost = addCost(task.cost, this.#ledger?.take(task.taskId) ?? zeroCost);
    return task.cost;
  }

  async #put(task: Task, condition: string, names: Record<string, string>, values: Record<string, { N: string }>): Promise<void> {
    this.#costOf(task);
    const out = await this.#client.send(
      new PutItemCommand({
        TableName: this.#table,
        ReturnConsumedCapacity: this.#capacity,
        Item: marshall({ ...task, historyMoved: undefined }, { removeUndefinedValues: true, convertTopLevelContainer: false }),
        ConditionExpression: condition,
        ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
        ...(Object.keys(values).length ? { ExpressionAttributeValues: values } : {}),
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    this.#ledger?.addCapacity(task.taskId, 0, out.ConsumedCapacity?.CapacityUnits ?? 0);
  }
}

function checkpointOf(item: Record<string, AttributeValue> | undefined): ShardCheckpoint {
  if (!item) return emptyCheckpoint();
  const stored = unmarshall(item) as Partial<Omit<ShardCheckpoint, 'runs' | 'profiles'>> & { runs?: string; profiles?: string };
  return {
    runs: stored.runs ? (JSON.parse(stored.runs) as NonNullable<ShardCheckpoint['runs']>) : {},
    profiles: stored.profiles ? (JSON.parse(stored.profiles) as NonNullable<ShardCheckpoint['profiles']>) : {},
    ...(stored.checkedThrough === undefined ? {} : { checkedThrough: stored.checkedThrough }),
    ...(stored.readThrough === undefined ? {} : { readThrough: stored.readThrough }),
    nearEnd: stored.nearEnd ?? {},
    failing: stored.failing ?? {},
    pending: stored.pending ?? {},
  };
}

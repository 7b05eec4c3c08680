import { type AttributeValue, BatchGetItemCommand, type BatchGetItemCommandOutput, type DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { taskStates } from '../task/states.ts';
import type { Task } from '../task/task.ts';
import type { TaskPage, TaskQuery } from './task-store.ts';

/** The operators' indexes (serverless.yml): newest first within a state or a target; a job id; a file. */
export const operatorIndexes = { byState: 'by-state', byTarget: 'by-target', byRemoteId: 'by-remote-id', bySourceFile: 'by-source-file' } as const;

/** Index entries read per query page: enough for a page of the CLI, small enough to stop early. */
const indexPageSize = 100;
/** BatchGetItem's own limit. */
const batchGetLimit = 100;

interface IndexEntry {
  taskId: string;
  createdAt: number;
}

/**
 * The CLI's reads, each a query on an index made for it: a page of `list` costs what the page and the
 * pages before it hold, whatever the table's size, and a task found by its job id or its file one query
 * and one read.
 */
export class TaskIndexReader {
  readonly #client: DynamoDBClient;
  readonly #table: string;

  constructor(client: DynamoDBClient, table: string) {
    this.#client = client;
    this.#table = table;
  }

  /**
   * A page of tasks, newest first: one query per state asked for (every state when none is), merged by
   * creation time, the target a filter; a target alone reads its own index. The target index holds no
   * state, so a task's state changes cost it nothing.
   */
  async page(query: TaskQuery, limit: number, page: number): Promise<TaskPage> {
    const filter = filterOf(query);
    const states = query.states?.length ? [...new Set(query.states)] : [...taskStates];
    const streams =
      query.target && !query.states?.length
        ? [this.#entries(operatorIndexes.byTarget, 'target', query.target, filter)]
        : states.map((state) => this.#entries(operatorIndexes.byState, 'state', state, filter));
    const wanted = (page - 1) * limit + limit + 1;
    const entries = await mergeNewestFirst(streams, wanted);
    const shown = entries.slice((page - 1) * limit, page * limit);
    return { tasks: await this.#read(shown), more: entries.length > page * limit };
  }

  /** Tasks whose job has this id, as the backend shows it. */
  async byRemoteId(remoteId: string): Promise<Task[]> {
    return this.#read(await collect(this.#entries(operatorIndexes.byRemoteId, 'remoteId', remoteId, noFilter), 100));
  }

  /** Tasks started by this file (its key in the bucket), newest first; `bucket` narrows it to one bucket. */
  async bySourceFile(key: string, bucket?: string): Promise<Task[]> {
    const tasks = await this.#read(await collect(this.#entries(operatorIndexes.bySourceFile, 'sourceFile', key, noFilter), 100));
    return tasks.filter((t) => bucket === undefined || t.sourceBucket === bucket).sort((a, b) => b.createdAt - a.createdAt);
  }

  async *#entries(index: string, key: string, value: string, filter: Filter): AsyncGenerator<IndexEntry> {
    let start: Record<string, AttributeValue> | undefined;
    do {
      const out = await this.#client.send(
        new QueryCommand({
          TableName: this.#table,
          IndexName: index,
          KeyConditionExpression: '#k = :k',
          ScanIndexForward: false,
          Limit: indexPageSize,
          ReturnConsumedCapacity: 'TOTAL',
          ...(filter.expression ? { FilterExpression: filter.expression } : {}),
          ExpressionAttributeNames: { '#k': key, ...filter.names },
          ExpressionAttributeValues: { ':k': { S: value }, ...filter.values },
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of out.Items ?? []) yield unmarshall(item) as IndexEntry;
      start = out.LastEvaluatedKey;
    } while (start);
  }

  /**
   * The whole items of these entries, in their order (one that vanished meanwhile is left out). Eventually
   * consistent, at half the price: the index that named them is never fresher than that.
   */
  async #read(entries: readonly IndexEntry[]): Promise<Task[]> {
    const found = new Map<string, Task>();
    for (let i = 0; i < entries.length; i += batchGetLimit) {
      let keys: Record<string, AttributeValue>[] | undefined = entries.slice(i, i + batchGetLimit).map((e) => ({ taskId: { S: e.taskId } }));
      for (let round = 0; keys?.length; round++) {
        const out: BatchGetItemCommandOutput = await this.#client.send(
          new BatchGetItemCommand({ RequestItems: { [this.#table]: { Keys: keys } }, ReturnConsumedCapacity: 'TOTAL' }),
        );
        for (const item of out.Responses?.[this.#table] ?? []) {
          const task = unmarshall(item) as Task;
          found.set(task.taskId, task);
        }
        keys = out.UnprocessedKeys?.[this.#table]?.Keys;
        if (keys?.length && round >= 8) throw new Error(`the tasks table kept ${keys.length} reads unprocessed (throttled): try again`);
        if (keys?.length) await new Promise((r) => setTimeout(r, 50 * 2 ** round));
      }
    }
    return entries.flatMap((e) => found.get(e.taskId) ?? []);
  }
}

interface Filter {
  expression?: string;
  names: Record<string, string>;
  values: Record<string, AttributeValue>;
}

const noFilter: Filter = { names: {}, values: {} };

/** The query's filters on the projected attributes both list indexes hold (target, backend, summary, deletedAt). */
function filterOf(query: TaskQuery): Filter {
  const parts: string[] = [];
  const names: Record<string, string> = {};
  const values: Record<string, AttributeValue> = {};
  if (!query.includeDeleted) parts.push('attribute_not_exists(deletedAt)');
  if (query.backend) {
    parts.push('backend = :backend');
    values[':backend'] = { S: query.backend };
  }
  if (query.destination) {
    parts.push('summary.destination = :destination');
    values[':destination'] = { S: query.destination };
  }
  if (query.target && query.states?.length) {
    parts.push('#target = :target');
    names['#target'] = 'target';
    values[':target'] = { S: query.target };
  }
  return { ...(parts.length ? { expression: parts.join(' AND ') } : {}), names, values };
}

async function collect(entries: AsyncGenerator<IndexEntry>, most: number): Promise<IndexEntry[]> {
  const out: IndexEntry[] = [];
  for await (const entry of entries) {
    out.push(entry);
    if (out.length >= most) break;
  }
  return out;
}

/** The first `wanted` entries of several newest-first streams, newest first, reading each only as far as needed. */
async function mergeNewestFirst(streams: AsyncGenerator<IndexEntry>[], wanted: number): Promise<IndexEntry[]> {
  const heads = await Promise.all(streams.map((s) => s.next()));
  const out: IndexEntry[] = [];
  while (out.length < wanted) {
    let best = -1;
    heads.forEach((h, i) => {
      if (!h.done && (best < 0 || h.value.createdAt > (heads[best]!.value as IndexEntry).createdAt)) best = i;
    });
    if (best < 0) break;
    out.push(heads[best]!.value as IndexEntry);
    heads[best] = await streams[best]!.next();
  }
  await Promise.all(streams.map((s) => s.return(undefined)));
  return out;
}

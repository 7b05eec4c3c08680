// A task's whole history on DynamoDB Local: entries past the item's limit move to history pages in the same
// write (a transaction only then), nothing is lost, `bulkpilot history` reads them all in order, and the
// pages get the task's expiry when it ends.
import { GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbTaskStore } from '../../lib/store/dynamodb-task-store.ts';
import { newTask, type Task, type TaskPolicy, taskIdFor, transition } from '../../lib/task/task.ts';
import { runCliCaptured } from '../support/cli.ts';
import { createTestAws, type TestAws } from '../support/stack.ts';

let aws: TestAws;
let store: DynamoDbTaskStore;
const policy: TaskPolicy = { historyLimit: 6, shards: 4, retentionDays: 30 };
const t0 = Date.parse('2026-12-01T08:00:00Z');

beforeAll(async () => {
  aws = await createTestAws();
  Object.assign(process.env, aws.env);
  store = new DynamoDbTaskStore({ client: aws.dynamodb, tableName: aws.tableName });
});

/** Runs a task through `rounds` failed runs and retries (3 transitions each), writing every step. */
async function churn(requestId: string, rounds: number): Promise<Task> {
  let task = newTask(
    {
      taskId: taskIdFor(requestId),
      requestId,
      requestIdSource: 'client',
      target: 'lindorm',
      backend: 'lindorm-bulkload',
      state: 'RUNNING',
      createdAt: t0,
      summary: {},
    },
    'seeded running',
    policy,
  );
  await store.createIfAbsent(task);
  let now = t0;
  for (let r = 0; r < rounds; r++) {
    for (const to of ['FAILED', 'RETRY_WAIT', 'RUNNING'] as const) {
      now += 1000;
      task = transition(task, { to, reason: `round ${r}: ${to}`, now, policy });
      await store.replace(task);
    }
  }
  return (await store.get(task.taskId))!;
}

describe('a history longer than the item keeps', () => {
  it('keeps every transition, in order, across pages; the item stays at its limit', async () => {
    const task = await churn('history-long', 20);
    expect(task.history).toHaveLength(6);
    expect(task.historyDropped).toBe(61 - 6);
    expect(task).not.toHaveProperty('historyMoved');
    const all = await store.fullHistory(task);
    expect(all).toHaveLength(61);
    expect(all[0]!.reason).toBe('seeded running');
    expect(all.slice(1).map((e) => e.reason)).toEqual(
      Array.from({ length: 20 }, (_, r) => ['FAILED', 'RETRY_WAIT', 'RUNNING'].map((s) => `round ${r}: ${s}`)).flat(),
    );
    // 55 moved entries: pages of 25.
    const pages = await aws.dynamodb.send(
      new ScanCommand({
        TableName: aws.tableName,
        FilterExpression: 'begins_with(taskId, :p)',
        ExpressionAttributeValues: { ':p': { S: `history#${task.taskId}#` } },
      }),
    );
    expect(pages.Items?.map((i) => i.entries!.L!.length).sort()).toEqual([25, 25, 5].sort());
  });

  it('writes no page for a task whose history fits', async () => {
    const task = await churn('history-short', 1);
    expect(task.historyDropped).toBeUndefined();
    const page = await aws.dynamodb.send(new GetItemCommand({ TableName: aws.tableName, Key: { taskId: { S: `history#${task.taskId}#1` } } }));
    expect(page.Item).toBeUndefined();
    expect(await store.fullHistory(task)).toHaveLength(4);
  });

  it('moves nothing when the write loses a race', async () => {
    const task = await churn('history-race', 2);
    const a = transition(task, { to: 'FAILED', reason: 'writer a', now: t0 + 99_000, policy });
    const b = transition(task, { to: 'ABORTING', reason: 'writer b', now: t0 + 99_000, policy });
    await store.replace(a);
    await expect(store.replace(b)).rejects.toThrow(/expected version/);
    const all = await store.fullHistory((await store.get(task.taskId))!);
    expect(all.filter((e) => e.reason === 'writer b')).toEqual([]);
    expect(all.at(-1)!.reason).toBe('writer a');
    expect(new Set(all.map((e) => `${e.at} ${e.reason}`)).size).toBe(all.length);
  });

  it('bulkpilot history prints them all (and --json), and the pages expire with the task', async () => {
    let task = await churn('history-cli', 5);
    const out = await runCliCaptured(['history', 'history-cli'], { env: { ...aws.env }, now: () => t0 });
    expect(out.code).toBe(0);
    expect(out.out.split('\n')).toHaveLength(1 + 16);
    const json = JSON.parse((await runCliCaptured(['history', task.taskId, '--json'], { env: { ...aws.env }, now: () => t0 })).out);
    expect(json.entries).toHaveLength(16);
    expect((await runCliCaptured(['status', task.taskId], { env: { ...aws.env }, now: () => t0 })).out).toContain(
      `older entries: bulkpilot history ${task.taskId}`,
    );
    task = transition(task, { to: 'ABORTING', reason: 'stop', now: t0 + 50_000, policy });
    await store.replace(task);
    task = transition(task, { to: 'ABORTED', reason: 'stopped', now: t0 + 51_000, policy });
    await store.replace(task);
    await store.expireHistory((await store.get(task.taskId))!);
    const page = await aws.dynamodb.send(new GetItemCommand({ TableName: aws.tableName, Key: { taskId: { S: `history#${task.taskId}#1` } } }));
    expect(Number(page.Item!.expiresAt!.N)).toBe((await store.get(task.taskId))!.expiresAt);
  });
});

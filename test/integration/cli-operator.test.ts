// The CLI as an on-call operator uses it at scale, on DynamoDB Local and fauxqs: reads that are queries
// (counted on the wire), a submit that says what the message will do, dead letters, exit codes and
// JSON errors, a timeout against an endpoint that never answers, and the displays that used to lie.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbTaskStore } from '../../lib/store/dynamodb-task-store.ts';
import type { TaskState } from '../../lib/task/states.ts';
import { defaultTaskPolicy, newTask, type Task, taskIdFor } from '../../lib/task/task.ts';
import { type AwsCallRecorder, startAwsCallRecorder } from '../support/aws-call-recorder.ts';
import { runCliCaptured } from '../support/cli.ts';
import { seedRequest } from '../support/seed-request.ts';
import { createTestAws, receiveAll, type TestAws } from '../support/stack.ts';

let aws: TestAws;
let store: DynamoDbTaskStore;
let recorder: AwsCallRecorder;
const t0 = Date.parse('2026-12-01T08:00:00Z');
const now = t0 + 3_600_000;
const states: TaskState[] = ['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED', 'RUNNING', 'FAILED_FINAL', 'REJECTED', 'UNCERTAIN', 'RETRY_WAIT'];
const seeded: Task[] = [];

function task(i: number, state: TaskState, extra: Partial<Task> = {}): Task {
  const requestId = `op-${String(i).padStart(4, '0')}`;
  return newTask(
    {
      taskId: taskIdFor(requestId),
      requestId,
      requestIdSource: 'client',
      target: i % 3 === 0 ? 'nightly' : 'lindorm',
      backend: 'lindorm-bulkload',
      state,
      createdAt: t0 + i * 1000,
      summary: { source: 'oss', destination: `ld/default:table_${i % 5}` },
      remoteId: `proc-${i}`,
      ...(['SUCCEEDED', 'FAILED_FINAL', 'REJECTED'].includes(state) ? { finishedAt: t0 + i * 1000 + 60_000 } : {}),
      ...extra,
    },
    'seeded',
    defaultTaskPolicy,
  );
}

beforeAll(async () => {
  aws = await createTestAws();
  store = new DynamoDbTaskStore({ client: aws.dynamodb, tableName: aws.tableName });
  for (let i = 0; i < 240; i++) {
    const t = task(i, states[i % states.length]!, i === 7 ? { sourceFile: 'incoming/sales/day 1.csv', sourceBucket: 'landing' } : {});
    seeded.push(t);
    await store.createIfAbsent(t);
  }
  recorder = await startAwsCallRecorder(aws.env.AWS_ENDPOINT_URL_DYNAMODB!);
  // The SDK reads its region and endpoints from the process, as in a shell; DynamoDB goes through the recorder.
  Object.assign(process.env, aws.env, { AWS_ENDPOINT_URL_DYNAMODB: recorder.url });
});
afterAll(async () => {
  await recorder.close();
});

const env = () => ({ ...aws.env, AWS_ENDPOINT_URL_DYNAMODB: recorder.url, BDS_MASTER_URL: 'http://127.0.0.1:9' });
const cli = (args: string[], extra: Record<string, string | undefined> = {}) => runCliCaptured(args, { env: { ...env(), ...extra }, now: () => now });
const newestFirst = (tasks: Task[]) => [...tasks].sort((a, b) => b.createdAt - a.createdAt).map((t) => t.taskId);

describe('the CLI reads with queries on indexes made for them, never a scan', () => {
  it('list --limit 50: the 50 newest tasks, from a few queries and one batch read', async () => {
    recorder.reset();
    const out = JSON.parse((await cli(['list', '--limit', '50', '--json'])).out) as { tasks: Task[]; more: boolean };
    expect(out.tasks.map((t) => t.taskId)).toEqual(newestFirst(seeded).slice(0, 50));
    expect(out.more).toBe(true);
    expect(recorder.operations()).not.toContain('Scan');
    expect(new Set(recorder.operations())).toEqual(new Set(['Query', 'BatchGetItem']));
  });

  it('pages for real: page 3 is the tasks after page 2, and the last page says no more', async () => {
    const page = async (p: number) =>
      JSON.parse((await cli(['list', '--limit', '100', '--page', String(p), '--json'])).out) as { tasks: Task[]; more: boolean };
    const all = [...(await page(1)).tasks, ...(await page(2)).tasks, ...(await page(3)).tasks].map((t) => t.taskId);
    expect(all).toEqual(newestFirst(seeded));
    expect((await page(3)).more).toBe(false);
  });

  it('filters by state, by target, by both, and by destination, each from its index', async () => {
    recorder.reset();
    const list = async (...args: string[]) =>
      (JSON.parse((await cli(['list', '--limit', '100', ...args, '--json'])).out) as { tasks: Task[] }).tasks.map((t) => t.taskId);
    expect(await list('--state', 'FAILED_FINAL,UNCERTAIN')).toEqual(newestFirst(seeded.filter((t) => ['FAILED_FINAL', 'UNCERTAIN'].includes(t.state))));
    expect(await list('--target', 'nightly')).toEqual(newestFirst(seeded.filter((t) => t.target === 'nightly')).slice(0, 100));
    expect(await list('--target', 'nightly', '--state', 'RUNNING')).toEqual(newestFirst(seeded.filter((t) => t.target === 'nightly' && t.state === 'RUNNING')));
    expect(await list('--destination', 'ld/default:table_2', '--state', 'SUCCEEDED')).toEqual(
      newestFirst(seeded.filter((t) => t.summary.destination === 'ld/default:table_2' && t.state === 'SUCCEEDED')),
    );
    expect(recorder.operations()).not.toContain('Scan');
  });

  it('status finds a task by its job id and by the S3 key (or s3:// URL) of its file, with queries', async () => {
    recorder.reset();
    const byJob = await cli(['status', 'proc-123']);
    expect(byJob.out).toMatch(new RegExp(`^task +${seeded[123]!.taskId}$`, 'm'));
    for (const id of ['incoming/sales/day 1.csv', 's3://landing/incoming/sales/day 1.csv']) {
      const byFile = await cli(['status', id]);
      expect(byFile.code).toBe(0);
      expect(byFile.out).toMatch(new RegExp(`^task +${seeded[7]!.taskId}$`, 'm'));
      expect(byFile.out).toMatch(/^file +s3:\/\/landing\/incoming\/sales\/day 1\.csv$/m);
    }
    expect((await cli(['status', 's3://other-bucket/incoming/sales/day 1.csv'])).code).toBe(1);
    expect(recorder.operations()).not.toContain('Scan');
  });

  it('watch without an id reads only the active tasks', async () => {
    recorder.reset();
    const frame = JSON.parse((await cli(['watch', '--count', '1', '--json'])).out) as { tasks: Task[]; more: boolean };
    const active = seeded.filter((t) => ['RUNNING', 'UNCERTAIN', 'RETRY_WAIT'].includes(t.state));
    expect(frame.tasks.map((t) => t.taskId)).toEqual(newestFirst(active).slice(0, 50));
    expect(frame.more).toBe(true);
    expect(recorder.operations()).not.toContain('Scan');
    // One query per active state (and the pages it needs), one batch read for the frame.
    expect(recorder.operations().filter((o) => o === 'BatchGetItem')).toHaveLength(1);
  });
});

describe('bulkpilot submit says what the message will do', () => {
  const put = async (requestId: string, state: TaskState, extra: Partial<Task> = {}) => {
    const body = JSON.stringify({ requestId, ...seedRequest });
    // The content hash of the real request, as the submit function would store it.
    const { parseImportRequest } = await import('../../lib/request/import-request.ts');
    const { targetsFromEnv } = await import('../../lib/runtime/deployment-targets.ts');
    const request = parseImportRequest(body, targetsFromEnv(env()));
    await store.createIfAbsent({
      ...task(9000 + requestId.length, state, extra),
      taskId: taskIdFor(requestId),
      requestId,
      target: 'lindorm',
      contentHash: request.contentHash,
    });
    return body;
  };

  it('refuses, exit 1, without sending, a request whose task has ended, was deleted or is a different request', async () => {
    const ended = await put('sub-failed', 'FAILED_FINAL');
    const deleted = await put('sub-deleted', 'SUCCEEDED', { deletedAt: now });
    await put('sub-other', 'RUNNING');
    const other = JSON.stringify({ requestId: 'sub-other', ...seedRequest, instances: 9 });
    const failed = await cli(['submit', ended]);
    expect(failed).toMatchObject({ code: 1, out: '' });
    expect(failed.err).toMatch(/^bulkpilot submit: not sent: task t-\w+ \(FAILED_FINAL\) has ended: .*bulkpilot retry t-\w+.*--force-new/);
    expect((await cli(['submit', deleted])).err).toMatch(/deleted: the message would do nothing/);
    expect((await cli(['submit', other])).err).toMatch(/already used by task t-\w+ \(RUNNING\) for a different request/);
    expect(await receiveAll(aws.sqs, aws.queueUrl, 1, 500)).toEqual([]);
  });

  it('--force-new sends the same request under a fresh requestId, and says which task it becomes', async () => {
    const ended = await put('sub-again', 'SUCCEEDED');
    const sent = await cli(['submit', ended, '--force-new', '--json']);
    expect(sent.code).toBe(0);
    const answer = JSON.parse(sent.out) as { requestId: string; taskId: string };
    expect(answer.requestId).toMatch(/^sub-again-new-\d{8}T\d{9}Z$/);
    expect(answer.taskId).toBe(taskIdFor(answer.requestId));
    const [message] = await receiveAll(aws.sqs, aws.queueUrl, 1);
    expect(JSON.parse(message!.Body!)).toEqual({ ...JSON.parse(ended), requestId: answer.requestId });
  });

  it('names the file, and every error of it; a missing file in one line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bulkpilot-req-'));
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ ...seedRequest, dst: undefined, instances: 'many', colour: 'red' }));
    const bad = await cli(['submit', file]);
    expect(bad.code).toBe(1);
    const lines = bad.err.split('\n');
    expect(lines[0]).toBe(`bulkpilot submit: ${file}: invalid request:`);
    expect(lines.slice(1).join('\n')).toMatch(/dst: is required/);
    expect(lines.slice(1).join('\n')).toMatch(/instances: /);
    expect(lines.slice(1).join('\n')).toMatch(/colour: /);
    writeFileSync(file, '{\n  "src": "oss",\n  "dst": ld\n}');
    expect((await cli(['submit', file])).err).toBe(`bulkpilot submit: ${file}: invalid request:\n  not valid JSON at line 3, column 10`);
    expect(await cli(['submit', join(dir, 'nope.json')])).toMatchObject({
      code: 1,
      err: `bulkpilot submit: cannot read request file ${join(dir, 'nope.json')}: no such file`,
    });
  });
});

describe('bulkpilot dead-letters', () => {
  const letter = (body: string, reason: string, taskId?: string) =>
    aws.sqs.send(
      new SendMessageCommand({
        QueueUrl: aws.dlqUrl,
        MessageBody: body,
        MessageAttributes: {
          'bulkpilot-reason': { DataType: 'String', StringValue: reason },
          'bulkpilot-source-message-id': { DataType: 'String', StringValue: 'm-1' },
          ...(taskId ? { 'bulkpilot-task-id': { DataType: 'String', StringValue: taskId } } : {}),
        },
      }),
    );

  it('lists letters with their reasons and leaves them on the queue; shows one with its body', async () => {
    await letter(JSON.stringify({ requestId: 'dl-invalid', ...seedRequest, dst: undefined }), 'dst: is required', taskIdFor('dl-invalid'));
    const listed = JSON.parse((await cli(['dead-letters', 'list', '--json'])).out) as {
      letters: Array<{ messageId: string; reason: string; requestId: string }>;
    };
    expect(listed.letters).toEqual([expect.objectContaining({ reason: 'dst: is required', requestId: 'dl-invalid', taskId: taskIdFor('dl-invalid') })]);
    // Read again at once: nothing was consumed, nothing is held back.
    const again = await cli(['dead-letters', 'list']);
    expect(again.out).toMatch(/dl-invalid +dst: is required\n\n1 letter$/);
    const shown = await cli(['dead-letters', 'show', listed.letters[0]!.messageId]);
    expect(shown.out).toContain('"requestId":"dl-invalid"');
  });

  it('redrive keeps a letter that is still invalid (exit 1), and sends the fixed body with --fix', async () => {
    const { letters } = JSON.parse((await cli(['dead-letters', 'list', '--json'])).out) as { letters: Array<{ messageId: string }> };
    const id = letters[0]!.messageId;
    const kept = await cli(['dead-letters', 'redrive', id]);
    expect(kept.code).toBe(1);
    expect(kept.out).toMatch(/kept: still invalid \(.*dst: is required.*\); fix it with --fix <file>/);
    const dir = mkdtempSync(join(tmpdir(), 'bulkpilot-fix-'));
    writeFileSync(join(dir, 'fixed.json'), JSON.stringify({ requestId: 'dl-invalid-fixed', ...seedRequest }));
    const fixed = await cli(['dead-letters', 'redrive', id, '--fix', join(dir, 'fixed.json')]);
    expect(fixed).toMatchObject({ code: 0 });
    expect(fixed.out).toMatch(new RegExp(`${id}: redriven: it becomes task ${taskIdFor('dl-invalid-fixed')}`));
    const [sent] = await receiveAll(aws.sqs, aws.queueUrl, 1);
    expect(JSON.parse(sent!.Body!).requestId).toBe('dl-invalid-fixed');
    expect((await cli(['dead-letters', 'list'])).out).toBe('the dead-letter queue is empty');
  });

  it('a letter SQS moved itself (too many receives) is explained, and redriven as it is', async () => {
    await aws.sqs.send(new SendMessageCommand({ QueueUrl: aws.dlqUrl, MessageBody: JSON.stringify({ requestId: 'dl-unreachable', ...seedRequest }) }));
    const listed = JSON.parse((await cli(['dead-letters', 'list', '--json'])).out) as { letters: Array<{ reason: string }> };
    expect(listed.letters[0]!.reason).toMatch(/delivered too many times/);
    expect((await cli(['dead-letters', 'redrive', '--all'])).out).toMatch(/redriven: it becomes task/);
    const [sent] = await receiveAll(aws.sqs, aws.queueUrl, 1);
    expect(JSON.parse(sent!.Body!).requestId).toBe('dl-unreachable');
  });
});

describe('exit codes, JSON errors, the version and timeouts', () => {
  it('watch <id> exits 0 for a task that succeeded and 1 for one that failed for good', async () => {
    const ok = seeded.find((t) => t.state === 'SUCCEEDED')!;
    const bad = seeded.find((t) => t.state === 'FAILED_FINAL')!;
    expect((await cli(['watch', ok.taskId, '--count', '3'])).code).toBe(0);
    const failed = await cli(['watch', bad.taskId, '--count', '3']);
    expect(failed.code).toBe(1);
    expect(failed.err).toBe(`bulkpilot watch: task ${bad.taskId} ended FAILED_FINAL`);
    expect((await cli(['watch', seeded.find((t) => t.state === 'REJECTED')!.taskId, '--json'])).code).toBe(1);
  });

  it('--json errors are JSON, usage errors exit 2, --version prints the version', async () => {
    const missing = await cli(['status', 'no-such-task', '--json']);
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.err)).toEqual({ error: { command: 'status', message: expect.stringContaining('no task found'), exitCode: 1 } });
    const usage = await cli(['list', '--limit', 'x', '--json']);
    expect(usage.code).toBe(2);
    expect(JSON.parse(usage.err).error).toMatchObject({ command: 'list', exitCode: 2 });
    expect(await cli(['--version'])).toMatchObject({ code: 0, out: expect.stringMatching(/^bulkpilot \d+\.\d+\.\d+$/) });
  });

  it('gives up on an endpoint that accepts and never answers, with a clear message', async () => {
    const sockets: import('node:net').Socket[] = [];
    const silent: Server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(silent.address() as { port: number }).port}`;
    try {
      const started = Date.now();
      process.env.AWS_ENDPOINT_URL_DYNAMODB = url;
      const hung = await cli(['list'], { BULKPILOT_TIMEOUT_S: '1' });
      expect(hung.code).toBe(1);
      expect(hung.err).toMatch(/^bulkpilot list: no answer from AWS \(or the local emulators\) within 1 s \(BULKPILOT_TIMEOUT_S\)/);
      expect(Date.now() - started).toBeLessThan(20_000); // it returned at all: the bound, not its speed
    } finally {
      process.env.AWS_ENDPOINT_URL_DYNAMODB = recorder.url;
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});

describe('displays', () => {
  it('a task rejected at validation shows its real duration, no backend, no empty route, and each of its mistakes', async () => {
    const errors = [
      { field: 'dst', reason: 'is required' },
      { field: 'instances', reason: 'must be between 1 and 1000, got 0' },
    ];
    const rejected = {
      ...task(5000, 'REJECTED'),
      backend: '(unknown)',
      summary: {},
      error: { field: 'dst', reason: 'is required', errors, source: 'validation', at: t0 },
    } as unknown as Task;
    delete (rejected as Partial<Task>).finishedAt;
    delete (rejected as Partial<Task>).target;
    await store.createIfAbsent(rejected);
    const shown = (await cli(['status', rejected.taskId])).out;
    expect(shown).toMatch(/^duration +0s$/m);
    expect(shown).toMatch(/^target +- \(the request named none that exists\)$/m);
    expect(shown).not.toContain('- → -');
    expect(shown).toMatch(/^errors +dst: is required\n +instances: must be between 1 and 1000, got 0$/m);
  });

  it('aligns the table with wide characters in a destination', async () => {
    await store.createIfAbsent(task(6000, 'RUNNING', { summary: { source: 'oss', destination: 'ld/默认:销售表' } }));
    const out = (await cli(['list', '--state', 'RUNNING', '--limit', '3'])).out.split('\n');
    const column = (line: string) => {
      let width = 0;
      for (const ch of line.slice(0, line.indexOf('proc-'))) width += /[\u4E00-\u9FFF]/u.test(ch) ? 2 : 1;
      return width;
    };
    expect(new Set(out.slice(1, 4).map(column)).size).toBe(1);
  });
});

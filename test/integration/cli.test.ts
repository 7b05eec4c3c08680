import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../local/emulators/free-port.ts';
import { runCliCaptured } from '../support/cli.ts';
import { seedRequest } from '../support/seed-request.ts';
import { createTestAws, receiveAll, type TestAws } from '../support/stack.ts';
import { createTrackingHarness, type TrackingHarness } from '../support/tracking-harness.ts';

let aws: TestAws;
let h: TrackingHarness;
let done: string;
let running: string;
const root = new URL('../../', import.meta.url).pathname;

beforeAll(async () => {
  aws = await createTestAws();
  Object.assign(process.env, aws.env); // the SDK reads its endpoints from here, as in a shell
  h = await createTrackingHarness(aws, { master: { stages: [{ name: 'BULKLOAD', durationMs: 4 * 60_000 }] } });
  [done] = (await h.submitRequests([{ requestId: 'cli-done', ...seedRequest }])) as [string];
  await h.runUntil([done], ['SUCCEEDED']);
  // Submitted once the first has ended; the virtual clock stands still from here, so it stays RUNNING.
  [running] = (await h.submitRequests([{ requestId: 'cli-running', ...seedRequest, instances: 8 }])) as [string];
  await h.runUntil([running], ['RUNNING']);
});
afterAll(async () => {
  await h.close();
});

const cli = (args: string[], env: Record<string, string | undefined> = { ...h.aws.env, BDS_MASTER_URL: h.master.url }) =>
  runCliCaptured(args, { env, now: () => h.clock.now() });

describe('bulkpilot CLI', () => {
  it('--help lists every command', async () => {
    const { code, out } = await cli(['--help']);
    expect(code).toBe(0);
    for (const command of ['submit', 'list', 'status', 'logs', 'watch', 'abort', 'retry', 'delete', 'settle'])
      expect(out).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
  });

  it('names the missing configuration variable in one line and exits 1', async () => {
    const { code, err, out } = await cli(['list'], {});
    expect(code).toBe(1);
    expect(err).toBe('bulkpilot list: configuration: TASKS_TABLE is not set');
    expect(out).toBe('');
  });

  it('submit validates before sending: a bad request is refused with its field, a good one is queued', async () => {
    const bad = await cli(['submit', JSON.stringify({ ...seedRequest, dst: undefined })]);
    expect(bad).toMatchObject({ code: 1, err: 'bulkpilot submit: inline JSON: invalid request:\n  dst: is required' });
    const good = await cli(['submit', JSON.stringify({ requestId: 'cli-queued', ...seedRequest }), '--json']);
    expect(good.code).toBe(0);
    expect(JSON.parse(good.out)).toMatchObject({ requestId: 'cli-queued', taskId: expect.stringMatching(/^t-/) });
    const [message] = await receiveAll(aws.sqs, aws.queueUrl, 1);
    expect(JSON.parse(message!.Body!).requestId).toBe('cli-queued');
  });

  it('list shows tasks newest first, filters by state, and pages', async () => {
    const all = await cli(['list', '--json']);
    const tasks = JSON.parse(all.out).tasks as Array<{ taskId: string; createdAt: number }>;
    expect(tasks.map((t) => t.taskId).sort()).toEqual([done, running].sort());
    expect(tasks[0]!.createdAt).toBeGreaterThanOrEqual(tasks[1]!.createdAt);
    const succeeded = await cli(['list', '--state', 'succeeded']);
    expect(succeeded.out).toContain(done);
    expect(succeeded.out).not.toContain(running);
    expect(succeeded.out).toMatch(/^TASK +STATE +STAGE +TARGET/);
    const first = JSON.parse((await cli(['list', '--limit', '1', '--json'])).out);
    expect(first).toMatchObject({ page: 1, more: true, tasks: [{ taskId: tasks[0]!.taskId }] });
    const paged = JSON.parse((await cli(['list', '--limit', '1', '--page', '2', '--json'])).out);
    expect(paged).toMatchObject({ page: 2, more: false, tasks: [{ taskId: tasks[1]!.taskId }] });
    expect((await cli(['list', '--limit', '1'])).out).toMatch(/\n\npage 1; more: --page 2$/);
    expect((await cli(['list', '--state', 'DONE'])).code).toBe(2);
  });

  it('status finds a task by task id, requestId or job id and shows its history', async () => {
    const task = await h.get(done);
    for (const id of [done, 'cli-done', task.remoteId!]) {
      const { code, out } = await cli(['status', id]);
      expect(code).toBe(0);
      expect(out).toMatch(new RegExp(`^task +${done}$`, 'm'));
      expect(out).toMatch(/SUBMITTED +RUNNING/);
    }
    expect(JSON.parse((await cli(['status', done, '--json'])).out)).toMatchObject({ taskId: done, state: 'SUCCEEDED' });
  });

  it('an unknown id, a forbidden transition and an unreachable master each give one clear line and exit 1', async () => {
    expect(await cli(['status', 'nope'])).toMatchObject({
      code: 1,
      err: 'bulkpilot status: no task found for "nope" (tried task id, requestId, backend job id and source file key)',
    });
    expect(await cli(['abort', done])).toMatchObject({ code: 1, err: `bulkpilot abort: task ${done} is SUCCEEDED: there is nothing to abort` });
    expect(await cli(['delete', running])).toMatchObject({ code: 1, err: expect.stringContaining('abort it first, or delete with --force') });
    const closed = `http://127.0.0.1:${await freePort()}`;
    const unreachable = await cli(['abort', running], { ...h.aws.env, BDS_MASTER_URL: closed });
    expect(unreachable.code).toBe(1);
    expect(unreachable.err).toMatch(new RegExp(`^bulkpilot abort: cannot reach the backend for task ${running}; nothing was changed: .*ECONNREFUSED`));
    expect(unreachable.err.split('\n')).toHaveLength(1); // one line, no stack trace
    expect((await h.get(running)).state).toBe('RUNNING');
  });

  it('watch shows frames of the active tasks, and stops following a task that ended', async () => {
    const active = await cli(['watch', '--count', '2']);
    expect(active.out.match(/bulkpilot watch/g)).toHaveLength(2);
    expect(active.out).toContain(running);
    expect(active.out).not.toContain(done);
    const one = await cli(['watch', done, '--count', '5', '--json']);
    expect(one.out.split('\n').filter(Boolean)).toHaveLength(1); // ended: one frame, then stop
    expect(JSON.parse(one.out).tasks[0]).toMatchObject({ taskId: done, state: 'SUCCEEDED' });
  });

  it('abort, retry and delete walk a task through the master', async () => {
    const aborted = await cli(['abort', running]);
    expect(aborted).toMatchObject({ code: 0, out: `task ${running}: abort requested, now ABORTED` });
    const before = await h.get(running);
    const retried = await cli(['retry', running, '--json']);
    const after = JSON.parse(retried.out);
    expect(after).toMatchObject({ state: 'RUNNING', attempt: 1 });
    // The new run is shown, not the aborted one's backend state.
    expect(before.remoteState).toBeDefined();
    expect(after.remoteState).not.toBe(before.remoteState);
    const deleted = await cli(['delete', running, '--force']);
    expect(deleted.code).toBe(0);
    expect(deleted.out).toMatch(/deleted \(job proc-\S+ deleted at the backend\)/);
  });

  it('runs as an executable: npx bulkpilot --help, and a one-line error for missing configuration', async () => {
    const run = promisify(execFile);
    const help = await run(process.execPath, [`${root}bin/bulkpilot.ts`, '--help']);
    expect(help.stdout).toContain('usage: bulkpilot <command>');
    const failed = await run(process.execPath, [`${root}bin/bulkpilot.ts`, 'list'], { env: { PATH: process.env.PATH } }).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect(failed).toMatchObject({ code: 1, stderr: 'bulkpilot list: configuration: TASKS_TABLE is not set\n' });
  });
});

// The operator's view of a Linkis task: `status` with what the backend says now (progress of each engine
// job, where the log is), and `logs` through the entrance's cursor, following the job to its end and into
// a retry's new job.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { defaultTaskPolicy } from '../../lib/task/task.ts';
import { defaultPollPolicy } from '../../lib/tracking/poll-policy.ts';
import { defaultRetryPolicy } from '../../lib/tracking/retry-policy.ts';
import { runCliCaptured } from '../support/cli.ts';
import { linkisEnv, linkisRequest, linkisTargetEntry, linkisToken } from '../support/linkis.ts';
import { createLinkisHarness } from '../support/linkis-harness.ts';
import { createTestAws, type TestAws } from '../support/stack.ts';
import type { TrackingHarness } from '../support/tracking-harness.ts';

let aws: TestAws;
let opened: { close(): Promise<void> } | undefined;
beforeAll(async () => {
  aws = await createTestAws();
  Object.assign(process.env, aws.env);
});
afterEach(async () => {
  await opened?.close();
  opened = undefined;
});

const settings = { taskPolicy: defaultTaskPolicy, poll: defaultPollPolicy, retry: { ...defaultRetryPolicy, baseDelayMs: 60_000, maxDelayMs: 60_000 } };
const gateway = { durations: { initedMs: 30_000, scheduledMs: 30_000, runningMs: 10 * 60_000 }, evictAfterMs: 2 * 60_000 };

async function start() {
  const harness = await createLinkisHarness(aws, { settings, gateway });
  opened = harness;
  const dir = mkdtempSync(join(tmpdir(), 'bulkpilot-cli-'));
  const targetsFile = join(dir, 'targets.json');
  writeFileSync(targetsFile, JSON.stringify({ default: 'linkis', targets: { linkis: linkisTargetEntry(harness.gateway.url) } }));
  const env = { ...harness.h.aws.env, ...linkisEnv, TARGETS_FILE: targetsFile };
  return { ...harness, env };
}

/** The CLI in-process; each wait between reads is a minute of the stack (a poll tick). */
const cli = (h: TrackingHarness, env: Record<string, string | undefined>, args: string[]) =>
  runCliCaptured(args, {
    env,
    now: () => h.clock.now(),
    sleep: async () => {
      await h.tick();
    },
  });

describe('bulkpilot status, logs and operations on a Linkis task', () => {
  it('status shows the progress of each engine job now and where the log is kept', async () => {
    const { h, env } = await start();
    const [taskId] = await h.submitRequests([{ requestId: 'cli-linkis-status', ...linkisRequest('sim.stages=2 sim.totalTasks=8') }]);
    await h.runUntil([taskId!], ['RUNNING'], 10);
    h.clock.advance(4 * 60_000);
    const { code, out, err } = await cli(h, env, ['status', taskId!]);
    expect({ code, err }).toEqual({ code: 0, err: '' });
    expect(out).toMatch(/^progress now +\d+ %$/m);
    expect(out).toMatch(/^ {2}\S+ +\d+ % \(\d\/8 done(, \d running)?\)$/m);
    expect(out).toMatch(/^log +\S+/m);
    const json = JSON.parse((await cli(h, env, ['status', taskId!, '--json'])).out);
    expect(json.live.details).toMatchObject({ progress: expect.any(Number), parts: expect.arrayContaining([expect.objectContaining({ total: 8 })]) });
    expect(out).not.toContain(linkisToken);
  });

  it('status says when the backend cannot be asked, and still shows the task', async () => {
    const { h, env, gateway: linkis } = await start();
    const [taskId] = await h.submitRequests([{ requestId: 'cli-linkis-down', ...linkisRequest() }]);
    linkis.faults.add({ endpoint: 'jobhistory-get', kind: 'status', status: 502 });
    const { code, out } = await cli(h, env, ['status', taskId!]);
    expect(code).toBe(0);
    expect(out).toMatch(/^backend now +not available: .*502/m);
    expect(out).toMatch(/^state +SUBMITTED$/m);
  });

  it('logs reads the lines so far; --follow reads on to the end and says where the whole log lives', async () => {
    const { h, env } = await start();
    const [taskId] = await h.submitRequests([{ requestId: 'cli-linkis-logs', ...linkisRequest('sim.logLines=6') }]);
    await h.runUntil([taskId!], ['RUNNING'], 10);
    h.clock.advance(3 * 60_000);
    const sofar = await cli(h, env, ['logs', taskId!]);
    expect(sofar.code).toBe(0);
    const early = sofar.out.split('\n').filter(Boolean);
    expect(early.length).toBeGreaterThan(0);

    const followed = await cli(h, env, ['logs', taskId!, '--follow']);
    expect(followed.code).toBe(0);
    const lines = followed.out.split('\n').filter(Boolean);
    expect(lines.slice(0, early.length)).toEqual(early);
    expect(lines.length).toBeGreaterThan(early.length);
    expect(new Set(lines).size).toBe(lines.length); // the cursor never repeats a line
    expect((await h.get(taskId!)).state).toBe('SUCCEEDED');
    expect(followed.err).toMatch(/task \S+ is SUCCEEDED; job \d+ wrote its last line; the whole log is at \S+/);

    // Once the entrance has forgotten the job, a read says where the whole log is kept.
    h.clock.advance(5 * 60_000);
    const after = await cli(h, env, ['logs', taskId!, '--json']);
    expect(after.code).toBe(0);
    expect(JSON.parse(after.out)).toMatchObject({ ended: true, text: '', location: expect.stringMatching(/\S/) });
  });

  it('--follow goes on into the new job of a retry', async () => {
    const { h, env } = await start();
    const [taskId] = await h.submitRequests([{ requestId: 'cli-linkis-retry', ...linkisRequest('sim.fail=true sim.failTimes=1 sim.logLines=4') }]);
    await h.runUntil([taskId!], ['RUNNING'], 10);
    const followed = await cli(h, env, ['logs', taskId!, '--follow']);
    expect(followed.code).toBe(0);
    const task = await h.get(taskId!);
    expect(task).toMatchObject({ state: 'SUCCEEDED', attempt: 2 });
    expect(followed.err).toContain(`attempt 2 runs as job ${task.remoteId}`);
  });

  it('refuses the log of a task that has no job', async () => {
    const { h, env } = await start();
    const [rejected] = await h.submitRequests([{ requestId: 'cli-linkis-bad', ...linkisRequest(), labels: { engineType: 'spark' } }]);
    const { code, err } = await cli(h, env, ['logs', rejected!]);
    expect(code).toBe(1);
    expect(err).toMatch(/is REJECTED and has no job at the backend, so no log/);
  });

  it('abort kills the Linkis task once; retry resubmits it as a new Linkis task; delete leaves Linkis its history', async () => {
    const { h, env, gateway: linkis } = await start();
    const [taskId] = await h.submitRequests([{ requestId: 'cli-linkis-ops', ...linkisRequest() }]);
    await h.runUntil([taskId!], ['RUNNING'], 10);
    const first = (await h.get(taskId!)).remote!.taskID as number;

    const aborted = await cli(h, env, ['abort', taskId!]);
    expect(aborted).toMatchObject({ code: 0, out: `task ${taskId}: abort requested, now ABORTED` });
    expect(linkis.task(first)!.status).toBe('Cancelled');
    expect(linkis.received.filter((r) => r.endpoint === 'kill')).toHaveLength(1);

    const retried = await cli(h, env, ['retry', taskId!]);
    expect(retried.code).toBe(0);
    const task = await h.get(taskId!);
    expect(task.state).toBe('RUNNING');
    expect(task.remote!.taskID).not.toBe(first);
    expect(linkis.tasks()).toHaveLength(2);
    expect(task.history.at(-1)!.reason).toBe(`retry 1 started at the backend as ${task.remote!.taskID} (a new job; ${first} is kept as it ended)`);

    const refused = await cli(h, env, ['delete', taskId!]);
    expect(refused.code).toBe(1);
    const deleted = await cli(h, env, ['delete', taskId!, '--force']);
    expect(deleted).toMatchObject({
      code: 0,
      out: expect.stringContaining(`(backend linkis keeps its jobs: job ${task.remote!.taskID} stays in its history)`),
    });
    expect(linkis.tasks().map((t) => t.status)).toEqual(['Cancelled', 'Cancelled']);
    expect(linkis.killsAfterEnd()).toEqual([]);
  });
});

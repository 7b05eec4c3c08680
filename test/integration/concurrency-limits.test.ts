// Concurrency limits end to end on DynamoDB Local, fauxqs and the simulated Lindorm master: a target that
// runs 2 jobs at once, one per table. What is over the limit waits in line (its message done with), and
// starts as slots free, in priority then arrival order; the master never runs more than the limits allow.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Task } from '../../lib/task/task.ts';
import { runCliCaptured } from '../support/cli.ts';
import { runningAtMaster } from '../support/master-load.ts';
import { seedRequest, seedWriterConfig } from '../support/seed-request.ts';
import { createTestAws, receiveAll, type TestAws } from '../support/stack.ts';
import { createTrackingHarness, type TrackingHarness } from '../support/tracking-harness.ts';

let aws: TestAws;
let h: TrackingHarness;
const measured: Array<{ name: string; value: number }> = [];
const table = (name: string) => JSON.stringify({ ...JSON.parse(seedWriterConfig), lindormTable: name });
const request = (id: string, lindormTable: string, extra: Record<string, unknown> = {}) => ({
  requestId: id,
  ...seedRequest,
  writerConfig: table(lindormTable),
  ...extra,
});

beforeAll(async () => {
  aws = await createTestAws();
  Object.assign(process.env, aws.env); // the CLI's SDK clients read their endpoints from the process
  h = await createTrackingHarness(aws, {
    limits: { maxConcurrent: 2, maxConcurrentPerDestination: 1 },
    metrics: { count: (name, value) => measured.push({ name, value: value ?? 1 }), milliseconds: (name, value) => measured.push({ name, value }) },
    master: { stages: [{ name: 'BULKLOAD', durationMs: 3 * 60_000 }] },
  });
});
afterAll(async () => {
  await h.close();
});

const running = () => runningAtMaster(h.master);

describe('a target limited to 2 jobs at once and 1 per table', () => {
  let ids: string[];
  it('submits what fits and puts the rest in line, acknowledging every message', async () => {
    // Two that take both slots, then four that find the target (or their table) full, in one batch.
    const first = await h.submitRequests([request('lim-a1', 'orders'), request('lim-b1', 'events')]);
    const rest = await h.submitRequests([
      request('lim-a2', 'orders'),
      request('lim-c1', 'clicks'),
      request('lim-c2', 'clicks', { priority: 5 }),
      request('lim-b2', 'events'),
    ]);
    ids = [...first, ...rest];
    const tasks = await Promise.all(ids.map((id) => h.get(id)));
    const states = tasks.map((t) => t.state);
    expect(states.filter((s) => s === 'SUBMITTED')).toHaveLength(2);
    expect(states.filter((s) => s === 'WAITING')).toHaveLength(4);
    expect(h.master.creates()).toHaveLength(2);
    expect(running().total).toBeLessThanOrEqual(2);
    for (const n of running().perTable.values()) expect(n).toBe(1);
    // Nothing is handed back to SQS: the waiting line is in the table.
    expect(await receiveAll(aws.sqs, aws.queueUrl, 1, 300)).toEqual([]);
    const waiting = tasks.find((t) => t.state === 'WAITING')!;
    expect(waiting.history.at(-1)!.reason).toMatch(/is full \(\d of \d running\): waiting for a slot/);
  });

  it("shows the line, the limits in use and a waiting task's place, with --json", async () => {
    const env = { ...h.aws.env, TARGETS_FILE: undefined, BDS_MASTER_URL: h.master.url };
    const cli = (args: string[]) => runCliCaptured(args, { env, now: () => h.clock.now() });
    const queue = JSON.parse((await cli(['queue', '--json'])).out) as { waiting: Array<{ place: number; requestId: string; priority: number }> };
    expect(queue.waiting).toHaveLength(4);
    expect(queue.waiting[0]).toMatchObject({ place: 1, requestId: 'lim-c2', priority: 5 });
    expect((await cli(['queue'])).out).toMatch(/^PLACE +TASK +TARGET +PRIORITY +WAITING +DESTINATION +REQUEST\n1 +t-\w+ +lindorm +5 /);
    const placed = await cli(['status', 'lim-b2']);
    expect(placed.out).toMatch(/^waiting +for a slot since .*, priority 0, place \d of 4 \(bulkpilot queue\)$/m);
    // The CLI reads the limits from the targets the operator's environment names (here the harness's file-less target).
    const limits = await runCliCaptured(['limits', '--json'], { env: { ...env, TARGETS_FILE: h.targetsFile }, now: () => h.clock.now() });
    expect(JSON.parse(limits.out).limits).toEqual([
      { scope: 'target lindorm', used: 2, max: 2 },
      ...JSON.parse(limits.out)
        .limits.slice(1)
        .map(() => expect.objectContaining({ used: 1, max: 1 })),
    ]);
  });

  it('starts the line as slots free, never over either limit, until every load has run once', async () => {
    const startOrder: string[] = [];
    const seen = new Set<string>();
    for (let i = 0; i < 40; i++) {
      for (const id of ids) {
        const t = await h.get(id);
        if (t.state !== 'WAITING' && !seen.has(id)) {
          seen.add(id);
          startOrder.push(t.requestId);
        }
      }
      await h.tick();
      const { total, perTable } = running();
      expect(total).toBeLessThanOrEqual(2);
      for (const n of perTable.values()) expect(n).toBeLessThanOrEqual(1);
      for (const id of ids) {
        const t = await h.get(id);
        if (t.state !== 'WAITING' && !seen.has(id)) {
          seen.add(id);
          startOrder.push(t.requestId);
        }
      }
      if ((await Promise.all(ids.map((id) => h.get(id)))).every((t) => t.state === 'SUCCEEDED')) break;
    }
    const tasks: Task[] = await Promise.all(ids.map((id) => h.get(id)));
    expect(tasks.map((t) => t.state)).toEqual(Array(6).fill('SUCCEEDED'));
    expect(h.master.creates()).toHaveLength(6);
    expect(startOrder).toHaveLength(6);
    // While tasks waited, each poll said how long the head of the line had waited (WaitingLineAlarm watches it).
    const ages = measured.filter((m) => m.name === 'WaitingLineAge').map((m) => m.value);
    expect(ages.length).toBeGreaterThan(0);
    expect(Math.max(...ages)).toBeGreaterThanOrEqual(60_000);
    const waited = tasks.find((t) => t.requestId === 'lim-b2')!;
    expect(waited.history.map((e) => e.to)).toEqual(expect.arrayContaining(['ACCEPTED', 'WAITING', 'ACCEPTED', 'SUBMITTED', 'RUNNING', 'SUCCEEDED']));
    expect(waited.history.find((e) => e.from === 'WAITING')!.reason).toMatch(/^a slot is free: starting after \d+ s in line$/);
  });

  it('starts the line by priority, then by arrival', async () => {
    const busy = await h.submitRequests([request('pri-busy-1', 'p1'), request('pri-busy-2', 'p2')]);
    const waiting = await h.submitRequests([
      request('pri-low', 't-low'),
      request('pri-high', 't-high', { priority: 9 }),
      request('pri-mid', 't-mid', { priority: 3 }),
      request('pri-low-2', 't-low-2'),
    ]);
    expect((await Promise.all(waiting.map((id) => h.get(id)))).map((t) => t.state)).toEqual(Array(4).fill('WAITING'));
    const tasks = await h.runUntil([...busy, ...waiting], ['SUCCEEDED']);
    const startedAt = (requestId: string) => tasks.find((t) => t.requestId === requestId)!.history.find((e) => e.from === 'WAITING')!.at;
    expect(startedAt('pri-high')).toBeLessThanOrEqual(startedAt('pri-mid'));
    expect(startedAt('pri-mid')).toBeLessThan(startedAt('pri-low'));
    expect(startedAt('pri-low')).toBeLessThanOrEqual(startedAt('pri-low-2'));
  });

  it('a waiting task aborted leaves the line without a job', async () => {
    const [a, b, c] = await h.submitRequests([request('lim-x1', 'x'), request('lim-x2', 'x'), request('lim-y1', 'y')]);
    const waiting = (await Promise.all([a!, b!, c!].map((id) => h.get(id)))).find((t) => t.state === 'WAITING')!;
    const aborted = await runCliCaptured(['abort', waiting.taskId], { env: { ...h.aws.env, BDS_MASTER_URL: h.master.url }, now: () => h.clock.now() });
    expect(aborted).toMatchObject({ code: 0, out: `task ${waiting.taskId}: left the waiting line, now ABORTED` });
    const creates = h.master.creates().length;
    await h.runUntil(
      [a!, b!, c!].filter((id) => id !== waiting.taskId),
      ['SUCCEEDED'],
    );
    expect(h.master.creates().length).toBe(creates);
    expect((await h.get(waiting.taskId)).state).toBe('ABORTED');
  });
});

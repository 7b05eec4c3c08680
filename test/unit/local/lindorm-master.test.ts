import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { LindormMaster, LindormMasterOptions } from '../../../local/lindorm-master/simulator.ts';
import { startLindormMaster } from '../../../local/lindorm-master/simulator.ts';

// The example from the API document (seed 000), as objects; the test encodes them itself.
const SEED_READER = {
  filePath: 'parquet/',
  column: ['id', 'intcol', 'doublecol', 'stringcol', 'string1col', 'decimalcol'],
};
const SEED_WRITER = {
  columns: ['ROW||String', 'f:intcol||Int', 'f:doublecol||Double', 'f:stringcol||String', 'f:string1col||String', 'f:decimalcol||Decimal'],
  namespace: 'default',
  lindormTable: 'bulkload_test',
  compression: 'zstd',
};

function seedForm(overrides: Record<string, string | undefined> = {}): Record<string, string> {
  const form: Record<string, string | undefined> = {
    src: 'hdfs',
    dst: 'ld',
    readerConfig: JSON.stringify(SEED_READER),
    writerConfig: JSON.stringify(SEED_WRITER),
    driverSpec: 'large',
    instances: '5',
    fileType: 'Parquet',
    ...overrides,
  };
  return Object.fromEntries(Object.entries(form).filter((e): e is [string, string] => e[1] !== undefined));
}

function fakeClock(start = 1_700_000_000_000): { now(): number; advance(ms: number): void } {
  let t = start;
  return {
    now: () => t,
    advance: (ms) => {
      t += ms;
    },
  };
}

const opened: LindormMaster[] = [];
async function start(options?: LindormMasterOptions): Promise<LindormMaster> {
  const master = await startLindormMaster(options);
  opened.push(master);
  return master;
}
afterEach(async () => {
  await Promise.all(opened.splice(0).map((m) => m.close()));
});

interface Reply {
  status: number;
  text: string;
  json: any;
}

async function reply(response: Response): Promise<Reply> {
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, text, json };
}

async function create(master: LindormMaster, form: Record<string, string>): Promise<Reply> {
  // fetch sets content-type application/x-www-form-urlencoded;charset=UTF-8 for URLSearchParams.
  return reply(await fetch(`${master.url}/pro/proc/bulkload/create`, { method: 'POST', body: new URLSearchParams(form) }));
}

async function createOk(master: LindormMaster, form: Record<string, string> = seedForm()): Promise<string> {
  const r = await create(master, form);
  expect(r.json).toMatchObject({ success: 'true' });
  return r.json.message as string;
}

async function op(master: LindormMaster, procId: string, name: 'info' | 'abort' | 'retry' | 'delete'): Promise<Reply> {
  return reply(await fetch(`${master.url}/pro/proc/${encodeURIComponent(procId)}/${name}`));
}

async function info(master: LindormMaster, procId: string): Promise<{ state: string; stage: string; [k: string]: any }> {
  const r = await op(master, procId, 'info');
  expect(r.json.success).toBe('true');
  return r.json.data;
}

/** node:http for what fetch hides: connection resets and keep-alive sockets. */
function rawGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('lindorm master simulator: create', () => {
  it('accepts the documented example create and returns the procId in message', async () => {
    const master = await start();
    const r = await create(master, seedForm());
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ success: 'true', message: expect.stringMatching(/^proc-\d+-[0-9a-f]{32}$/) });
    const [proc] = master.procs();
    expect(proc?.id).toBe(r.json.message);
    expect(proc?.state).toBe('RUNNING');
  });

  it('accepts the documented curl body sent verbatim without URL encoding', async () => {
    const master = await start();
    const body = `src=hdfs&dst=ld&readerConfig=${JSON.stringify(SEED_READER)}&writerConfig=${JSON.stringify(SEED_WRITER)}&driverSpec=large&instances=5&fileType=Parquet`;
    const r = await reply(
      await fetch(`${master.url}/pro/proc/bulkload/create`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
      }),
    );
    expect(r.json.success).toBe('true');
    expect(master.creates()[0]?.rawBody.toString('utf8')).toBe(body);
  });

  it('decodes readerConfig with & + = %, quotes and non-ASCII text byte for byte', async () => {
    const master = await start();
    const reader = { filePath: 'a&b+c=d%20e/', delimiter: '"\'', column: ['名前 ü é 🚀', 'x+y'] };
    const readerConfig = JSON.stringify(reader);
    const procId = await createOk(master, seedForm({ readerConfig }));

    const [received] = master.creates();
    expect(received?.form?.['readerConfig']).toBe(readerConfig);
    expect(Buffer.from(received!.form!['readerConfig']!, 'utf8').equals(Buffer.from(readerConfig, 'utf8'))).toBe(true);
    expect(received?.rawBody.toString('utf8')).toBe(new URLSearchParams(seedForm({ readerConfig })).toString());
    expect((await info(master, procId))['procConfig'].readerConfig).toEqual(reader);
  });

  it('keeps the first value of a repeated form field', async () => {
    const master = await start();
    const body = `${new URLSearchParams(seedForm())}&src=oss`;
    await fetch(`${master.url}/pro/proc/bulkload/create`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
    expect(master.creates()[0]?.form?.['src']).toBe('hdfs');
  });

  it('reports the documented info fields with the submitted config parsed', async () => {
    const master = await start({ clock: fakeClock() });
    const procId = await createOk(master, seedForm({ sparkAdditionalParams: '--conf spark.a=b' }));
    const data = await info(master, procId);
    expect(data).toEqual({
      procId,
      procType: 'SPARK_BULKLOAD',
      state: 'RUNNING',
      stage: 'PREPARE',
      srcDS: 'hdfs',
      sinkDS: 'ld',
      procConfig: { ...seedForm({ sparkAdditionalParams: '--conf spark.a=b' }), readerConfig: SEED_READER, writerConfig: SEED_WRITER },
      schemaJob: {},
      fullJobs: [{ jobName: expect.stringMatching(/^fulldata-[0-9a-f]{32}$/), state: 'RUNNING', table: 'bulkload_test' }],
      incrJobs: [],
      mergeJobs: [],
      checkJobs: [],
    });
  });

  it('URL-decodes the procId path segment', async () => {
    const master = await start();
    const procId = await createOk(master);
    const r = await reply(await fetch(`${master.url}/pro/proc/${procId.replaceAll('-', '%2D')}/info`));
    expect(r.json.data.procId).toBe(procId);
    expect(master.received.at(-1)?.procId).toBe(procId);
  });
});

describe('lindorm master simulator: refusals', () => {
  const refusedCreates: Array<[string, Record<string, string>, RegExp]> = [
    ['src missing', seedForm({ src: undefined }), /missing required field: src/],
    ['dst missing', seedForm({ dst: undefined }), /missing required field: dst/],
    ['readerConfig missing', seedForm({ readerConfig: undefined }), /missing required field: readerConfig/],
    ['writerConfig missing', seedForm({ writerConfig: undefined }), /missing required field: writerConfig/],
    ['driverSpec missing', seedForm({ driverSpec: undefined }), /missing required field: driverSpec/],
    ['instances missing', seedForm({ instances: undefined }), /missing required field: instances/],
    ['an unregistered src', seedForm({ src: 'nope' }), /data source not found: nope/],
    ['an unregistered dst', seedForm({ dst: 'ld-missing' }), /data source not found: ld-missing/],
    ['an unknown driverSpec', seedForm({ driverSpec: 'huge' }), /driverSpec: huge/],
    ['instances zero', seedForm({ instances: '0' }), /instances: 0/],
    ['instances negative', seedForm({ instances: '-2' }), /instances: -2/],
    ['instances fractional', seedForm({ instances: '2.5' }), /instances: 2\.5/],
    ['instances not a number', seedForm({ instances: 'five' }), /instances: five/],
    ['readerConfig not JSON', seedForm({ readerConfig: '{filePath:' }), /readerConfig/],
    ['readerConfig a JSON array', seedForm({ readerConfig: '[1,2]' }), /readerConfig/],
    ['writerConfig not JSON', seedForm({ writerConfig: 'zstd' }), /writerConfig/],
    ['fileType missing for an HDFS source', seedForm({ fileType: undefined }), /fileType/],
    ['fileType not accepted', seedForm({ fileType: 'ORC' }), /fileType: ORC/],
  ];

  it.each(refusedCreates)('refuses a create with %s, records it and creates nothing', async (_name, form, reason) => {
    const master = await start();
    const r = await create(master, form);
    expect(r.status).toBe(200);
    expect(r.json.success).toBe('false');
    expect(r.json.message).toMatch(reason);
    expect(master.creates()).toHaveLength(1);
    expect(master.procs()).toEqual([]);
  });

  it('refuses a create whose content type is not a form', async () => {
    const master = await start();
    const r = await reply(
      await fetch(`${master.url}/pro/proc/bulkload/create`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(seedForm()),
      }),
    );
    expect(r.json).toEqual({ success: 'false', message: expect.stringMatching(/content type/) });
    expect(master.creates()[0]?.form).toBeUndefined();
    expect(master.procs()).toEqual([]);
  });

  it('does not require fileType when the source is not HDFS', async () => {
    const master = await start();
    const r = await create(
      master,
      seedForm({ src: 'odps', fileType: undefined, readerConfig: '{"table":"t1","column":["id"],"partition":[],"numPartitions":4}' }),
    );
    expect(r.json.success).toBe('true');
  });

  it.each(['info', 'abort', 'retry', 'delete'] as const)('refuses %s of an unknown procId with proc not found', async (name) => {
    const master = await start();
    const r = await op(master, 'proc-9-missing', name);
    expect(r.json).toEqual({ success: 'false', message: 'proc not found: proc-9-missing' });
  });

  it('answers refusals with refusalHttpStatus when configured', async () => {
    const master = await start({ refusalHttpStatus: 400 });
    const r = await op(master, 'proc-1-x', 'info');
    expect(r.status).toBe(400);
    expect(r.json.success).toBe('false');
  });

  it('answers 405 for a wrong method and 404 for an unknown path', async () => {
    const master = await start();
    expect((await fetch(`${master.url}/pro/proc/bulkload/create`)).status).toBe(405);
    expect((await fetch(`${master.url}/pro/proc/p-1/info`, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`${master.url}/pro/proc/p-1/pause`)).status).toBe(404);
    expect(master.received.map((r) => r.endpoint)).toEqual(['unknown', 'unknown', 'unknown']);
    expect(master.creates()).toEqual([]);
  });
});

describe('lindorm master simulator: lifecycle on a fake clock', () => {
  it('walks the stages by their durations and then reports SUCCEEDED with the final stage', async () => {
    const clock = fakeClock();
    const master = await start({ clock });
    const procId = await createOk(master);
    const seen: string[] = [];
    for (const stepMs of [0, 2_000, 2_000, 5_000, 3_000]) {
      clock.advance(stepMs);
      const data = await info(master, procId);
      seen.push(`${data.state}/${data.stage}`);
    }
    clock.advance(2_000);
    const done = await info(master, procId);
    expect(seen).toEqual(['RUNNING/PREPARE', 'RUNNING/SCHEMA_CHECK', 'RUNNING/BULKLOAD', 'RUNNING/MERGE', 'RUNNING/WAIT_FOR_SUCCESS']);
    expect([done.state, done.stage, done['fullJobs'][0].state]).toEqual(['SUCCEEDED', 'FINISHED', 'SUCCEEDED']);
    expect(done['errorMessage']).toBeUndefined();
  });

  it('fails at the stage named by sim.failAt and stays there', async () => {
    const clock = fakeClock();
    const master = await start({ clock });
    const procId = await createOk(master, seedForm({ sparkAdditionalParams: '--conf spark.executor.memory=4g,sim.failAt=MERGE' }));
    clock.advance(8_999);
    expect((await info(master, procId)).stage).toBe('BULKLOAD');
    clock.advance(1);
    const failed = await info(master, procId);
    expect([failed.state, failed.stage]).toEqual(['FAILED', 'MERGE']);
    expect(failed['errorMessage']).toMatch(/MERGE/);
    clock.advance(60_000);
    expect((await info(master, procId)).state).toBe('FAILED');
  });

  it('retries a run that failed once (sim.failTimes=1) from the failed stage to SUCCEEDED', async () => {
    const clock = fakeClock();
    const master = await start({ clock });
    const procId = await createOk(master, seedForm({ sparkAdditionalParams: 'sim.failAt=BULKLOAD;sim.failTimes=1' }));
    clock.advance(4_000);
    expect((await info(master, procId)).state).toBe('FAILED');

    expect((await op(master, procId, 'retry')).json).toEqual({ success: 'true', message: 'ok' });
    const retried = await info(master, procId);
    expect([retried.state, retried.stage, master.procs()[0]?.run]).toEqual(['RUNNING', 'BULKLOAD', 2]);
    clock.advance(5_000 + 3_000 + 2_000);
    expect((await info(master, procId)).state).toBe('SUCCEEDED');
  });

  it('fails every run when sim.failTimes is absent, and retryFrom start restarts at the first stage', async () => {
    const clock = fakeClock();
    const master = await start({ clock, retryFrom: 'start' });
    const procId = await createOk(master, seedForm({ sparkAdditionalParams: 'sim.failAt=SCHEMA_CHECK' }));
    clock.advance(2_000);
    expect((await info(master, procId)).state).toBe('FAILED');
    await op(master, procId, 'retry');
    expect((await info(master, procId)).stage).toBe('PREPARE');
    clock.advance(2_000);
    expect((await info(master, procId)).state).toBe('FAILED');
  });

  it('uses a custom plan and custom state names', async () => {
    const clock = fakeClock();
    const runs: number[] = [];
    const master = await start({
      clock,
      stages: [{ name: 'LOAD', durationMs: 100 }],
      states: { failed: 'ERROR' },
      plan: (_form, ctx) => {
        runs.push(ctx.run);
        return { failAtStage: 'LOAD', failMessage: 'disk full' };
      },
    });
    const procId = await createOk(master);
    const data = await info(master, procId);
    expect([data.state, data.stage, data['errorMessage']]).toEqual(['ERROR', 'LOAD', 'disk full']);
    await op(master, procId, 'retry');
    expect(runs).toEqual([1, 2]);
  });

  it('aborts a running proc, freezes its stage, and refuses a second abort', async () => {
    const clock = fakeClock();
    const master = await start({ clock });
    const procId = await createOk(master);
    clock.advance(5_000);
    expect((await op(master, procId, 'abort')).json).toEqual({ success: 'true', message: 'ok' });
    clock.advance(60_000);
    const aborted = await info(master, procId);
    expect([aborted.state, aborted.stage]).toEqual(['ABORTED', 'BULKLOAD']);
    const again = await op(master, procId, 'abort');
    expect(again.json).toEqual({ success: 'false', message: expect.stringMatching(/not running/) });

    await op(master, procId, 'retry');
    expect((await info(master, procId)).state).toBe('RUNNING');
  });

  it('refuses retry of a proc that is neither FAILED nor ABORTED', async () => {
    const clock = fakeClock();
    const master = await start({ clock });
    const procId = await createOk(master);
    expect((await op(master, procId, 'retry')).json.message).toMatch(/cannot be retried.*RUNNING/);
    clock.advance(60_000);
    expect((await op(master, procId, 'retry')).json.message).toMatch(/cannot be retried.*SUCCEEDED/);
  });

  it('refuses delete of a running proc, deletes a finished one, and then info says not found', async () => {
    const clock = fakeClock();
    const master = await start({ clock });
    const procId = await createOk(master);
    expect((await op(master, procId, 'delete')).json).toEqual({ success: 'false', message: expect.stringMatching(/running/) });
    clock.advance(60_000);
    expect((await op(master, procId, 'delete')).json).toEqual({ success: 'true', message: 'ok' });
    expect((await op(master, procId, 'info')).json).toEqual({ success: 'false', message: `proc not found: ${procId}` });
    expect(master.procs()).toEqual([]);
  });

  it('deletes a running proc when deleteRunning is allow', async () => {
    const master = await start({ deleteRunning: 'allow' });
    const procId = await createOk(master);
    expect((await op(master, procId, 'delete')).json.success).toBe('true');
  });

  it('forgets procs, requests and faults on reset', async () => {
    const master = await start();
    await createOk(master);
    master.faults.add({ endpoint: 'info', kind: 'status' });
    master.reset();
    expect([master.procs(), master.received]).toEqual([[], []]);
    expect((await op(master, 'x', 'info')).status).toBe(200);
  });
});

describe('lindorm master simulator: faults', () => {
  it('answers a status fault with an HTML error page and does not create the proc', async () => {
    const master = await start();
    master.faults.add({ endpoint: 'create', kind: 'status' });
    const r = await create(master, seedForm());
    expect(r.status).toBe(503);
    expect(r.text).toMatch(/<html>.*503/);
    expect(master.creates()).toHaveLength(1);
    expect(master.procs()).toEqual([]);
  });

  it('delays a slow fault by delayMs of real time and then answers normally', async () => {
    const master = await start();
    master.faults.add({ endpoint: 'info', kind: 'slow', delayMs: 150 });
    const t0 = performance.now();
    const r = await op(master, 'proc-1-x', 'info');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
    expect(r.json.success).toBe('false');
  });

  it('answers a malformed fault with 200 and a body that is not JSON', async () => {
    const master = await start();
    const procId = await createOk(master);
    master.faults.add({ endpoint: 'info', kind: 'malformed' });
    const r = await op(master, procId, 'info');
    expect(r.status).toBe(200);
    expect(r.text.length).toBeGreaterThan(0);
    expect(() => JSON.parse(r.text)).toThrow();
  });

  it('resets the TCP connection on a reset fault', async () => {
    const master = await start();
    master.faults.add({ endpoint: 'info', kind: 'reset' });
    await expect(rawGet(`${master.url}/pro/proc/p-1/info`)).rejects.toMatchObject({ code: 'ECONNRESET', syscall: 'read' });
  });

  it.each(['status', 'malformed', 'reset'] as const)('creates the proc although the answer is lost on a %s fault with phase after', async (kind) => {
    const master = await start();
    master.faults.add({ endpoint: 'create', kind, phase: 'after' });
    const attempt = create(master, seedForm()).then(
      (r) => r.json?.success,
      () => 'network error',
    );
    expect(await attempt).not.toBe('true');
    expect(master.procs()).toHaveLength(1);
  });

  it('fires a fault only times times and only for requests its match accepts', async () => {
    const master = await start();
    master.faults.add({ endpoint: 'info', kind: 'status', status: 500, times: 2, match: (r) => r.procId === 'p-1' });
    const statuses: number[] = [];
    for (const id of ['p-2', 'p-1', 'p-1', 'p-1']) statuses.push((await op(master, id, 'info')).status);
    expect(statuses).toEqual([200, 500, 500, 200]);
  });

  it('draws probabilistic faults from the seeded RNG, deterministically', async () => {
    async function run(master: LindormMaster): Promise<number[]> {
      master.faults.add({ endpoint: 'info', kind: 'status', probability: 0.5 });
      const statuses: number[] = [];
      for (let i = 0; i < 16; i++) statuses.push((await op(master, 'p', 'info')).status);
      return statuses;
    }
    const first = await start({ seed: 42 });
    const a = await run(first);
    const b = await run(await start({ seed: 42 }));
    first.reset();
    const afterReset = await run(first);
    expect(b).toEqual(a);
    expect(afterReset).toEqual(a);
    expect(a).toContain(503);
    expect(a).toContain(200);
  });

  it('adds infoLatencyMs of real time to every info answer', async () => {
    const master = await start({ infoLatencyMs: 100 });
    const t0 = performance.now();
    await op(master, 'p', 'info');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(90);
  });
});

describe('lindorm master simulator: close', () => {
  it('closes promptly while a keep-alive connection is open and half-way through its next request', async () => {
    const master = await startLindormMaster();
    const socket = connect(master.port, '127.0.0.1');
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => {});
    const firstAnswer = new Promise<void>((resolve) => socket.once('data', () => resolve()));
    socket.write('GET /pro/proc/p/info HTTP/1.1\r\nHost: sim\r\nConnection: keep-alive\r\n\r\n');
    await firstAnswer;
    // The next request's headers never finish, so the connection is neither idle nor answerable.
    socket.write('GET /pro/proc/p/info HTTP/1.1\r\nHost: sim\r\n');
    await new Promise((r) => setTimeout(r, 20));
    const t0 = performance.now();
    await master.close();
    expect(performance.now() - t0).toBeLessThan(500);
    await closed;
  });

  it('closes promptly while a slow fault is pending, and the pending request fails', async () => {
    const master = await startLindormMaster();
    master.faults.add({ endpoint: 'info', kind: 'slow', delayMs: 30_000, phase: 'before' });
    const pending = rawGet(`${master.url}/pro/proc/p/info`).then(
      () => 'answered',
      () => 'failed',
    );
    while (master.received.length === 0) await new Promise((r) => setTimeout(r, 5));
    const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const timersBefore = timers();
    const t0 = performance.now();
    await master.close();
    expect(performance.now() - t0).toBeLessThan(500);
    expect(await pending).toBe('failed');
    // The 30 s timer is cancelled, so it cannot keep a standalone simulator process alive.
    expect(timers()).toBeLessThan(timersBefore);
  });
});

describe('lindorm master simulator: kept across a restart (stateFile)', () => {
  const stateDir = () => mkdtempSync(join(tmpdir(), 'lindorm-master-'));

  it('knows its procs after a restart: a running one carries on by the clock, and ids are never handed out twice', async () => {
    const clock = fakeClock();
    const stateFile = join(stateDir(), 'master.json');
    const before = await startLindormMaster({ clock, stateFile });
    const running = await createOk(before);
    const failed = await createOk(before, seedForm({ sparkAdditionalParams: 'sim.failAt=SCHEMA_CHECK' }));
    clock.advance(3_000);
    await before.close();

    clock.advance(2_000); // time passes while the master is down, as it does for a real one
    const after = await start({ clock, stateFile });
    const again = await info(after, running);
    const stillFailed = await info(after, failed);
    const fresh = await createOk(after);
    clock.advance(9_000);
    const done = await info(after, running);

    expect([again.state, again.stage]).toEqual(['RUNNING', 'BULKLOAD']);
    expect(stillFailed.state).toBe('FAILED');
    expect((await op(after, failed, 'retry')).json).toEqual({ success: 'true', message: 'ok' });
    expect(done.state).toBe('SUCCEEDED');
    expect(fresh.split('-')[1]).toBe('3');
    expect(after.procs().map((p) => p.id)).toEqual([running, failed, fresh]);
  });

  it('writes nothing without a stateFile, and starts empty from a file of another simulator', async () => {
    const dir = stateDir();
    const master = await startLindormMaster({});
    await createOk(master);
    await master.close();
    const foreign = join(dir, 'other.json');
    writeFileSync(foreign, JSON.stringify({ simulator: 'linkis-gateway', version: 1, savedAt: '', state: { tasks: [] } }));

    const fromForeign = await start({ stateFile: foreign });

    expect(readdirSync(dir)).toEqual(['other.json']);
    expect(fromForeign.procs()).toEqual([]);
  });
});

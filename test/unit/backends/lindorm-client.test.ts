import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LindormBulkloadClient } from '../../../lib/backends/lindorm/client.ts';
import {
  LindormHttpError,
  LindormMalformedResponseError,
  LindormNetworkError,
  LindormRefusedError,
  LindormTimeoutError,
} from '../../../lib/backends/lindorm/errors.ts';
import { parseLindormRequest } from '../../../lib/backends/lindorm/request.ts';
import { freePort } from '../../../local/emulators/free-port.ts';
import { type LindormMaster, startLindormMaster } from '../../../local/lindorm-master/simulator.ts';
import { FakeClock } from '../../support/fake-clock.ts';
import { seedReaderConfig, seedRequest, trickyReaderConfig } from '../../support/seed-request.ts';

let master: LindormMaster;
const clients: LindormBulkloadClient[] = [];

function client(overrides: Partial<ConstructorParameters<typeof LindormBulkloadClient>[0]> = {}) {
  const c = new LindormBulkloadClient({
    baseUrl: master.url,
    timeouts: { connectMs: 500, headersMs: 300, bodyMs: 300 },
    keepAliveTimeoutMs: 100,
    clock: new FakeClock(),
    random: () => 0.5,
    ...overrides,
  });
  clients.push(c);
  return c;
}

const seedParams = parseLindormRequest(seedRequest);

beforeAll(async () => {
  master = await startLindormMaster();
});
afterEach(async () => {
  master.reset();
  await Promise.all(clients.splice(0).map((c) => c.close()));
});
afterAll(async () => {
  await master.close();
});

describe('create', () => {
  it('submits the seed example as a form and returns the procId from `message`', async () => {
    // Act
    const procId = await client().create(seedParams);
    // Assess
    expect(procId).toMatch(/^proc-\d+-[0-9a-f]{32}$/);
    const [received] = master.creates();
    expect(received!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(received!.form).toMatchObject({ src: 'hdfs', dst: 'ld', driverSpec: 'large', instances: '5', fileType: 'Parquet', readerConfig: seedReaderConfig });
    expect(master.procs().map((p) => p.id)).toEqual([procId]);
  });

  it('delivers a readerConfig holding & + = %, quotes, newlines and non-ASCII text byte-for-byte', async () => {
    const params = parseLindormRequest({ ...seedRequest, readerConfig: trickyReaderConfig, sparkAdditionalParams: '--conf a=b&c --conf x=1+1' });
    await client().create(params);
    const form = master.creates()[0]!.form!;
    expect(Buffer.from(form.readerConfig!, 'utf8').equals(Buffer.from(trickyReaderConfig, 'utf8'))).toBe(true);
    expect(form.sparkAdditionalParams).toBe('--conf a=b&c --conf x=1+1');
    expect(Object.keys(form).sort()).toEqual(['driverSpec', 'dst', 'fileType', 'instances', 'readerConfig', 'sparkAdditionalParams', 'src', 'writerConfig']);
  });

  it('raises LindormRefusedError with the master message when success is "false"', async () => {
    const params = parseLindormRequest({ ...seedRequest, dst: 'no-such-source' });
    const error = await client()
      .create(params)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LindormRefusedError);
    expect((error as LindormRefusedError).apiMessage).toContain('no-such-source');
    expect((error as Error).message).toContain(`POST ${master.url}/pro/proc/bulkload/create`);
  });

  it('never retries a create, even on a transient 503', async () => {
    master.faults.add({ endpoint: 'create', kind: 'status', status: 503 });
    const error = await client()
      .create(seedParams)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LindormHttpError);
    expect((error as LindormHttpError).status).toBe(503);
    expect(master.creates()).toHaveLength(1);
  });

  it('reports a response slower than the headers timeout as a timeout that may have reached the master', async () => {
    master.faults.add({ endpoint: 'create', kind: 'slow', delayMs: 1_500 });
    const error = await client()
      .create(seedParams)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LindormTimeoutError);
    expect((error as LindormTimeoutError).phase).toBe('headers');
    expect((error as LindormTimeoutError).mayHaveReachedMaster).toBe(true);
    expect(master.procs()).toHaveLength(1);
  });

  it('reports a reset connection as a network error that may have reached the master', async () => {
    master.faults.add({ endpoint: 'create', kind: 'reset' });
    const error = await client()
      .create(seedParams)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LindormNetworkError);
    expect((error as LindormNetworkError).mayHaveReachedMaster).toBe(true);
  });

  it('reports a malformed body as LindormMalformedResponseError naming method and URL', async () => {
    master.faults.add({ endpoint: 'create', kind: 'malformed' });
    const error = await client()
      .create(seedParams)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LindormMalformedResponseError);
    expect((error as Error).message).toMatch(/^POST http:\/\/127\.0\.0\.1:\d+\/pro\/proc\/bulkload\/create: malformed response/);
  });

  it('reports an answer too large to be the API envelope as malformed, not as a network error', async () => {
    const { createServer } = await import('node:http');
    const server = createServer((_req, res) => res.end('x'.repeat(2 * 1024 * 1024)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      const error = await client({ baseUrl: `http://127.0.0.1:${port}` })
        .info('p')
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LindormMalformedResponseError);
      expect((error as Error).message).toContain('body larger than 1048576 bytes');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('knows a refused connection never reached the master', async () => {
    const closedPort = await freePort();
    const error = await client({ baseUrl: `http://127.0.0.1:${closedPort}` })
      .create(seedParams)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LindormNetworkError);
    expect((error as LindormNetworkError).mayHaveReachedMaster).toBe(false);
  });
});

describe('info', () => {
  it('reads state, stage and sub-jobs of a running proc', async () => {
    const c = client();
    const procId = await c.create(seedParams);
    const info = await c.info(procId);
    expect(info).toMatchObject({ procId, state: 'RUNNING', procType: 'SPARK_BULKLOAD', srcDS: 'hdfs', sinkDS: 'ld' });
    expect(typeof info.stage).toBe('string');
    expect(info.subJobs.length).toBeGreaterThan(0);
  });

  it('retries a transient 503 and returns the answer of the next attempt', async () => {
    const c = client();
    const procId = await c.create(seedParams);
    master.faults.add({ endpoint: 'info', kind: 'status', status: 503, times: 1 });
    const info = await c.info(procId);
    expect(info.state).toBe('RUNNING');
    expect(master.received.filter((r) => r.endpoint === 'info')).toHaveLength(2);
  });

  it('gives up after maxAttempts and throws the last transient error', async () => {
    const c = client({ infoRetry: { maxAttempts: 3, budgetMs: 60_000 } });
    const procId = await c.create(seedParams);
    master.faults.add({ endpoint: 'info', kind: 'reset' });
    await expect(c.info(procId)).rejects.toBeInstanceOf(LindormNetworkError);
    expect(master.received.filter((r) => r.endpoint === 'info')).toHaveLength(3);
  });

  it('stops retrying when the next wait and attempt would overrun the time budget', async () => {
    // Waits are 0.99 × min(cap, 1000 × 2^n), and an attempt may take 1100 ms (500 + 300 + 300): the first
    // wait and attempt (990 + 1100) fit a 2600 ms budget, the next (990 + 1980 + 1100) do not.
    const clock = new FakeClock();
    const c = client({ clock, random: () => 0.99, infoRetry: { maxAttempts: 10, budgetMs: 2_600, baseDelayMs: 1_000, maxDelayMs: 5_000 } });
    const procId = await c.create(seedParams);
    master.faults.add({ endpoint: 'info', kind: 'status', status: 502 });
    await expect(c.info(procId)).rejects.toBeInstanceOf(LindormHttpError);
    expect(master.received.filter((r) => r.endpoint === 'info')).toHaveLength(2);
    expect(clock.sleeps).toEqual([990]);
  });

  it('retries a timeout, within the budget', async () => {
    const c = client({ infoRetry: { maxAttempts: 2 } });
    const procId = await c.create(seedParams);
    master.faults.add({ endpoint: 'info', kind: 'slow', delayMs: 1_500, times: 1 });
    const info = await c.info(procId);
    expect(info.state).toBe('RUNNING');
    expect(master.received.filter((r) => r.endpoint === 'info')).toHaveLength(2);
  });

  it('does not retry a malformed answer (the poller tries again on a later tick)', async () => {
    const c = client();
    const procId = await c.create(seedParams);
    master.faults.add({ endpoint: 'info', kind: 'malformed' });
    await expect(c.info(procId)).rejects.toBeInstanceOf(LindormMalformedResponseError);
    expect(master.received.filter((r) => r.endpoint === 'info')).toHaveLength(1);
  });

  it('does not retry a refusal for an unknown procId', async () => {
    const error = await client()
      .info('proc-0-unknown')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LindormRefusedError);
    expect((error as LindormRefusedError).apiMessage).toContain('proc-0-unknown');
    expect(master.received).toHaveLength(1);
  });
});

describe('abort, retry and delete', () => {
  it('are never retried automatically, whatever the error', async () => {
    const c = client();
    const procId = await c.create(seedParams);
    for (const verb of ['abort', 'retry', 'delete'] as const) {
      master.faults.add({ endpoint: verb, kind: 'status', status: 503 });
      await expect(c[verb](procId)).rejects.toBeInstanceOf(LindormHttpError);
      expect(master.received.filter((r) => r.endpoint === verb)).toHaveLength(1);
    }
  });

  it('abort then retry then delete walk a proc through the master', async () => {
    const c = client();
    const procId = await c.create(seedParams);
    await c.abort(procId);
    expect((await c.info(procId)).state).toBe('ABORTED');
    await c.retry(procId);
    expect((await c.info(procId)).state).toBe('RUNNING');
    await c.abort(procId);
    await c.delete(procId);
    await expect(c.info(procId)).rejects.toBeInstanceOf(LindormRefusedError);
  });

  it('surfaces the master refusing an abort of a proc that is not running', async () => {
    const c = client();
    const procId = await c.create(seedParams);
    await c.abort(procId);
    await expect(c.abort(procId)).rejects.toBeInstanceOf(LindormRefusedError);
  });
});

describe('options', () => {
  it('rejects an unknown option key instead of ignoring a typo', () => {
    expect(() => new LindormBulkloadClient({ baseUrl: 'http://x:12311', timeout: 5 } as never)).toThrow(/unknown option timeout/);
    expect(() => new LindormBulkloadClient({ baseUrl: 'http://x:12311', timeouts: { header: 5 } } as never)).toThrow(/unknown option header/);
  });

  it('refuses credentials in the base URL, without repeating them', async () => {
    const closedPort = await freePort();
    let error: unknown;
    try {
      client({ baseUrl: `http://user:secret@127.0.0.1:${closedPort}` });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(/must not carry credentials/);
    expect((error as Error).message).not.toContain('secret');
  });
});

// Security chaos (issue 7).
// (a) No configured secret, credential or auth header reaches a log line, even while the master fails in every
//     way that makes bulkpilot log errors. Logs are captured where Lambda takes them: the Powertools logger of
//     the functions writes info/debug to stdout and warn/error to stderr, so both are read.
// (b) The master's address comes only from configuration: no request field, config value or answer of the
//     master can send a call anywhere else.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LindormBulkloadClient } from '../../lib/backends/lindorm/client.ts';
import { lindormRequestFields } from '../../lib/backends/lindorm/request.ts';
import { createLambdaObservability } from '../../lib/observability/lambda-observability.ts';
import type { BatchReport } from '../../lib/submit/submit-batch.ts';
import { createSecretSource } from '../../lib/targets/secrets.ts';
import { taskIdFor } from '../../lib/task/task.ts';
import { captureOutput } from '../support/capture-output.ts';
import { seedWriterConfig } from '../support/seed-request.ts';
import { createTestAws, receiveAll, roundTripThroughQueue, type TestAws } from '../support/stack.ts';
import { createSubmitHarness } from '../support/submit-harness.ts';
import { createTrackingHarness, type TrackingHarness } from '../support/tracking-harness.ts';
import { reportFigures } from './scale.ts';

const run = Date.now().toString(36);

/** A plain HTTP server that records what reaches it and answers as `answer` says. */
async function startRecorder(
  answer: (req: IncomingMessage) => { status: number; body: string } = () => ({ status: 200, body: '{"success":"true","message":"ok"}' }),
) {
  const requests: Array<{ method: string; url: string; headers: IncomingMessage['headers'] }> = [];
  const server: Server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    req.resume();
    req.on('end', () => {
      const { status, body } = answer(req);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
type Recorder = Awaited<ReturnType<typeof startRecorder>>;

let aws: TestAws;
let evil: Recorder;

beforeAll(async () => {
  aws = await createTestAws();
  evil = await startRecorder();
});
afterAll(async () => {
  await evil?.close();
});

describe('(a) secrets never reach a log line', () => {
  const secrets = {
    // A credential read at run time (a target secret) that then shows up in an answer bulkpilot logs.
    targetSecret: `target-secret-${run}-Q7x9`,
    redactConfigured: `configured-secret-${run}-5QfT`,
    redactConfigured2: `other-secret-${run}-W2k`,
    readerAccessKey: `AKIA${run.toUpperCase()}READER`,
    readerSecretKey: `reader-secret-key-${run}-8HJ2`,
    readerPassword: `reader-pw-${run}-L0p9`,
    nestedOssSecret: `oss-secret-${run}-N5b`,
    writerToken: `writer-token-${run}-V6c`,
    brokenConfigPassword: `broken-pw-${run}-Z1`,
    notJsonPassword: `notjson-pw-${run}-Y3`,
  };
  const user = 'bulkpilot-user';
  let h: TrackingHarness;
  const lines: string[] = [];
  const reports: BatchReport[] = [];
  let lifecycleStates: string[] = [];

  const readerConfig = {
    filePath: 'in/',
    accessKey: secrets.readerAccessKey,
    secretKey: secrets.readerSecretKey,
    password: secrets.readerPassword,
    oss: { endpoint: 'oss-cn', accessKeySecret: secrets.nestedOssSecret },
  };
  const writerConfig = { ...JSON.parse(seedWriterConfig), token: secrets.writerToken };
  const request = (label: string, extra: Record<string, unknown> = {}) => ({
    requestId: `sec-${run}-${label}`,
    src: 'oss',
    dst: 'ld',
    readerConfig,
    writerConfig,
    driverSpec: 'large',
    instances: 2,
    ...extra,
  });

  beforeAll(async () => {
    const output = captureOutput(lines);
    try {
      const observability = createLambdaObservability(
        { LOG_LEVEL: 'debug', LOG_REDACT_VALUES: `${secrets.redactConfigured}, ${secrets.redactConfigured2}`, BULKPILOT_STAGE: 'chaos' },
        'security',
      );
      h = await createTrackingHarness(aws, {
        logger: observability.logger,
        metrics: observability.metrics,
        ledger: observability.ledger,
      });
      await createSecretSource({ env: { TARGET_TOKEN: secrets.targetSecret } }).read({ env: 'TARGET_TOKEN' });
      const invoke = async (bodies: string[]) => {
        const report = await h.submit.invoke(await roundTripThroughQueue(aws, bodies));
        reports.push(report);
        observability.endInvocation();
        return report;
      };

      // Submit: a run that fails once, a create the master refuses, one answered with a broken body
      // (UNCERTAIN, logged at error), one answered 503 (retried), and invalid messages full of secrets.
      const isMarked = (marker: string) => (r: { form?: Record<string, string> }) => r.form?.sparkAdditionalParams?.includes(marker) ?? false;
      h.master.faults.add({ endpoint: 'create', kind: 'malformed', times: 1, match: isMarked('uncertain') });
      h.master.faults.add({ endpoint: 'create', kind: 'status', status: 503, times: 1, match: isMarked('unavailable') });
      const first = await invoke([
        JSON.stringify(
          request('lifecycle', {
            sparkAdditionalParams: `--conf spark.hadoop.fs.oss.accessKeySecret=${secrets.redactConfigured} sim.failAt=BULKLOAD sim.failTimes=1`,
            retry: { baseDelaySeconds: 5 },
          }),
        ),
        JSON.stringify(request('refused', { src: `unregistered-${secrets.targetSecret}` })),
        JSON.stringify(request('uncertain', { sparkAdditionalParams: 'uncertain' })),
        JSON.stringify(request('unavailable', { sparkAdditionalParams: 'unavailable' })),
        JSON.stringify(request('broken-config', { readerConfig: `{"password":"${secrets.brokenConfigPassword}", "x": }` })),
        `{"requestId":"sec-${run}-not-json","password":"${secrets.notJsonPassword}","src":`,
        JSON.stringify(request('secret-in-wrong-field', { driverSpec: secrets.redactConfigured2 })),
      ]);
      expect(first.batchItemFailures).toHaveLength(1); // the 503, handed back to SQS
      const again = await invoke([JSON.stringify(request('unavailable', { sparkAdditionalParams: 'unavailable' }))]);
      expect(again.outcomes[0]!.outcome.kind).toBe('submitted');
      await h.drainStreams();

      // Poll: the master fails every way a status call can fail, then recovers.
      h.master.faults.add({ endpoint: 'info', kind: 'status', status: 500, times: 3 });
      h.master.faults.add({ endpoint: 'info', kind: 'malformed', times: 3 });
      h.master.faults.add({ endpoint: 'info', kind: 'reset', times: 2 });
      h.master.faults.add({ endpoint: 'info', kind: 'slow', delayMs: 1_500, times: 2 });
      h.master.faults.add({ endpoint: 'retry', kind: 'status', status: 502, times: 1 });
      const tasks = await h.runUntil([taskIdFor(`sec-${run}-lifecycle`), taskIdFor(`sec-${run}-unavailable`)], ['SUCCEEDED'], 60);
      lifecycleStates = tasks[0]!.history.map((e) => e.to);
      observability.endInvocation();
    } finally {
      output.restore();
    }
  });
  afterAll(async () => {
    await h?.close();
    await receiveAll(aws.sqs, aws.dlqUrl, Number.MAX_SAFE_INTEGER, 300);
  });

  it('went through the failures that make bulkpilot log errors', () => {
    const kinds = reports.flatMap((r) => r.outcomes.map((o) => o.outcome.kind));
    expect(kinds).toEqual(expect.arrayContaining(['submitted', 'rejected', 'uncertain', 'retry']));
    expect(lifecycleStates).toEqual(expect.arrayContaining(['FAILED', 'RETRY_WAIT', 'SUCCEEDED']));
    const levels = lines.map((l) => (JSON.parse(l) as { level?: string }).level);
    expect(levels).toContain('ERROR');
    expect(levels).toContain('WARN');
    // The failures were logged with the master's address (so a leak had its chance), and a configured value
    // that a reason quoted was redacted.
    expect(lines.some((l) => l.includes(`127.0.0.1:${h.master.port}`))).toBe(true);
    expect(lines.some((l) => l.includes('[redacted]'))).toBe(true);
  });

  it('writes none of the secrets: target credentials, configured values, config secrets, auth headers', () => {
    const basic = Buffer.from(`${user}:${secrets.targetSecret}`).toString('base64');
    const leaks: string[] = [];
    for (const line of lines) {
      for (const [name, value] of Object.entries(secrets)) if (line.includes(value)) leaks.push(`${name}: ${line.slice(0, 300)}`);
      if (line.includes(basic) || /authorization"?\s*[:=]\s*"?(basic|bearer)/i.test(line)) leaks.push(`auth header: ${line.slice(0, 300)}`);
    }
    expect(leaks).toEqual([]);
    reportFigures('security: secrets in logs', {
      logLines: lines.length,
      errorLines: lines.filter((l) => l.includes('"level":"ERROR"')).length,
      warnLines: lines.filter((l) => l.includes('"level":"WARN"')).length,
      secretsChecked: Object.keys(secrets).length + 1,
      leaks: leaks.length,
    });
  });
});

// The simulator answers `info` with its fields in the documented order (procId, procType, state, stage, srcDS,
// sinkDS, procConfig…), so the first 200 characters of a broken answer never reach the request's configs. A
// real master is a Java service whose JSON key order is not specified: its answer may open with `procConfig`,
// which echoes the request, readerConfig secrets included. A broken (truncated) answer of that kind must not
// carry those secrets into the logs either.
describe('(a) secrets in a broken answer of the master', () => {
  const secret = `echoed-secret-key-${run}-K8`;
  const lines: string[] = [];
  let h: TrackingHarness;
  let master: Recorder;

  beforeAll(async () => {
    master = await startRecorder((req) => {
      if (req.url === '/pro/proc/bulkload/create') return { status: 200, body: '{"success":"true","message":"proc-7-0123456789abcdef0123456789abcdef"}' };
      const answer = JSON.stringify({
        success: 'true',
        data: {
          procConfig: { src: 'oss', dst: 'ld', readerConfig: { filePath: 'in/', secretKey: secret, accessKey: 'AKIAEXAMPLE' } },
          procId: 'proc-7',
          state: 'RUNNING',
          stage: 'BULKLOAD',
        },
      });
      return { status: 200, body: answer.slice(0, answer.length - 40) }; // the connection dropped mid-answer
    });
    const output = captureOutput(lines);
    try {
      const observability = createLambdaObservability({ LOG_LEVEL: 'debug', BULKPILOT_STAGE: 'chaos' }, 'security');
      h = await createTrackingHarness(aws, {
        logger: observability.logger,
        metrics: observability.metrics,
        ledger: observability.ledger,
        masterUrl: () => master.url,
      });
      await h.submitRequests([
        {
          requestId: `echo-${run}`,
          src: 'oss',
          dst: 'ld',
          readerConfig: { filePath: 'in/', secretKey: secret, accessKey: 'AKIAEXAMPLE' },
          writerConfig: seedWriterConfig,
          driverSpec: 'large',
          instances: 1,
        },
      ]);
      for (let i = 0; i < 3; i++) await h.tick();
      observability.endInvocation();
    } finally {
      output.restore();
    }
  });
  afterAll(async () => {
    await h?.close();
    await master?.close();
  });

  it('does not log the request secrets a broken status answer echoes', () => {
    expect(master.requests.filter((r) => r.url.endsWith('/info')).length).toBeGreaterThan(0);
    const leaks = lines.filter((l) => l.includes(secret));
    reportFigures('security: secrets echoed in a broken answer', {
      logLines: lines.length,
      statusCalls: master.requests.filter((r) => r.url.endsWith('/info')).length,
      leaks: leaks.length,
    });
    expect(leaks.map((l) => l.slice(0, 400))).toEqual([]);
  });
});

describe('(b) the master URL comes only from configuration', () => {
  let h: TrackingHarness;
  const evilUrl = () => `http://127.0.0.1:${evil.port}`;
  const reports: BatchReport[] = [];
  const hostileNames = () => [`${evilUrl()}/pro/proc/bulkload/create`, `//127.0.0.1:${evil.port}`, `Host: 127.0.0.1:${evil.port}`, `@127.0.0.1:${evil.port}`];

  beforeAll(async () => {
    const dataSources: Record<string, { type: string }> = { oss: { type: 'OSS' }, ld: { type: 'LINDORM' } };
    for (const name of hostileNames()) dataSources[name] = { type: 'LINDORM' };
    h = await createTrackingHarness(aws, { master: { dataSources } });
    const base = { src: 'oss', dst: 'ld', readerConfig: { filePath: 'in/' }, writerConfig: seedWriterConfig, driverSpec: 'large', instances: 1 };
    const bodies = [
      ...['masterUrl', 'url', 'host', 'baseUrl', 'endpoint', 'BDS_MASTER_URL', 'headers', 'Host'].map((field) =>
        JSON.stringify({ requestId: `redirect-${run}-${field}`, ...base, [field]: evilUrl() }),
      ),
      JSON.stringify({ requestId: `${evilUrl()}/r-${run}`, ...base, src: hostileNames()[0], dst: hostileNames()[1] }),
      JSON.stringify({
        requestId: `redirect-${run}-in-configs`,
        ...base,
        dst: hostileNames()[2],
        readerConfig: {
          masterUrl: evilUrl(),
          url: evilUrl(),
          host: '127.0.0.1',
          port: evil.port,
          baseUrl: evilUrl(),
          headers: { Host: `127.0.0.1:${evil.port}` },
        },
        sparkAdditionalParams: `--master ${evilUrl()} --conf spark.driver.host=127.0.0.1 Host: 127.0.0.1:${evil.port}`,
      }),
      JSON.stringify({ requestId: `redirect-${run}-at`, ...base, src: hostileNames()[3] }),
      JSON.stringify({ requestId: `redirect-${run}-backend`, ...base, backend: evilUrl() }),
    ];
    reports.push(await h.submit.invoke(await roundTripThroughQueue(aws, bodies)));
    // Follow the submitted ones for a while: status calls too must go to the configured master.
    for (let i = 0; i < 4; i++) await h.tick();
  });
  afterAll(async () => {
    await h?.close();
    await receiveAll(aws.sqs, aws.dlqUrl, Number.MAX_SAFE_INTEGER, 300);
  });

  it('rejects fields that look like an address, naming them', () => {
    const rejected = reports.flatMap((r) => r.outcomes.map((o) => o.outcome)).filter((o) => o.kind === 'rejected') as Array<{ field?: string }>;
    expect(rejected.map((o) => o.field).sort()).toEqual(
      ['BDS_MASTER_URL', 'Host', 'backend', 'baseUrl', 'endpoint', 'headers', 'host', 'masterUrl', 'url'].sort(),
    );
  });

  it('sends every call, creates and status checks alike, to the configured master and nothing to any other host', async () => {
    expect(evil.requests).toEqual([]);
    const submitted = reports.flatMap((r) => r.outcomes.map((o) => o.outcome)).filter((o) => o.kind === 'submitted');
    expect(submitted).toHaveLength(3);
    expect(h.master.creates()).toHaveLength(3);
    expect(h.master.received.filter((r) => r.endpoint === 'info').length).toBeGreaterThan(0);
    for (const r of h.master.received) {
      expect(r.endpoint).not.toBe('unknown');
      expect(r.headers.host).toBe(`127.0.0.1:${h.master.port}`);
      expect(r.path.startsWith('/pro/proc/')).toBe(true);
    }
  });

  it("sends the master no field but the API's own, with the address-like values kept as plain values", () => {
    const sentNames = new Set<string>();
    for (const create of h.master.creates()) {
      const form = new URLSearchParams(create.rawBody.toString('utf8'));
      for (const key of form.keys()) sentNames.add(key);
    }
    expect([...sentNames].filter((k) => !(lindormRequestFields as readonly string[]).includes(k))).toEqual([]);
    const dsts = h.master.procs().map((p) => p.form.dst);
    expect(dsts).toEqual(expect.arrayContaining([hostileNames()[1], hostileNames()[2]]));
    reportFigures('security: master only from configuration', {
      requestsSent: reports.reduce((n, r) => n + r.outcomes.length, 0),
      rejectedAddressFields: reports.flatMap((r) => r.outcomes).filter((o) => o.outcome.kind === 'rejected').length,
      callsToMaster: h.master.received.length,
      callsElsewhere: evil.requests.length,
    });
  });

  it('keeps a procId the master answers on the master, whatever it looks like (never a URL, a host or a path out)', async () => {
    const hostileIds = [
      `${evilUrl()}/pro/proc/x`,
      `//127.0.0.1:${evil.port}/x`,
      '../../../../x',
      `@127.0.0.1:${evil.port}`,
      '%2e%2e%2f%2e%2e%2fx',
      'x?url=http://127.0.0.1',
      'x#frag',
      'a/../../b',
    ];
    let next = 0;
    const fake = await startRecorder((req) =>
      req.url === '/pro/proc/bulkload/create'
        ? { status: 200, body: JSON.stringify({ success: 'true', message: hostileIds[next++ % hostileIds.length] }) }
        : { status: 200, body: JSON.stringify({ success: 'true', message: 'ok', data: { state: 'RUNNING' } }) },
    );
    const submit = createSubmitHarness(aws, { ...h.master, url: fake.url });
    const client = new LindormBulkloadClient({ baseUrl: fake.url, keepAliveTimeoutMs: 200 });
    try {
      const records = await roundTripThroughQueue(
        aws,
        hostileIds.map((_, i) =>
          JSON.stringify({
            requestId: `procid-${run}-${i}`,
            src: 'oss',
            dst: 'ld',
            readerConfig: { i },
            writerConfig: seedWriterConfig,
            driverSpec: 'large',
            instances: 1,
          }),
        ),
      );
      // One at a time, so that the n-th create gets the n-th id.
      const remoteIds: string[] = [];
      for (const record of records) {
        const outcome = (await submit.invoke([record])).outcomes[0]!.outcome;
        expect(outcome.kind).toBe('submitted');
        remoteIds.push((outcome as { remoteId: string }).remoteId);
      }
      expect(remoteIds.sort()).toEqual([...hostileIds].sort());
      for (const id of remoteIds) {
        await client.info(id);
        await client.abort(id);
        await client.retry(id);
        await client.delete(id);
      }
      expect(evil.requests).toEqual([]);
      const calls = fake.requests.filter((r) => r.url !== '/pro/proc/bulkload/create');
      expect(calls).toHaveLength(hostileIds.length * 4);
      for (const call of calls) {
        // One path segment holds the whole id, percent-encoded: no `/`, `?` or `#` of the id escapes it.
        expect(call.url).toMatch(/^\/pro\/proc\/[^/?#]+\/(info|abort|retry|delete)$/);
        expect(call.headers.host).toBe(`127.0.0.1:${fake.port}`);
      }
    } finally {
      await client.close();
      await submit.close();
      await fake.close();
    }
  });
});

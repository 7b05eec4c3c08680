import { mkdtempSync, readdirSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'node:querystring';
import { afterEach, describe, expect, it } from 'vitest';
import type { HuaweiCloud, HuaweiCloudOptions } from '../../../local/huawei-cloud/simulator.ts';
import {
  DEFAULT_ACCESS_KEY,
  DEFAULT_CLUSTERS,
  DEFAULT_PROJECT,
  DEFAULT_STREAM,
  DEFAULT_TEMPORARY_KEY,
  startHuaweiCloud,
} from '../../../local/huawei-cloud/simulator.ts';
import { saveState } from '../../../local/sim-kit/saved-state.ts';

// The official v3 signer (CommonJS), so the simulator's verifier is checked against Huawei's own code.
const require = createRequire(import.meta.url);
const { AKSKSigner } = require('@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner.js') as {
  AKSKSigner: { sign(request: SdkRequest, credential: unknown): Record<string, string> };
};
const { BasicCredentials } = require('@huaweicloud/huaweicloud-sdk-core/auth/BasicCredentials.js') as {
  BasicCredentials: new () => { withAk(ak: string): any; withSk(sk: string): any; withProjectId(id: string): any };
};

interface SdkRequest {
  endpoint: string;
  method: string;
  headers: Record<string, string>;
  queryParams: Record<string, string>;
  data?: unknown;
}

const PID = DEFAULT_PROJECT.id;
const [CLUSTER_A, CLUSTER_B] = DEFAULT_CLUSTERS.map((c) => c.id) as [string, string];
const T0 = Date.UTC(2024, 4, 1, 10, 0, 0);

function fakeClock(start = T0): { now(): number; advance(ms: number): void } {
  let t = start;
  return {
    now: () => t,
    advance: (ms) => {
      t += ms;
    },
  };
}

function sdkDate(ms: number): string {
  return `${new Date(ms).toISOString().replace(/[-:]/g, '').slice(0, 15)}Z`;
}

const opened: HuaweiCloud[] = [];
async function start(options: HuaweiCloudOptions = {}): Promise<{ cloud: HuaweiCloud; clock: ReturnType<typeof fakeClock> }> {
  const clock = fakeClock();
  const cloud = await startHuaweiCloud({ clock, seed: 7, ...options });
  opened.push(cloud);
  return { cloud, clock: (options.clock as ReturnType<typeof fakeClock> | undefined) ?? clock };
}
afterEach(async () => {
  await Promise.all(opened.splice(0).map((c) => c.close()));
});

interface Reply {
  status: number;
  headers: Headers;
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
  return { status: response.status, headers: response.headers, text, json };
}

interface SignedCall {
  method?: string;
  query?: Record<string, string>;
  body?: unknown;
  ak?: string;
  sk?: string;
  securityToken?: string;
  projectId?: string;
  /** X-Sdk-Date; default the clock's now. */
  date?: number;
  headers?: Record<string, string>;
  /** Change the signed headers before sending (tampering). */
  tamper?: (headers: Record<string, string>) => void;
  /** Send this body instead of the signed one. */
  sendBody?: string;
}

/** Signs like the SDK's BaseCredentials.processAuthRequest + AKSKSigner.sign, then sends with fetch. */
async function signed(clock: { now(): number }, base: string, path: string, call: SignedCall = {}): Promise<Reply> {
  const method = call.method ?? 'GET';
  const key = call.ak === undefined ? DEFAULT_ACCESS_KEY : { ak: call.ak, sk: call.sk ?? 'x' };
  const headers: Record<string, string> = { 'X-Sdk-Date': sdkDate(call.date ?? clock.now()), 'X-Project-Id': call.projectId ?? PID, ...call.headers };
  if (call.securityToken !== undefined) headers['X-Security-Token'] = call.securityToken;
  if (call.body !== undefined) headers['content-type'] = 'application/json';
  const endpoint = `${base}${path}`;
  const request: SdkRequest = { endpoint, method, headers, queryParams: call.query ?? {} };
  if (call.body !== undefined) request.data = call.body;
  const credential = new BasicCredentials()
    .withAk(key.ak)
    .withSk(call.sk ?? key.sk)
    .withProjectId(call.projectId ?? PID);
  const all = AKSKSigner.sign(request, credential);
  // fetch sets host itself, to the same host:port the signer used.
  delete all['host'];
  call.tamper?.(all);
  const query = stringify(call.query ?? {});
  const url = new URL(endpoint);
  if (query !== '') url.search = query;
  const init: RequestInit = { method, headers: all };
  if (call.sendBody !== undefined) init.body = call.sendBody;
  else if (call.body !== undefined) init.body = JSON.stringify(call.body);
  return reply(await fetch(url, init));
}

async function withToken(url: string, token: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Reply> {
  const headers: Record<string, string> = { 'X-Auth-Token': token, ...init.headers };
  const request: RequestInit = { method: init.method ?? 'GET', headers };
  if (init.body !== undefined) {
    headers['content-type'] = 'application/json;charset=UTF-8';
    request.body = JSON.stringify(init.body);
  }
  return reply(await fetch(url, request));
}

function passwordBody(overrides: { user?: string; password?: string; domain?: string; project?: string } = {}): unknown {
  return {
    auth: {
      identity: {
        methods: ['password'],
        password: {
          user: { name: overrides.user ?? 'bulkpilot', password: overrides.password ?? 'Sim-Passw0rd!', domain: { name: overrides.domain ?? 'bulkpilot-sim' } },
        },
      },
      scope: { project: { name: overrides.project ?? 'cn-north-4' } },
    },
  };
}

async function getToken(cloud: HuaweiCloud, query = ''): Promise<Reply> {
  return reply(
    await fetch(`${cloud.iamUrl}/v3/auth/tokens${query}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json;charset=utf8' },
      body: JSON.stringify(passwordBody()),
    }),
  );
}

/** The job of the seed 002 example, renamed; driver inputs may carry sim.* hints. */
function seedJob(name: string, extraDriverInputs: Array<{ name: string; value: string }> = []): Record<string, unknown> {
  return {
    job_type: 'NORMAL_JOB',
    'from-connector-name': 'elasticsearch-connector',
    'to-config-values': {
      configs: [
        {
          inputs: [
            { name: 'toJobConfig.streamName', value: 'dis-lkGm' },
            { name: 'toJobConfig.separator', value: '|' },
            { name: 'toJobConfig.columnList', value: '1&2&3' },
          ],
          name: 'toJobConfig',
        },
      ],
    },
    'to-link-name': 'dis',
    'driver-config-values': {
      configs: [
        {
          inputs: [{ name: 'throttlingConfig.numExtractors', value: '1' }, { name: 'throttlingConfig.numLoaders', value: '1' }, ...extraDriverInputs],
          name: 'throttlingConfig',
        },
        { inputs: [{ name: 'schedulerConfig.isSchedulerJob', value: 'false' }], name: 'schedulerConfig' },
      ],
    },
    'from-config-values': { configs: [{ inputs: [{ name: 'fromJobConfig.index', value: '52est' }], name: 'fromJobConfig' }] },
    'to-connector-name': 'dis-connector',
    name,
    'from-link-name': 'css',
  };
}

/** The MRS create body of the seed 004 example. */
function mrsBody(taskName = 'mrstask', overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    destination_type: 'MRS',
    mrs_destination_descriptor: {
      task_name: taskName,
      consumer_strategy: 'LATEST',
      agency_name: 'dis_admin_agency',
      destination_file_type: 'text',
      mrs_cluster_id: 'f8123fa6-99f1-4ed9-83f4-c827c7277d41',
      mrs_cluster_name: 'mrscluster',
      mrs_hdfs_path: '/user',
      obs_bucket_path: 'obsbucket',
      file_prefix: '',
      hdfs_prefix_folder: '',
      deliver_time_interval: 30,
      retry_duration: 1800,
      ...overrides,
    },
  };
}

const jobPath = (cluster: string, name = ''): string => `/v1.1/${PID}/clusters/${cluster}/cdm/job${name === '' ? '' : `/${encodeURIComponent(name)}`}`;
const tasksPath = (stream = DEFAULT_STREAM): string => `/v2/${PID}/streams/${stream}/transfer-tasks`;

/** node:http for what fetch hides: connection resets. */
function rawRequest(url: string, method: string, headers: Record<string, string>, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

// =============================================================================================

describe('huawei cloud simulator: AK/SK signatures checked against the official SDK signer', () => {
  it('accepts a GET with a query signed by AKSKSigner and records who called', async () => {
    const { cloud, clock } = await start();
    await signed(clock, cloud.cdmUrl, jobPath(CLUSTER_A), { method: 'POST', body: { jobs: [seedJob('es_css')] } });
    const r = await signed(clock, cloud.cdmUrl, jobPath(CLUSTER_A, 'all'), { query: { filter: 'es', page_no: '1', page_size: '10', jobType: 'NORMAL_JOB' } });
    expect(r.status).toBe(200);
    expect(r.json.jobs.map((j: any) => j.name)).toEqual(['es_css']);
    const record = cloud.received.at(-1)!;
    expect(record.query).toEqual({ filter: 'es', page_no: '1', page_size: '10', jobType: 'NORMAL_JOB' });
    expect(record.auth).toEqual({ method: 'aksk', accessKey: DEFAULT_ACCESS_KEY.ak, user: 'bulkpilot' });
  });

  it('accepts a POST with a JSON body signed by AKSKSigner (DIS) and hashes the exact bytes', async () => {
    const { cloud, clock } = await start();
    const r = await signed(clock, cloud.disUrl, tasksPath(), { method: 'POST', body: mrsBody() });
    expect([r.status, r.text]).toEqual([201, '']);
    expect(cloud.received.at(-1)!.rawBody.toString('utf8')).toBe(JSON.stringify(mrsBody()));
  });

  it('accepts a temporary key only with its X-Security-Token', async () => {
    const { cloud, clock } = await start();
    const temp = { ak: DEFAULT_TEMPORARY_KEY.ak, sk: DEFAULT_TEMPORARY_KEY.sk };
    const ok = await signed(clock, cloud.cdmUrl, `/v1.1/${PID}/clusters`, { ...temp, securityToken: DEFAULT_TEMPORARY_KEY.securityToken! });
    expect(ok.status).toBe(200);
    const cdmMissing = await signed(clock, cloud.cdmUrl, `/v1.1/${PID}/clusters`, temp);
    expect(cdmMissing.status).toBe(401);
    expect(cdmMissing.json.error_code).toBe('APIGW.0301');
    const disWrong = await signed(clock, cloud.disUrl, tasksPath(), { ...temp, securityToken: 'not-the-token' });
    expect([disWrong.status, disWrong.json.errorCode]).toEqual([441, 'DIS.4100']);
  });

  it('refuses an expired temporary key on the clock', async () => {
    const { cloud, clock } = await start({
      account: { accessKeys: [{ ak: 'TMPAK', sk: 'TMPSK', user: 'bulkpilot', securityToken: 'st', expiresAt: T0 + 60_000 }] },
    });
    expect((await signed(clock, cloud.cdmUrl, `/v1.1/${PID}/clusters`, { ak: 'TMPAK', sk: 'TMPSK', securityToken: 'st' })).status).toBe(200);
    clock.advance(60_000);
    const r = await signed(clock, cloud.cdmUrl, `/v1.1/${PID}/clusters`, { ak: 'TMPAK', sk: 'TMPSK', securityToken: 'st' });
    expect(r.status).toBe(401);
    expect(cloud.received.at(-1)!.auth?.failure).toMatch(/expired/);
  });

  it('refuses a tampered signature, a tampered body and a wrong SK', async () => {
    const { cloud, clock } = await start();
    const flip = (h: Record<string, string>): void => {
      h['Authorization'] = h['Authorization']!.replace(/Signature=(.)/, (_, c: string) => `Signature=${c === '0' ? '1' : '0'}`);
    };
    const cdm = await signed(clock, cloud.cdmUrl, `/v1.1/${PID}/clusters`, { tamper: flip });
    expect(cdm.status).toBe(401);
    expect(cdm.json).toEqual({
      error_code: 'APIGW.0301',
      error_msg: 'Incorrect IAM authentication information: verify aksk signature fail',
      request_id: cdm.headers.get('x-request-id'),
    });
    const dis = await signed(clock, cloud.disUrl, tasksPath(), { tamper: flip });
    expect([dis.status, dis.json]).toEqual([441, { errorCode: 'DIS.4100', message: 'Authorization error.' }]);
    const body = await signed(clock, cloud.disUrl, tasksPath(), { method: 'POST', body: mrsBody(), sendBody: JSON.stringify(mrsBody('other')) });
    expect([body.status, body.json.errorCode]).toEqual([441, 'DIS.4100']);
    expect(cloud.dis.tasks()).toEqual([]);
    const wrongSk = await signed(clock, cloud.cdmUrl, `/v1.1/${PID}/clusters`, { sk: 'not-the-secret' });
    expect(wrongSk.status).toBe(401);
    expect(cloud.received.at(-1)!.auth?.failure).toMatch(/canonical request was:\nGET\n\/v1\.1\//);
  });

  it('refuses an X-Sdk-Date more than 15 minutes off the injected clock, either way', async () => {
    const { cloud, clock } = await start();
    const at = (offset: number) => signed(clock, cloud.disUrl, tasksPath(), { date: clock.now() + offset });
    expect((await at(-14 * 60_000)).status).toBe(200);
    expect((await at(14 * 60_000)).status).toBe(200);
    const stale = await at(-16 * 60_000);
    expect([stale.status, stale.json]).toEqual([441, { errorCode: 'DIS.4105', message: 'Invalid X-Sdk-Date header.' }]);
    expect((await at(16 * 60_000)).status).toBe(441);
    const cdm = await signed(clock, cloud.cdmUrl, `/v1.1/${PID}/clusters`, { date: clock.now() - 16 * 60_000 });
    expect([cdm.status, cdm.json.error_code]).toEqual([401, 'APIGW.0301']);
    // A signature made "now" goes stale as virtual time passes.
    const date = clock.now();
    clock.advance(20 * 60_000);
    expect((await signed(clock, cloud.cdmUrl, `/v1.1/${PID}/clusters`, { date })).status).toBe(401);
  });

  it('answers DIS signature-layer errors with HTTP 441 and the documented DIS.41xx codes', async () => {
    const { cloud, clock } = await start();
    const url = `${cloud.disUrl}${tasksPath()}`;
    const none = await reply(await fetch(url));
    expect([none.status, none.json]).toEqual([441, { errorCode: 'DIS.4101', message: 'Authorization header cannot be empty.' }]);
    const noDate = await reply(
      await fetch(url, { headers: { authorization: `SDK-HMAC-SHA256 Access=${DEFAULT_ACCESS_KEY.ak}, SignedHeaders=host, Signature=00` } }),
    );
    expect([noDate.status, noDate.json]).toEqual([441, { errorCode: 'DIS.4103', message: 'Empty X-Sdk-Date header.' }]);
    const badDate = await reply(
      await fetch(url, { headers: { 'x-sdk-date': '2024-05-01 10:00', authorization: `SDK-HMAC-SHA256 Access=A, SignedHeaders=host, Signature=00` } }),
    );
    expect(badDate.json.errorCode).toBe('DIS.4104');
    const garbage = await reply(await fetch(url, { headers: { authorization: 'Basic Zm9vOmJhcg==' } }));
    expect(garbage.json.errorCode).toBe('DIS.4102');
    const fields = await reply(await fetch(url, { headers: { authorization: 'SDK-HMAC-SHA256 Access=A, Signature=00' } }));
    expect(fields.json.errorCode).toBe('DIS.4109');
    const unknownAk = await signed(clock, cloud.disUrl, tasksPath(), { ak: 'NOSUCHAK', sk: 'x' });
    expect([unknownAk.status, unknownAk.json.errorCode]).toEqual([441, 'DIS.4107']);
  });

  it('refuses an X-Project-Id that does not match the path: 401 on CDM, DIS.4117 on DIS', async () => {
    const { cloud, clock } = await start();
    const other = 'ffffffffffffffffffffffffffffffff';
    const cdm = await signed(clock, cloud.cdmUrl, `/v1.1/${other}/clusters`);
    expect([cdm.status, cdm.json.error_code]).toEqual([401, 'APIGW.0301']);
    const dis = await signed(clock, cloud.disUrl, `/v2/${other}/streams/${DEFAULT_STREAM}/transfer-tasks`);
    expect([dis.status, dis.json]).toEqual([400, { errorCode: 'DIS.4117', message: 'Invalid Project Id.' }]);
  });

  it('refuses an unsigned request on CDM with the gateway body', async () => {
    const { cloud } = await start();
    const r = await reply(await fetch(`${cloud.cdmUrl}/v1.1/${PID}/clusters`));
    expect(r.status).toBe(401);
    expect(r.json).toEqual({
      error_code: 'APIGW.0301',
      error_msg: 'Incorrect IAM authentication information: x-auth-token not found',
      request_id: expect.stringMatching(/^[0-9a-f]{32}$/),
    });
  });

  it('matches the official signer on a path with a space only in node-sdk mode (the §4 caveat)', async () => {
    const name = 'daily load';
    for (const [mode, expected] of [
      ['gateway', 401],
      ['node-sdk', 200],
    ] as const) {
      const { cloud, clock } = await start({ auth: { pathCanonicalization: mode } });
      // HcClient substitutes path parameters raw; the signer re-encodes the pathname url.parse escaped.
      await signed(clock, cloud.cdmUrl, jobPath(CLUSTER_A), { method: 'POST', body: { jobs: [seedJob(name)] } });
      const r = await signed(clock, cloud.cdmUrl, `/v1.1/${PID}/clusters/${CLUSTER_A}/cdm/job/${name}`);
      expect([mode, r.status]).toEqual([mode, expected]);
      if (expected === 200) expect(r.json.jobs[0].name).toBe(name);
    }
  });

  it('uses the APIG prefix when configured', async () => {
    const { cloud } = await start({ auth: { apigErrorPrefix: 'APIG' } });
    const r = await reply(await fetch(`${cloud.cdmUrl}/v1.1/${PID}/clusters`));
    expect(r.json.error_code).toBe('APIG.0301');
  });
});

describe('huawei cloud simulator: IAM tokens', () => {
  it('answers 201 with the token in X-Subject-Token and expires_at 24 h later on the clock', async () => {
    const { cloud } = await start();
    const r = await getToken(cloud);
    expect(r.status).toBe(201);
    const token = r.headers.get('x-subject-token');
    expect(token).toMatch(/^MII[A-Za-z0-9+/]{1000,}$/);
    expect(r.json.token.expires_at).toBe('2024-05-02T10:00:00.000000Z');
    expect(r.json.token.issued_at).toBe('2024-05-01T10:00:00.000000Z');
    expect(r.json.token.project).toEqual({ id: PID, name: 'cn-north-4', domain: { id: expect.any(String), name: 'bulkpilot-sim' } });
    expect(r.json.token.user.name).toBe('bulkpilot');
    expect(r.json.token.catalog.map((c: any) => c.type)).toEqual(['cdm', 'dis']);
    expect(r.json.token.catalog[0].endpoints[0].url).toBe(`${cloud.cdmUrl}/v1.1/$(tenant_id)s`);
    expect((await getToken(cloud, '?nocatalog=true')).json.token.catalog).toBeUndefined();
    expect(cloud.iam.tokenRequests()).toBe(2);
  });

  it('refuses wrong credentials with 401 and an IAM error body, and a bad body or project with 400', async () => {
    const { cloud } = await start();
    const post = async (body: unknown) =>
      reply(await fetch(`${cloud.iamUrl}/v3/auth/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }));
    const wrong = await post(passwordBody({ password: 'nope' }));
    expect([wrong.status, wrong.json]).toEqual([401, { error: { code: 401, message: 'The username or password is wrong.', title: 'Unauthorized' } }]);
    expect(wrong.headers.get('x-subject-token')).toBeNull();
    expect((await post(passwordBody({ domain: 'someone-else' }))).status).toBe(401);
    expect((await post(passwordBody({ user: 'nobody' }))).status).toBe(401);
    expect((await post(passwordBody({ project: 'eu-west-101' }))).status).toBe(400);
    expect((await post({ auth: {} })).status).toBe(400);
  });

  it('lets CDM and DIS accept the token, then refuse it once expired so the client re-acquires', async () => {
    const { cloud, clock } = await start();
    const token = (await getToken(cloud)).headers.get('x-subject-token')!;
    expect((await withToken(`${cloud.cdmUrl}/v1.1/${PID}/clusters`, token)).status).toBe(200);
    expect((await withToken(`${cloud.disUrl}${tasksPath()}`, token)).status).toBe(200);
    clock.advance(24 * 3_600_000);
    const cdm = await withToken(`${cloud.cdmUrl}/v1.1/${PID}/clusters`, token);
    expect([cdm.status, cdm.json.error_code, cdm.json.error_msg]).toEqual([401, 'APIGW.0307', 'The token must be updated.']);
    const dis = await withToken(`${cloud.disUrl}${tasksPath()}`, token);
    expect([dis.status, dis.json.errorCode]).toEqual([401, 'DIS.4114']);
    expect(dis.json.message).toMatch(/token must be updated/);
    const fresh = (await getToken(cloud)).headers.get('x-subject-token')!;
    expect((await withToken(`${cloud.cdmUrl}/v1.1/${PID}/clusters`, fresh)).status).toBe(200);
  });

  it('refuses revoked tokens everywhere, and tokens it never issued', async () => {
    const { cloud } = await start({ dis: { tokenErrorStatus: 441 } });
    const token = (await getToken(cloud)).headers.get('x-subject-token')!;
    cloud.iam.revokeTokens();
    expect((await withToken(`${cloud.cdmUrl}/v1.1/${PID}/clusters`, token)).json.error_code).toBe('APIGW.0307');
    expect((await withToken(`${cloud.disUrl}${tasksPath()}`, token)).status).toBe(441);
    const forged = await withToken(`${cloud.cdmUrl}/v1.1/${PID}/clusters`, 'MIIforged');
    expect(forged.json.error_msg).toBe('Incorrect IAM authentication information: decrypt token fail');
    expect((await withToken(`${cloud.cdmUrl}/v1.1/${PID}/clusters`, cloud.iam.issueToken())).status).toBe(200);
  });

  it('refuses a token scoped to another project', async () => {
    const second = { id: '22222222222222222222222222222222', name: 'ap-southeast-1' };
    const { cloud } = await start({ account: { projects: [DEFAULT_PROJECT, second] } });
    const token = cloud.iam.issueToken({ projectName: 'ap-southeast-1' });
    expect((await withToken(`${cloud.cdmUrl}/v1.1/${PID}/clusters`, token)).status).toBe(401);
    expect((await withToken(`${cloud.disUrl}${tasksPath()}`, token)).json.errorCode).toBe('DIS.4117');
    expect((await withToken(`${cloud.cdmUrl}/v1.1/${second.id}/clusters`, token)).json).toEqual({ clusters: [] });
  });
});

describe('huawei cloud simulator: CDM clusters and random-cluster create', () => {
  it('lists clusters with status code strings and shows one', async () => {
    const { cloud } = await start({
      cdm: {
        clusters: [
          { id: 'c-1', name: 'one' },
          { id: 'c-2', name: 'two', status: '900' },
        ],
      },
    });
    const token = cloud.iam.issueToken();
    const list = await withToken(`${cloud.cdmUrl}/v1.1/${PID}/clusters`, token);
    expect(list.json.clusters.map((c: any) => [c.id, c.name, c.status, c.statusDetail])).toEqual([
      ['c-1', 'one', '200', 'Normal'],
      ['c-2', 'two', '900', 'Shut down'],
    ]);
    const one = await withToken(`${cloud.cdmUrl}/v1.1/${PID}/clusters/c-2`, token);
    expect(one.json).toMatchObject({ id: 'c-2', status: '900', isFrozen: '0', created: '2024-05-01T10:00:00Z' });
    const missing = await withToken(`${cloud.cdmUrl}/v1.1/${PID}/clusters/c-9`, token);
    expect([missing.status, missing.json.errCode]).toEqual([400, 'Cdm.0001']);
  });

  it('creates and starts the seed 002 job on a running cluster and answers only submissions', async () => {
    const { cloud, clock } = await start();
    const r = await signed(clock, cloud.cdmUrl, `/v1.1/${PID}/clusters/job`, {
      method: 'POST',
      headers: { 'X-Language': 'en-us' },
      body: { jobs: [seedJob('es_css')], clusters: [CLUSTER_A, CLUSTER_B, CLUSTER_B] },
    });
    expect(r.status).toBe(200);
    // The seed's example answer, field for field: no cluster id anywhere.
    expect(r.json).toEqual({
      submissions: [
        {
          isIncrementing: false,
          'job-name': 'es_css',
          'submission-id': 1,
          isStopingIncrement: '',
          'last-update-date': T0,
          'is-execute-auto': false,
          delete_rows: 0,
          write_rows: 0,
          isDeleteJob: false,
          'creation-user': 'bulkpilot',
          progress: 0,
          'creation-date': T0,
          update_rows: 0,
          status: 'PENDING',
          'execute-date': T0,
        },
      ],
    });
    const [job] = cloud.cdm.jobs();
    expect([CLUSTER_A, CLUSTER_B]).toContain(job?.clusterId);
    expect(cloud.cdm.submissions()).toHaveLength(1);
  });

  it('requires X-Language on random create', async () => {
    const { cloud } = await start();
    const token = cloud.iam.issueToken();
    const body = { jobs: [seedJob('j')], clusters: [CLUSTER_A] };
    const r = await withToken(`${cloud.cdmUrl}/v1.1/${PID}/clusters/job`, token, { method: 'POST', body });
    expect([r.status, r.json.errCode]).toEqual([400, 'Cdm.0014']);
    expect(r.json.externalMessage).toMatch(/X-Language/);
    const relaxed = await start({ cdm: { requireXLanguage: false } });
    const ok = await withToken(`${relaxed.cloud.cdmUrl}/v1.1/${PID}/clusters/job`, relaxed.cloud.iam.issueToken(), { method: 'POST', body });
    expect(ok.status).toBe(200);
  });

  it('places random creates only on clusters in status 200, and the same seed places the same way', async () => {
    const clusters = [
      { id: 'run-1', name: 'r1' },
      { id: 'off-1', name: 'o1', status: '900' },
      { id: 'run-2', name: 'r2' },
      { id: 'frozen', name: 'f', status: '800' },
    ];
    async function placements(seed: number): Promise<string[]> {
      const { cloud } = await start({ seed, cdm: { clusters } });
      const token = cloud.iam.issueToken();
      for (let i = 0; i < 12; i++) {
        const body = { jobs: [seedJob(`job-${i}`)], clusters: ['off-1', 'run-1', 'frozen', 'run-2', 'no-such-cluster'] };
        const r = await withToken(`${cloud.cdmUrl}/v1.1/${PID}/clusters/job`, token, { method: 'POST', body, headers: { 'X-Language': 'en-us' } });
        expect(r.status).toBe(200);
      }
      return cloud.cdm
        .jobs()
        .sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }))
        .map((j) => j.clusterId);
    }
    const first = await placements(11);
    expect(new Set(first)).toEqual(new Set(['run-1', 'run-2']));
    expect(await placements(11)).toEqual(first);
  });

  it('refuses a random create when no candidate is running', async () => {
    const { cloud } = await start({
      cdm: {
        clusters: [
          { id: 'a', name: 'a', status: '900' },
          { id: 'b', name: 'b', status: '100' },
        ],
      },
    });
    const r = await withToken(`${cloud.cdmUrl}/v1.1/${PID}/clusters/job`, cloud.iam.issueToken(), {
      method: 'POST',
      headers: { 'X-Language': 'en-us' },
      body: { jobs: [seedJob('j')], clusters: ['a', 'b'] },
    });
    expect([r.status, r.json.errCode]).toEqual([400, 'Cdm.0201']);
    expect(cloud.cdm.jobs()).toEqual([]);
  });

  it('keeps job names unique per cluster only, so a replayed random create can start a second job elsewhere', async () => {
    const { cloud } = await start({ seed: 3 });
    const token = cloud.iam.issueToken();
    const create = (cluster: string) => withToken(`${cloud.cdmUrl}${jobPath(cluster)}`, token, { method: 'POST', body: { jobs: [seedJob('daily')] } });
    expect((await create(CLUSTER_A)).json).toEqual({ name: 'daily', 'validation-result': [] });
    const duplicate = await create(CLUSTER_A);
    expect([duplicate.status, duplicate.json.errCode]).toEqual([400, 'Cdm.0104']);
    expect((await create(CLUSTER_B)).status).toBe(200);

    // Random create: replays land wherever the draw says; the name does not protect against a second run.
    const random = () =>
      withToken(`${cloud.cdmUrl}/v1.1/${PID}/clusters/job`, token, {
        method: 'POST',
        headers: { 'X-Language': 'en-us' },
        body: { jobs: [seedJob('nightly')], clusters: [CLUSTER_A, CLUSTER_B] },
      });
    const statuses: number[] = [];
    for (let i = 0; i < 6 && cloud.cdm.jobs().filter((j) => j.name === 'nightly').length < 2; i++) statuses.push((await random()).status);
    expect(
      cloud.cdm
        .jobs()
        .filter((j) => j.name === 'nightly')
        .map((j) => j.clusterId)
        .sort(),
    ).toEqual([CLUSTER_A, CLUSTER_B].sort());
    expect(statuses.filter((s) => s === 200)).toHaveLength(2);
    expect(cloud.cdm.submissions().filter((s) => s.jobName === 'nightly')).toHaveLength(2);
  });
});

describe('huawei cloud simulator: CDM per-cluster job API', () => {
  async function setup(options: HuaweiCloudOptions = {}) {
    const { cloud, clock } = await start(options);
    const token = cloud.iam.issueToken();
    const call = (path: string, init: { method?: string; body?: unknown } = {}) => withToken(`${cloud.cdmUrl}${path}`, token, init);
    const create = (job: Record<string, unknown>, cluster = CLUSTER_A) => call(jobPath(cluster), { method: 'POST', body: { jobs: [job] } });
    const startJob = (name: string, cluster = CLUSTER_A) => call(`${jobPath(cluster, name)}/start`, { method: 'PUT', body: { variables: {} } });
    const status = async (name: string, cluster = CLUSTER_A) => (await call(`${jobPath(cluster, name)}/status`)).json.submissions[0];
    return { cloud, clock, token, call, create, startJob, status };
  }

  it('creates a job and shows it with the read-only fields and URL-encoded config values', async () => {
    const { create, call } = await setup();
    expect((await create(seedJob('es_css'))).json).toEqual({ name: 'es_css', 'validation-result': [] });
    const shown = await call(jobPath(CLUSTER_A, 'es_css'));
    expect(shown.json).toMatchObject({ total: 0, page_no: 1, page_size: 10 });
    const job = shown.json.jobs[0];
    expect(job).toMatchObject({ name: 'es_css', job_type: 'NORMAL_JOB', status: 'NEW', 'creation-user': 'bulkpilot', 'creation-date': T0 });
    const columns = job['to-config-values'].configs[0].inputs.find((i: any) => i.name === 'toJobConfig.columnList');
    expect(columns.value).toBe('1%262%263');
  });

  it('returns config values as sent when encodeConfigValues is false', async () => {
    const { create, call } = await setup({ cdm: { encodeConfigValues: false } });
    await create(seedJob('plain'));
    const job = (await call(jobPath(CLUSTER_A, 'plain'))).json.jobs[0];
    expect(job['to-config-values'].configs[0].inputs[2].value).toBe('1&2&3');
  });

  it('lists only NORMAL_JOB jobs under all unless jobType says otherwise', async () => {
    const { create, call } = await setup();
    await create(seedJob('table-a'));
    await create({ ...seedJob('whole-db'), job_type: 'BATCH_JOB' });
    await create(seedJob('table-b'));
    const all = await call(`${jobPath(CLUSTER_A, 'all')}?filter=table`);
    expect([all.json.total, all.json.jobs.map((j: any) => j.name)]).toEqual([2, ['table-a', 'table-b']]);
    const batch = await call(`${jobPath(CLUSTER_A, 'all')}?jobType=BATCH_JOB`);
    expect(batch.json.jobs.map((j: any) => j.name)).toEqual(['whole-db']);
  });

  it('refuses incomplete jobs and unknown links, and answers validation-result errors with 200', async () => {
    const { create, cloud } = await setup({ cdm: { clusters: [{ id: CLUSTER_A, name: 'a', links: ['css', 'dis'] }] } });
    const { ['to-link-name']: _drop, ...noLink } = seedJob('x');
    const missing = await create(noLink);
    expect([missing.status, missing.json.errCode]).toEqual([400, 'Cdm.0089']);
    const badLink = await create({ ...seedJob('y'), 'from-link-name': 'mysql' });
    expect([badLink.status, badLink.json]).toEqual([400, { errCode: 'Cdm.0101', externalMessage: "Link[mysql] doesn't exist." }]);
    const invalid = await create(seedJob('z', [{ name: 'sim.validationError', value: 'numExtractors_too_large' }]));
    expect([invalid.status, invalid.json]).toEqual([200, { name: 'z', 'validation-result': [{ status: 'ERROR', message: 'numExtractors too large' }] }]);
    expect(cloud.cdm.jobs()).toEqual([]);
  });

  it('reports NEVER_EXECUTED before the first start, then walks PENDING → BOOTING → RUNNING → SUCCEEDED on the clock', async () => {
    const { create, startJob, status, clock } = await setup();
    await create(seedJob('walk'));
    expect(await status('walk')).toMatchObject({ 'job-name': 'walk', status: 'NEVER_EXECUTED' });
    const started = await startJob('walk');
    expect(started.json.submissions[0]).toMatchObject({ status: 'PENDING', 'submission-id': 1, progress: 0 });

    const pending = await status('walk');
    expect(pending.status).toBe('PENDING');
    expect(pending['last-udpate-user']).toBeUndefined();
    expect(pending['external-id']).toBeUndefined();
    clock.advance(1_000);
    const booting = await status('walk');
    expect([booting.status, booting['last-update-date'], booting['last-udpate-user']]).toEqual(['BOOTING', T0 + 1_000, 'bulkpilot']);
    expect(booting['external-id']).toMatch(/^job_local\d{10}_0001$/);
    clock.advance(2_000 + 2_500);
    const running = await status('walk');
    expect([running.status, running.progress]).toEqual(['RUNNING', 50]);
    expect(running.counters).toBeUndefined();
    clock.advance(2_500);
    const done = await status('walk');
    expect([done.status, done.progress]).toEqual(['SUCCEEDED', 100]);
    expect(done.counters['org.apache.sqoop.submission.counter.SqoopCounters']).toMatchObject({ ROWS_READ: 1000, ROWS_WRITTEN: 1000, FILES_READ: -1 });
    expect(done['error-summary']).toBeUndefined();
    clock.advance(3_600_000);
    expect((await status('walk')).status).toBe('SUCCEEDED');
  });

  it('fails a run on the sim.fail hint with progress -1 and error fields, and sim.failTimes lets the next start succeed', async () => {
    const { create, startJob, status, clock } = await setup();
    await create(
      seedJob('flaky', [
        { name: 'sim.fail', value: 'true' },
        { name: 'sim.failTimes', value: '1' },
      ]),
    );
    await startJob('flaky');
    clock.advance(60_000);
    const failed = await status('flaky');
    expect([failed.status, failed.progress]).toEqual(['FAILED', -1]);
    expect(failed['error-summary']).toMatch(/Simulated failure/);
    expect(failed['error-details']).toMatch(/SqoopException/);
    expect(failed.counters).toBeUndefined();
    await startJob('flaky');
    clock.advance(60_000);
    expect(await status('flaky')).toMatchObject({ status: 'SUCCEEDED', 'submission-id': 2 });
  });

  it('supports a custom plan, NEW as first status and the last-update-user spelling', async () => {
    const seen: number[] = [];
    const { create, startJob, status, clock } = await setup({
      cdm: {
        firstStatus: 'NEW',
        userFieldName: 'last-update-user',
        plan: (_job, ctx) => {
          seen.push(ctx.run);
          return { queueMs: 500, bootMs: 0, runMs: 1_000, outcome: 'UNKNOWN', progress: (f) => f * f };
        },
      },
    });
    await create(seedJob('custom'));
    await startJob('custom');
    expect((await status('custom')).status).toBe('NEW');
    clock.advance(1_000);
    const running = await status('custom');
    expect([running.status, running.progress, running['last-update-user']]).toEqual(['RUNNING', 25, 'bulkpilot']);
    expect(running['last-udpate-user']).toBeUndefined();
    clock.advance(1_000);
    expect((await status('custom')).status).toBe('UNKNOWN');
    expect(seen).toEqual([1]);
  });

  it('creates a new submission on every start and lists the history newest first', async () => {
    const { create, startJob, call, clock } = await setup();
    await create(seedJob('hist'));
    await startJob('hist');
    clock.advance(60_000);
    await startJob('hist');
    const history = await call(`/v1.1/${PID}/clusters/${CLUSTER_A}/cdm/submissions?jname=hist`);
    expect(history.json).toMatchObject({ total: 2, page_no: 1, page_size: 10 });
    expect(history.json.submissions.map((s: any) => [s['submission-id'], s.status])).toEqual([
      [2, 'PENDING'],
      [1, 'SUCCEEDED'],
    ]);
    const unknown = await call(`/v1.1/${PID}/clusters/${CLUSTER_A}/cdm/submissions?jname=nope`);
    expect([unknown.status, unknown.json.errCode]).toEqual([400, 'Cdm.0100']);
  });

  it.each([
    ['sim-submit-fail', [], 'FAILURE_ON_SUBMIT', -1],
    ['never', [{ name: 'sim.outcome', value: 'NEVER_EXECUTED' }], 'NEVER_EXECUTED', 0],
  ] as const)('reports %s in the start answer itself', async (name, hints, expected, progress) => {
    const { create, startJob, status, clock } = await setup();
    await create(seedJob(name, [...hints]));
    const started = await startJob(name);
    expect([started.json.submissions[0].status, started.json.submissions[0].progress]).toEqual([expected, progress]);
    clock.advance(60_000);
    expect((await status(name)).status).toBe(expected);
  });

  it('fails a job whose name carries sim-fail, after sim.failAfterMs of running', async () => {
    const { create, startJob, status, clock } = await setup();
    await create(seedJob('load-sim-fail', [{ name: 'sim.failAfterMs', value: '1000' }]));
    await startJob('load-sim-fail');
    clock.advance(1_000 + 2_000 + 999);
    expect((await status('load-sim-fail')).status).toBe('RUNNING');
    clock.advance(1);
    expect((await status('load-sim-fail')).status).toBe('FAILED');
  });

  it('lags status behind a start when asked (sim.statusLagMs)', async () => {
    const { create, startJob, status, clock } = await setup();
    await create(seedJob('laggy', [{ name: 'x', value: 'sim.statusLagMs=2000' }]));
    await startJob('laggy');
    expect((await status('laggy')).status).toBe('NEVER_EXECUTED');
    clock.advance(2_000);
    expect((await status('laggy')).status).toBe('BOOTING');
  });

  it('stops a running job: {"validation-result":[]} by default and FAILED with a stop summary', async () => {
    const { create, startJob, status, call, clock } = await setup();
    await create(seedJob('stopme'));
    await startJob('stopme');
    clock.advance(4_000);
    const stop = await call(`${jobPath(CLUSTER_A, 'stopme')}/stop`, { method: 'PUT' });
    expect([stop.status, stop.json]).toEqual([200, { 'validation-result': [] }]);
    clock.advance(60_000);
    const stopped = await status('stopme');
    expect([stopped.status, stopped.progress, stopped['last-update-date']]).toEqual(['FAILED', -1, T0 + 4_000]);
    expect(stopped['error-summary']).toMatch(/stopped/);
    // A replayed stop is a no-op.
    expect((await call(`${jobPath(CLUSTER_A, 'stopme')}/stop`, { method: 'PUT' })).json).toEqual({ 'validation-result': [] });
  });

  it.each([
    ['submissions', (json: any) => expect(json.submissions[0]).toMatchObject({ 'job-name': 'v', status: 'STOPPED' })],
    ['empty', (json: any) => expect(json).toEqual({})],
  ] as const)('answers a stop in the %s variant and uses the configured stopped status', async (variant, check) => {
    const { create, startJob, call, clock, status } = await setup({ cdm: { stopResponse: variant, stoppedStatus: 'STOPPED' } });
    await create(seedJob('v'));
    await startJob('v');
    clock.advance(3_500);
    check((await call(`${jobPath(CLUSTER_A, 'v')}/stop`, { method: 'PUT' })).json);
    expect((await status('v')).status).toBe('STOPPED');
  });

  it('answers a stop of an idle job with a validation error when configured', async () => {
    const { create, call } = await setup({ cdm: { stopWhenIdle: 'validation-error' } });
    await create(seedJob('idle'));
    const r = await call(`${jobPath(CLUSTER_A, 'idle')}/stop`, { method: 'PUT' });
    expect(r.json['validation-result'][0]).toMatchObject({ status: 'ERROR' });
  });

  it('updates a job, deletes it with an empty 200, and then answers Cdm.0100 with 400 (show) and 500 (delete)', async () => {
    const { create, call } = await setup();
    await create(seedJob('doomed'));
    const update = await call(jobPath(CLUSTER_A, 'doomed'), { method: 'PUT', body: { jobs: [{ ...seedJob('doomed'), 'to-link-name': 'dis2' }] } });
    expect([update.status, update.json]).toEqual([200, { 'validation-result': [] }]);
    expect((await call(jobPath(CLUSTER_A, 'doomed'))).json.jobs[0]['to-link-name']).toBe('dis2');
    const deleted = await call(jobPath(CLUSTER_A, 'doomed'), { method: 'DELETE' });
    expect([deleted.status, deleted.text]).toEqual([200, '']);
    const shown = await call(jobPath(CLUSTER_A, 'doomed'));
    expect([shown.status, shown.json]).toEqual([400, { errCode: 'Cdm.0100', externalMessage: "Job[doomed] doesn't exist." }]);
    const again = await call(jobPath(CLUSTER_A, 'doomed'), { method: 'DELETE' });
    expect([again.status, again.json.errCode]).toEqual([500, 'Cdm.0100']);
    for (const [path, method] of [
      [`${jobPath(CLUSTER_A, 'doomed')}/status`, 'GET'],
      [`${jobPath(CLUSTER_A, 'doomed')}/start`, 'PUT'],
      [`${jobPath(CLUSTER_A, 'doomed')}/stop`, 'PUT'],
      [jobPath(CLUSTER_A, 'doomed'), 'PUT'],
    ] as const) {
      const r = await call(path, method === 'GET' ? {} : { method, body: { jobs: [seedJob('doomed')] } });
      expect([path, method, r.status, r.json.errCode]).toEqual([path, method, 400, 'Cdm.0100']);
    }
  });

  it('uses the configured HTTP status of Cdm.0100 per operation', async () => {
    const { call } = await setup({ cdm: { notFoundStatus: { showJob: 500, deleteJob: 400 } } });
    expect((await call(jobPath(CLUSTER_A, 'x'))).status).toBe(500);
    expect((await call(jobPath(CLUSTER_A, 'x'), { method: 'DELETE' })).status).toBe(400);
  });

  it('deletes a job with disposableType DELETE_AFTER_SUCCEED once its run succeeds', async () => {
    const { create, startJob, call, clock } = await setup();
    await create(seedJob('oneshot', [{ name: 'schedulerConfig.disposableType', value: 'DELETE_AFTER_SUCCEED' }]));
    const started = await startJob('oneshot');
    expect(started.json.submissions[0].isDeleteJob).toBe(true);
    clock.advance(60_000);
    expect((await call(`${jobPath(CLUSTER_A, 'oneshot')}/status`)).json.errCode).toBe('Cdm.0100');
  });

  it('refuses job calls on a cluster that is not running', async () => {
    const { cloud, create } = await setup();
    cloud.cdm.setClusterStatus(CLUSTER_A, '900');
    const r = await create(seedJob('late'));
    expect([r.status, r.json.errCode]).toEqual([400, 'Cdm.0201']);
    cloud.cdm.setClusterStatus(CLUSTER_A, '200');
    expect((await create(seedJob('late'))).status).toBe(200);
  });

  it('forces a submission state through the helper', async () => {
    const { cloud, create, startJob, status } = await setup();
    await create(seedJob('forced'));
    await startJob('forced');
    cloud.cdm.forceSubmission(CLUSTER_A, 'forced', { status: 'FAILED', errorSummary: 'disk full' });
    expect(await status('forced')).toMatchObject({ status: 'FAILED', progress: -1, 'error-summary': 'disk full' });
    expect(cloud.cdm.submissions()[0]).toMatchObject({ status: 'FAILED', jobName: 'forced' });
  });

  it('injects Cdm.0202 (job status unknown) as a transient fault', async () => {
    const { cloud, create, startJob, call } = await setup();
    await create(seedJob('j'));
    await startJob('j');
    cloud.faults.add({ endpoint: 'cdm.jobStatus', kind: 'error', code: 'Cdm.0202', times: 1 });
    const first = await call(`${jobPath(CLUSTER_A, 'j')}/status`);
    expect([first.status, first.json]).toEqual([400, { errCode: 'Cdm.0202', externalMessage: 'The job status is unknown. Try again later.' }]);
    expect((await call(`${jobPath(CLUSTER_A, 'j')}/status`)).status).toBe(200);
  });

  it('answers unknown paths and methods with the gateway 404', async () => {
    const { call } = await setup();
    const r = await call(`/v1.1/${PID}/clusters/${CLUSTER_A}/cdm/link`);
    expect([r.status, r.json.error_code]).toEqual([404, 'APIGW.0101']);
    expect((await call(jobPath(CLUSTER_A, 'x'), { method: 'POST' })).status).toBe(404);
  });
});

describe('huawei cloud simulator: DIS dump tasks', () => {
  async function setup(options: HuaweiCloudOptions = {}) {
    const { cloud, clock } = await start(options);
    let token = cloud.iam.issueToken();
    // Tokens live 24 h on the clock too; tests that run for days renew theirs.
    const renewToken = (): void => {
      token = cloud.iam.issueToken();
    };
    const call = (path: string, init: { method?: string; body?: unknown } = {}) => withToken(`${cloud.disUrl}${path}`, token, init);
    const create = (body: unknown, stream = DEFAULT_STREAM) => call(tasksPath(stream), { method: 'POST', body });
    const detail = async (name: string) => (await call(`${tasksPath()}/${name}`)).json;
    const action = (action: string, ids: string[]) => call(`${tasksPath()}/action`, { method: 'POST', body: { action, tasks: ids.map((id) => ({ id })) } });
    return { cloud, clock, call, create, detail, action, renewToken };
  }

  it('creates the seed 004 MRS task: 201 without a body; list and detail have the documented shapes', async () => {
    const { create, call, detail } = await setup({ dis: { streams: [{ name: DEFAULT_STREAM, partitions: 2 }] } });
    const created = await create(mrsBody());
    expect([created.status, created.text]).toEqual([201, '']);
    const list = await call(tasksPath());
    expect(list.json).toEqual({
      total_number: 1,
      quota: 5,
      tasks: [
        {
          task_id: expect.stringMatching(/^[A-Za-z0-9]{19}$/),
          task_name: 'mrstask',
          state: 'STARTING',
          destination_type: 'MRS',
          create_time: T0,
          last_transfer_timestamp: 0,
        },
      ],
    });
    const shown = await detail('mrstask');
    expect(shown).toEqual({
      partitions: [
        { partitionId: 'shardId-0000000000', discard: 0, state: 'STARTING', last_transfer_timestamp: 0, last_transfer_offset: 0 },
        { partitionId: 'shardId-0000000001', discard: 0, state: 'STARTING', last_transfer_timestamp: 0, last_transfer_offset: 0 },
      ],
      stream_name: DEFAULT_STREAM,
      task_name: 'mrstask',
      task_id: list.json.tasks[0].task_id,
      destination_type: 'MRS',
      state: 'STARTING',
      create_time: T0,
      last_transfer_timestamp: 0,
      mrs_destination_description: (mrsBody() as any).mrs_destination_descriptor,
    });
  });

  it('accepts retry_duration as a string and validates the MRS descriptor', async () => {
    const { create, cloud } = await setup();
    expect((await create(mrsBody('str', { retry_duration: '600' }))).status).toBe(201);
    const refusals: Array<[string, unknown, string]> = [
      ['a task name with a dot', mrsBody('bad.name'), 'DIS.4200'],
      ['a 65-character task name', mrsBody('x'.repeat(65)), 'DIS.4200'],
      ['deliver_time_interval 29', mrsBody('t1', { deliver_time_interval: 29 }), 'DIS.4200'],
      ['deliver_time_interval 901', mrsBody('t2', { deliver_time_interval: 901 }), 'DIS.4200'],
      ['retry_duration 7201', mrsBody('t3', { retry_duration: 7201 }), 'DIS.4200'],
      ['an unknown consumer_strategy', mrsBody('t4', { consumer_strategy: 'EARLIEST' }), 'DIS.4200'],
      ['no mrs_cluster_id', mrsBody('t5', { mrs_cluster_id: undefined }), 'DIS.4200'],
      ['no agency_name', mrsBody('t6', { agency_name: undefined }), 'DIS.4200'],
      ['a relative HDFS path', mrsBody('t7', { mrs_hdfs_path: 'user/x' }), 'DIS.4336'],
      ['an unknown destination_type', { destination_type: 'NOWHERE' }, 'DIS.4200'],
      ['no descriptor', { destination_type: 'MRS' }, 'DIS.4200'],
    ];
    for (const [what, body, code] of refusals) {
      const r = await create(body);
      expect([what, r.status, r.json.errorCode]).toEqual([what, 400, code]);
    }
    const notJson = await reply(
      await fetch(`${cloud.disUrl}${tasksPath()}`, {
        method: 'POST',
        headers: { 'x-auth-token': cloud.iam.issueToken(), 'content-type': 'application/json' },
        body: '{"destination_type":',
      }),
    );
    expect(notJson.json.errorCode).toBe('DIS.4300');
    expect(cloud.dis.tasks().map((t) => t.taskName)).toEqual(['str']);
  });

  it('checks MRS clusters and agencies when they are configured', async () => {
    const { create } = await setup({
      dis: {
        mrsClusters: [
          { id: 'f8123fa6-99f1-4ed9-83f4-c827c7277d41', name: 'mrscluster' },
          { id: 'k', name: 'kerb', kerberos: true },
        ],
        agencies: ['dis_admin_agency'],
      },
    });
    expect((await create(mrsBody('ok'))).status).toBe(201);
    expect((await create(mrsBody('t1', { mrs_cluster_name: 'other' }))).json.errorCode).toBe('DIS.4208');
    expect((await create(mrsBody('t2', { mrs_cluster_id: 'k', mrs_cluster_name: 'kerb' }))).json.errorCode).toBe('DIS.4208');
    expect((await create(mrsBody('t3', { agency_name: 'mine' }))).json.errorCode).toBe('DIS.4335');
  });

  it('answers a replayed create with DIS.4355 and keeps one task; a 6th task with DIS.4357', async () => {
    const { create, call, cloud } = await setup();
    expect((await create(mrsBody('t0'))).status).toBe(201);
    const replay = await create(mrsBody('t0'));
    expect(replay.status).toBe(400);
    expect(replay.json).toEqual({
      errorCode: 'DIS.4355',
      message: `The transfer task already exists. [${DEFAULT_STREAM}][${replay.headers.get('x-request-id')}]`,
    });
    for (let i = 1; i < 5; i++) expect((await create(mrsBody(`t${i}`))).status).toBe(201);
    const sixth = await create(mrsBody('t5'));
    expect([sixth.status, sixth.json.errorCode]).toEqual([400, 'DIS.4357']);
    // A replay on a full stream still says "already exists".
    expect((await create(mrsBody('t3'))).json.errorCode).toBe('DIS.4355');
    expect((await call(tasksPath())).json.total_number).toBe(5);
    expect(cloud.dis.tasks()).toHaveLength(5);
  });

  it('accepts OBS, DLI, CLOUDTABLE and DWS tasks with light validation, and spells detail keys per option', async () => {
    const { create, detail } = await setup({ dis: { detailKeySpelling: 'go3' } });
    const common = { agency_name: 'dis_admin_agency', deliver_time_interval: 60 };
    expect((await create({ destination_type: 'OBS', obs_destination_descriptor: { task_name: 'obs', obs_bucket_path: 'b', ...common } })).status).toBe(201);
    expect((await create({ destination_type: 'DWS', dws_destination_descriptor: { task_name: 'dws', ...common } })).status).toBe(201);
    expect((await create({ destination_type: 'CLOUDTABLE', cloudtable_destination_descriptor: { task_name: 'ct' } })).status).toBe(201);
    expect(Object.keys(await detail('obs'))).toContain('obs_destination_description');
    expect(Object.keys(await detail('dws'))).toContain('dws_destination_descripton');
    expect(Object.keys(await detail('ct'))).toContain('cloudtable_destination_descripton');
  });

  it('answers an unknown stream with DIS.4301 and an unknown task with DIS.4354; delete is 204', async () => {
    const { create, call } = await setup();
    const noStream = await create(mrsBody(), 'test');
    expect([noStream.status, noStream.json]).toEqual([
      400,
      { errorCode: 'DIS.4301', message: `Stream does not exist. [test][${noStream.headers.get('x-request-id')}]` },
    ]);
    expect((await call(`${tasksPath()}/ghost`)).json.errorCode).toBe('DIS.4354');
    await create(mrsBody('gone'));
    const deleted = await call(`${tasksPath()}/gone`, { method: 'DELETE' });
    expect([deleted.status, deleted.text]).toEqual([204, '']);
    const again = await call(`${tasksPath()}/gone`, { method: 'DELETE' });
    expect([again.status, again.json.errorCode]).toEqual([400, 'DIS.4354']);
    expect((await call(tasksPath())).json).toEqual({ total_number: 0, quota: 5, tasks: [] });
  });

  it('runs continuously: STARTING, then RUNNING for good with timestamps and offsets advancing every interval', async () => {
    const { create, detail, clock, renewToken } = await setup();
    await create(mrsBody('stream-task'));
    clock.advance(3_000);
    expect((await detail('stream-task')).state).toBe('RUNNING');
    clock.advance(30_000);
    const one = await detail('stream-task');
    expect([one.last_transfer_timestamp, one.partitions[0].last_transfer_offset]).toEqual([T0 + 33_000, 100]);
    clock.advance(29_999);
    expect((await detail('stream-task')).partitions[0].last_transfer_offset).toBe(100);
    clock.advance(1);
    expect((await detail('stream-task')).partitions[0].last_transfer_offset).toBe(200);
    const seen = new Set<string>();
    for (let day = 0; day < 30; day++) {
      clock.advance(86_400_000);
      renewToken();
      seen.add((await detail('stream-task')).state);
    }
    expect([...seen]).toEqual(['RUNNING']);
  });

  it('stops by task id (PAUSED, offsets frozen) and starts again (STARTING → RUNNING); names are not ids', async () => {
    const { create, detail, action, clock } = await setup();
    await create(mrsBody('pausable'));
    clock.advance(63_000);
    const id = (await detail('pausable')).task_id;
    expect(await action('stop', [id])).toMatchObject({ status: 200, text: '' });
    clock.advance(300_000);
    const paused = await detail('pausable');
    expect([paused.state, paused.partitions[0].last_transfer_offset, paused.partitions[0].state]).toEqual(['PAUSED', 200, 'PAUSED']);
    expect((await action('stop', [id])).status).toBe(200);
    expect((await action('start', ['pausable'])).json.errorCode).toBe('DIS.4354');
    await action('start', [id]);
    expect((await detail('pausable')).state).toBe('STARTING');
    // Start is state-setting: a replay does not restart the STARTING phase.
    clock.advance(2_000);
    await action('start', [id]);
    clock.advance(1_000);
    expect((await detail('pausable')).state).toBe('RUNNING');
    clock.advance(30_000);
    const resumed = await detail('pausable');
    expect([resumed.state, resumed.partitions[0].last_transfer_offset]).toEqual(['RUNNING', 300]);
    expect((await action('pause', [id])).json.errorCode).toBe('DIS.4200');
  });

  it('turns ABNORMAL on the sim-abnormal hint, discards on sim-discard, stays idle on sim-idle', async () => {
    const { create, detail, clock } = await setup();
    await create(mrsBody('a-sim-abnormal'));
    await create(mrsBody('b-sim-discard'));
    await create(mrsBody('c-sim-idle'));
    clock.advance(3_000 + 30_000);
    expect((await detail('a-sim-abnormal')).state).toBe('ABNORMAL');
    const discarding = await detail('b-sim-discard');
    expect([discarding.state, discarding.partitions[0].discard]).toEqual(['RUNNING', 1]);
    clock.advance(600_000);
    const idle = await detail('c-sim-idle');
    expect([idle.state, idle.last_transfer_timestamp, idle.partitions[0].last_transfer_offset]).toEqual(['RUNNING', 0, 0]);
  });

  it('forces ERROR and discards through the helper, and a start recovers', async () => {
    const { cloud, create, detail, action, clock } = await setup();
    await create(mrsBody('victim'));
    clock.advance(3_000);
    cloud.dis.forceTask(DEFAULT_STREAM, 'victim', { state: 'ERROR', discard: 7 });
    const broken = await detail('victim');
    expect([broken.state, broken.partitions[0].discard]).toEqual(['ERROR', 7]);
    await action('start', [broken.task_id]);
    clock.advance(3_000);
    expect((await detail('victim')).state).toBe('RUNNING');
  });

  it('updates a task in place and reports the remaining quota when configured', async () => {
    const { create, call, detail } = await setup({ dis: { quota: 'remaining', listIncludesTaskId: false } });
    await create(mrsBody('upd'));
    const updated = await call(tasksPath(), { method: 'PUT', body: mrsBody('upd', { deliver_time_interval: 60 }) });
    expect(updated.status).toBe(200);
    expect((await detail('upd')).mrs_destination_description.deliver_time_interval).toBe(60);
    expect((await call(tasksPath(), { method: 'PUT', body: mrsBody('nope') })).json.errorCode).toBe('DIS.4354');
    const list = await call(tasksPath());
    expect(list.json.quota).toBe(4);
    expect(list.json.tasks[0].task_id).toBeUndefined();
  });
});

describe('huawei cloud simulator: faults and records', () => {
  it('loses the answer of a CDM create on an after fault, leaving the job in place', async () => {
    const { cloud } = await start();
    const token = cloud.iam.issueToken();
    cloud.faults.add({ endpoint: 'cdm.createJob', kind: 'status', status: 503, phase: 'after' });
    const r = await withToken(`${cloud.cdmUrl}${jobPath(CLUSTER_A)}`, token, { method: 'POST', body: { jobs: [seedJob('lost')] } });
    expect([r.status, r.json.errCode]).toEqual([503, 'Cdm.0000']);
    expect((await withToken(`${cloud.cdmUrl}${jobPath(CLUSTER_A, 'lost')}`, token)).status).toBe(200);
  });

  it('resets the connection after a random create was processed: the job runs on one cluster, findable by probing', async () => {
    const { cloud } = await start();
    const token = cloud.iam.issueToken();
    cloud.faults.add({ endpoint: 'cdm.randomCreateAndStart', kind: 'reset' });
    const body = JSON.stringify({ jobs: [seedJob('probe-me')], clusters: [CLUSTER_A, CLUSTER_B] });
    await expect(
      rawRequest(
        `${cloud.cdmUrl}/v1.1/${PID}/clusters/job`,
        'POST',
        { 'x-auth-token': token, 'x-language': 'en-us', 'content-type': 'application/json' },
        body,
      ),
    ).rejects.toMatchObject({ code: 'ECONNRESET' });
    const probes = await Promise.all([CLUSTER_A, CLUSTER_B].map((c) => withToken(`${cloud.cdmUrl}${jobPath(c, 'probe-me')}`, token)));
    expect(probes.map((p) => p.status).sort()).toEqual([200, 400]);
    expect(probes.find((p) => p.status === 400)?.json.errCode).toBe('Cdm.0100');
    expect(cloud.cdm.submissions()).toHaveLength(1);
  });

  it('answers a malformed body after creating a DIS task, and the replay meets DIS.4355', async () => {
    const { cloud } = await start();
    const token = cloud.iam.issueToken();
    cloud.faults.add({ endpoint: 'dis.createTask', kind: 'malformed', times: 1 });
    const first = await withToken(`${cloud.disUrl}${tasksPath()}`, token, { method: 'POST', body: mrsBody('replayed') });
    expect(first.status).toBe(200);
    expect(() => JSON.parse(first.text)).toThrow();
    const replay = await withToken(`${cloud.disUrl}${tasksPath()}`, token, { method: 'POST', body: mrsBody('replayed') });
    expect(replay.json.errorCode).toBe('DIS.4355');
    expect(cloud.dis.tasks()).toHaveLength(1);
  });

  it('creates nothing on a before fault and answers with the service envelope', async () => {
    const { cloud } = await start();
    const token = cloud.iam.issueToken();
    cloud.faults.add({ endpoint: 'dis.createTask', kind: 'status', status: 500 });
    const r = await withToken(`${cloud.disUrl}${tasksPath()}`, token, { method: 'POST', body: mrsBody() });
    expect([r.status, r.json.errorCode]).toEqual([500, 'DIS.5000']);
    expect(r.json.message).toMatch(/^System error\. \[dis-bulkpilot\]\[[0-9a-f]{32}\]$/);
    expect(cloud.dis.tasks()).toEqual([]);
    cloud.faults.add({ endpoint: 'iam.token', kind: 'status', times: 1 });
    const iam = await getToken(cloud);
    expect([iam.status, iam.json.error.code]).toEqual([503, 503]);
    cloud.faults.add({ endpoint: 'cdm.listClusters', kind: 'status', status: 429, times: 1 });
    expect((await withToken(`${cloud.cdmUrl}/v1.1/${PID}/clusters`, token)).json.error_code).toBe('APIGW.0308');
  });

  it('delays a slow fault by real time, fires only times times and only when match accepts', async () => {
    const { cloud } = await start();
    const token = cloud.iam.issueToken();
    cloud.faults.add({ endpoint: 'dis.showTask', kind: 'slow', delayMs: 120, times: 1 });
    const t0 = performance.now();
    await withToken(`${cloud.disUrl}${tasksPath()}/x`, token);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(110);
    cloud.faults.add({ endpoint: 'dis.showTask', kind: 'error', code: 'DIS.4305', times: 2, match: (r) => r.params.taskName === 'hot' });
    const statuses: string[] = [];
    for (const name of ['cold', 'hot', 'hot', 'hot']) statuses.push((await withToken(`${cloud.disUrl}${tasksPath()}/${name}`, token)).json.errorCode);
    expect(statuses).toEqual(['DIS.4354', 'DIS.4305', 'DIS.4305', 'DIS.4354']);
  });

  it('draws probabilistic faults from the seeded RNG, deterministically', async () => {
    async function run(cloud: HuaweiCloud): Promise<number[]> {
      cloud.faults.add({ endpoint: 'cdm.listClusters', kind: 'status', probability: 0.5 });
      const token = cloud.iam.issueToken();
      const out: number[] = [];
      for (let i = 0; i < 16; i++) out.push((await withToken(`${cloud.cdmUrl}/v1.1/${PID}/clusters`, token)).status);
      return out;
    }
    const a = await run((await start({ seed: 42 })).cloud);
    const second = (await start({ seed: 42 })).cloud;
    const b = await run(second);
    second.reset();
    expect(b).toEqual(a);
    expect(await run(second)).toEqual(a);
    expect(a).toContain(503);
    expect(a).toContain(200);
  });

  it('records every request on all three servers with method, path, query, headers, raw body, time and request id', async () => {
    const { cloud, clock } = await start();
    await getToken(cloud, '?nocatalog=true');
    clock.advance(5);
    await reply(await fetch(`${cloud.disUrl}/v2/${PID}/streams/s/transfer-tasks/x?y=1`, { method: 'PATCH' }));
    const [iam, dis] = cloud.received;
    expect(iam).toMatchObject({
      service: 'iam',
      endpoint: 'iam.token',
      method: 'POST',
      path: '/v3/auth/tokens?nocatalog=true',
      query: { nocatalog: 'true' },
      at: T0,
    });
    expect(JSON.parse(iam!.rawBody.toString('utf8'))).toEqual(passwordBody());
    expect(iam!.headers['content-type']).toBe('application/json;charset=utf8');
    expect(dis).toMatchObject({ service: 'dis', endpoint: 'unknown', method: 'PATCH', at: T0 + 5, requestId: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect(cloud.requests({ service: 'iam' })).toHaveLength(1);
    cloud.reset();
    expect(cloud.received).toEqual([]);
  });

  it('rejects unknown options at any level and impossible values', async () => {
    await expect(startHuaweiCloud({ colck: { now: () => 0 } } as never)).rejects.toThrow(/unknown option "colck"/);
    await expect(startHuaweiCloud({ cdm: { stopResponce: 'empty' } } as never)).rejects.toThrow(/unknown option "cdm.stopResponce"/);
    await expect(startHuaweiCloud({ cdm: { clusters: [{ id: 'a', name: 'a', status: 'RUNNING' }] } })).rejects.toThrow(/three-digit/);
    await expect(startHuaweiCloud({ dis: { streams: [{ name: 's', partitions: 0 }] } })).rejects.toThrow(/partitions/);
  });

  it('rejects fault rules it cannot honour', async () => {
    const { cloud } = await start();
    expect(() => cloud.faults.add({ endpoint: 'cdm.nope' as never, kind: 'status' })).toThrow(/unknown endpoint/);
    expect(() => cloud.faults.add({ endpoint: 'cdm.jobStatus', kind: 'error' })).toThrow(/needs a code/);
  });
});

describe('huawei cloud simulator: close', () => {
  it('closes promptly with a keep-alive connection open and a slow fault pending', async () => {
    const cloud = await startHuaweiCloud();
    cloud.faults.add({ endpoint: 'dis.listTasks', kind: 'slow', delayMs: 30_000, phase: 'before' });
    const pending = rawRequest(`${cloud.disUrl}${tasksPath()}`, 'GET', {}).then(
      () => 'answered',
      () => 'failed',
    );
    const url = new URL(cloud.cdmUrl);
    const socket = connect(Number(url.port), url.hostname);
    socket.on('error', () => {});
    const answered = new Promise<void>((resolve) => socket.once('data', () => resolve()));
    socket.write(`GET /v1.1/${PID}/clusters HTTP/1.1\r\nHost: sim\r\nConnection: keep-alive\r\n\r\n`);
    await answered;
    while (cloud.received.length < 2) await new Promise((r) => setTimeout(r, 5));
    const t0 = performance.now();
    await cloud.close();
    expect(performance.now() - t0).toBeLessThan(500);
    expect(await pending).toBe('failed');
  });
});

describe('huawei cloud simulator: kept across a restart (stateFile)', () => {
  const stateDir = () => mkdtempSync(join(tmpdir(), 'huawei-cloud-'));

  it('knows its CDM jobs after a restart: a running submission carries on by the clock, and submission ids are never reused', async () => {
    const clock = fakeClock();
    const stateFile = join(stateDir(), 'cloud.json');
    const { cloud: before } = await start({ clock, stateFile });
    const created = await signed(clock, before.cdmUrl, `/v1.1/${PID}/clusters/job`, {
      method: 'POST',
      headers: { 'X-Language': 'en-us' },
      body: { jobs: [seedJob('kept')], clusters: [CLUSTER_A, CLUSTER_B] },
    });
    expect(created.json.submissions[0]['submission-id']).toBe(1);
    const cluster = before.cdm.jobs()[0]!.clusterId;
    const other = cluster === CLUSTER_A ? CLUSTER_B : CLUSTER_A;
    before.cdm.setClusterStatus(other, '900');
    const token = before.iam.issueToken();
    clock.advance(3_000 + 2_500);
    const running = (await signed(clock, before.cdmUrl, `${jobPath(cluster, 'kept')}/status`)).json.submissions[0];
    expect([running.status, running.progress]).toEqual(['RUNNING', 50]);
    await before.close();

    clock.advance(1_000); // time passes while the stack is down; the real cloud runs on
    const { cloud: after } = await start({ clock, stateFile });
    const again = (await signed(clock, after.cdmUrl, `${jobPath(cluster, 'kept')}/status`)).json.submissions[0];
    const clusters = await withToken(`${after.cdmUrl}/v1.1/${PID}/clusters`, token);
    clock.advance(1_500);
    const done = (await signed(clock, after.cdmUrl, `${jobPath(cluster, 'kept')}/status`)).json.submissions[0];
    const restarted = await signed(clock, after.cdmUrl, `${jobPath(cluster, 'kept')}/start`, { method: 'PUT', body: { variables: {} } });
    clock.advance(1_000);
    const second = (await signed(clock, after.cdmUrl, `${jobPath(cluster, 'kept')}/status`)).json.submissions[0];

    expect([again['submission-id'], again.status, again.progress, again['external-id']]).toEqual([1, 'RUNNING', 70, running['external-id']]);
    expect(clusters.status).toBe(200);
    expect(Object.fromEntries(clusters.json.clusters.map((c: { id: string; status: string }) => [c.id, c.status]))).toEqual({
      [cluster]: '200',
      [other]: '900',
    });
    expect([done.status, done.progress]).toEqual(['SUCCEEDED', 100]);
    expect(restarted.json.submissions[0]['submission-id']).toBe(2);
    expect(second['external-id']).not.toBe(running['external-id']);
    expect(after.cdm.submissions().map((s) => [s.submissionId, s.status])).toEqual([
      [1, 'SUCCEEDED'],
      [2, 'BOOTING'],
    ]);
  });

  it('knows its DIS dump tasks after a restart: still RUNNING, delivering on, and a new task gets a new id', async () => {
    const clock = fakeClock();
    const stateFile = join(stateDir(), 'cloud.json');
    const detail = async (cloud: HuaweiCloud, name: string) => (await signed(clock, cloud.disUrl, `${tasksPath()}/${name}`)).json;
    const { cloud: before } = await start({ clock, stateFile });
    expect((await signed(clock, before.disUrl, tasksPath(), { method: 'POST', body: mrsBody('kept-task') })).status).toBe(201);
    clock.advance(3_000 + 30_000);
    const running = await detail(before, 'kept-task');
    expect([running.state, running.partitions[0].last_transfer_offset]).toEqual(['RUNNING', 100]);
    await before.close();

    clock.advance(30_000);
    const { cloud: after } = await start({ clock, stateFile });
    const again = await detail(after, 'kept-task');
    const replay = await signed(clock, after.disUrl, tasksPath(), { method: 'POST', body: mrsBody('kept-task') });
    await signed(clock, after.disUrl, tasksPath(), { method: 'POST', body: mrsBody('new-task') });
    clock.advance(86_400_000);
    const dayLater = await detail(after, 'kept-task');

    expect([again.task_id, again.state, again.last_transfer_timestamp, again.partitions[0].last_transfer_offset]).toEqual([
      running.task_id,
      'RUNNING',
      T0 + 63_000,
      200,
    ]);
    expect(replay.json.errorCode).toBe('DIS.4355');
    expect(dayLater.state).toBe('RUNNING');
    const ids = after.dis.tasks().map((t) => t.taskId);
    expect(ids).toHaveLength(2);
    expect(new Set(ids).size).toBe(2);
  });

  it('writes nothing without a stateFile, and starts empty from a file of another simulator or version', async () => {
    const dir = stateDir();
    const { cloud, clock } = await start();
    await signed(clock, cloud.disUrl, tasksPath(), { method: 'POST', body: mrsBody() });
    await cloud.close();
    const foreign = join(dir, 'other.json');
    saveState(foreign, 'linkis-gateway', 1, { entrances: { seq: 4, instances: [], tasks: [] }, sessions: [] });
    const older = join(dir, 'older.json');
    saveState(older, 'huawei-cloud', 2, { tasks: [] });

    const { cloud: fromForeign } = await start({ stateFile: foreign });
    const { cloud: fromOlder } = await start({ stateFile: older });

    expect(readdirSync(dir).sort()).toEqual(['older.json', 'other.json']);
    for (const fresh of [fromForeign, fromOlder]) {
      expect([fresh.cdm.jobs(), fresh.dis.tasks()]).toEqual([[], []]);
      expect(fresh.cdm.clusters().map((c) => c.status)).toEqual(['200', '200']);
    }
    await expect(startHuaweiCloud({ stateFile: '' })).rejects.toThrow(/stateFile must be a file path/);
  });
});

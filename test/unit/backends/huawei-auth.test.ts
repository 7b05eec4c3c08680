import { afterEach, describe, expect, it } from 'vitest';
import type { HuaweiAuth } from '../../../lib/backends/huawei-cloud/auth.ts';
import { huaweiAuthHook, parseHuaweiAuth } from '../../../lib/backends/huawei-cloud/auth.ts';
import { HuaweiAuthError, isGatewayAuthRejection, readHuaweiError } from '../../../lib/backends/huawei-cloud/errors.ts';
import type { Clock } from '../../../lib/clock.ts';
import { HttpTransport } from '../../../lib/http/transport.ts';
import type { SecretSource } from '../../../lib/targets/secrets.ts';
import { describeSecretRef, SecretUnavailableError } from '../../../lib/targets/secrets.ts';
import { parseSecretRef } from '../../../lib/targets/targets-file.ts';
import type { HuaweiCloud, HuaweiCloudOptions } from '../../../local/huawei-cloud/simulator.ts';
import {
  DEFAULT_ACCESS_KEY,
  DEFAULT_CLUSTERS,
  DEFAULT_PROJECT,
  DEFAULT_STREAM,
  DEFAULT_TEMPORARY_KEY,
  DEFAULT_USER,
  startHuaweiCloud,
} from '../../../local/huawei-cloud/simulator.ts';

const PID = DEFAULT_PROJECT.id;
const CLUSTER = DEFAULT_CLUSTERS[0]!.id;
const T0 = Date.UTC(2024, 4, 1, 10, 0, 0);
const HOUR = 3_600_000;
const CLUSTERS_PATH = `/v1.1/${PID}/clusters`;
const TASKS_PATH = `/v2/${PID}/streams/${DEFAULT_STREAM}/transfer-tasks`;

const AKSK: HuaweiAuth = { type: 'aksk', accessKey: { env: 'HW_AK' }, secretKey: { env: 'HW_SK' } };
const TEMPORARY: HuaweiAuth = { type: 'aksk', accessKey: { env: 'HW_TMP_AK' }, secretKey: { env: 'HW_TMP_SK' }, securityToken: { env: 'HW_TMP_TOKEN' } };

function iamAuth(cloud: HuaweiCloud): HuaweiAuth {
  return {
    type: 'iam-password',
    iamUrl: cloud.iamUrl,
    domain: 'bulkpilot-sim',
    user: DEFAULT_USER.name,
    password: { env: 'HW_PASSWORD' },
    project: DEFAULT_PROJECT.name,
  };
}

/** Every credential of the account: none may appear in an error. */
const SECRETS = [
  DEFAULT_ACCESS_KEY.ak,
  DEFAULT_ACCESS_KEY.sk,
  DEFAULT_TEMPORARY_KEY.ak,
  DEFAULT_TEMPORARY_KEY.sk,
  DEFAULT_TEMPORARY_KEY.securityToken!,
  DEFAULT_USER.password,
];

type FakeClock = Clock & { advance(ms: number): void };

function fakeClock(): FakeClock {
  let now = T0;
  return {
    now: () => now,
    // Retry waits pass at once: nothing here depends on real time.
    sleep: async () => {},
    advance: (ms) => {
      now += ms;
    },
  };
}

/**
 * Secrets in a map the test rotates, recording each read. Hand-written rather than createSecretSource, which
 * registers every value with the log redaction: that would mask a leak these tests are meant to catch.
 */
function memorySecrets(overrides: Record<string, string | undefined> = {}) {
  const values: Record<string, string | undefined> = {
    HW_AK: DEFAULT_ACCESS_KEY.ak,
    HW_SK: DEFAULT_ACCESS_KEY.sk,
    HW_TMP_AK: DEFAULT_TEMPORARY_KEY.ak,
    HW_TMP_SK: DEFAULT_TEMPORARY_KEY.sk,
    HW_TMP_TOKEN: DEFAULT_TEMPORARY_KEY.securityToken,
    HW_PASSWORD: DEFAULT_USER.password,
    ...overrides,
  };
  const reads: Array<{ name: string; fresh: boolean }> = [];
  const source: SecretSource = {
    async read(ref, { fresh = false } = {}) {
      const name = 'env' in ref ? ref.env : ref.secret;
      reads.push({ name, fresh });
      const value = values[name];
      if (value === undefined) throw new SecretUnavailableError(describeSecretRef(ref), 'the variable is not set');
      return value;
    },
  };
  return { source, values, reads };
}

const closers: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  // Transports and hooks before the simulator, so no socket is cut under them.
  for (const closer of closers.splice(0).reverse()) await closer.close();
});

async function simulator(options: HuaweiCloudOptions = {}): Promise<{ cloud: HuaweiCloud; clock: FakeClock }> {
  const clock = fakeClock();
  const cloud = await startHuaweiCloud({ clock, seed: 7, ...options });
  closers.push(cloud);
  return { cloud, clock };
}

function connect(cloud: HuaweiCloud, clock: Clock, auth: HuaweiAuth, secrets: SecretSource, service: 'cdm' | 'dis' = 'cdm') {
  const hook = huaweiAuthHook(auth, { projectId: PID, secrets, clock });
  const transport = new HttpTransport({ baseUrl: service === 'cdm' ? cloud.cdmUrl : cloud.disUrl, auth: hook, clock });
  closers.push(hook, transport);
  return { hook, transport };
}

const listClusters = (transport: HttpTransport) => transport.request({ method: 'GET', path: CLUSTERS_PATH, idempotent: true });

describe('AK/SK signing against the simulator', () => {
  it('signs a GET, a GET with a query and a PUT with a body; the keys are read once', async () => {
    const { cloud, clock } = await simulator();
    const secrets = memorySecrets();
    const { transport } = connect(cloud, clock, AKSK, secrets.source);

    const listed = await listClusters(transport);
    expect(listed.status).toBe(200);
    expect(JSON.parse(listed.text).clusters.map((c: { id: string }) => c.id)).toEqual(DEFAULT_CLUSTERS.map((c) => c.id));
    // Past the gateway, CDM itself answers (Cdm.0100): the query and the body were signed as the gateway verifies.
    const history = await transport.request({ method: 'GET', path: `${CLUSTERS_PATH}/${CLUSTER}/cdm/submissions?jname=bp-1&page_size=10`, idempotent: true });
    expect([history.status, readHuaweiError(history.text)?.code]).toEqual([400, 'Cdm.0100']);
    const start = await transport.request({
      method: 'PUT',
      path: `${CLUSTERS_PATH}/${CLUSTER}/cdm/job/bp-1/start`,
      headers: { 'content-type': 'application/json;charset=UTF-8' },
      body: JSON.stringify({ variables: { day: '2024-05-01' } }),
    });
    expect([start.status, readHuaweiError(start.text)?.code]).toEqual([400, 'Cdm.0100']);

    const received = cloud.requests({ service: 'cdm' });
    expect(received.map((r) => r.auth?.method)).toEqual(['aksk', 'aksk', 'aksk']);
    expect(received.map((r) => r.headers['x-project-id'])).toEqual([PID, PID, PID]);
    expect(secrets.reads).toEqual([
      { name: 'HW_AK', fresh: false },
      { name: 'HW_SK', fresh: false },
    ]);
  });

  it('a wrong SK is refused 401 APIGW.0301 and not replayed while the secret is unchanged', async () => {
    const { cloud, clock } = await simulator();
    const secrets = memorySecrets({ HW_SK: 'WrongSecretKey000000000000000000000000001' });
    const { transport } = connect(cloud, clock, AKSK, secrets.source);

    const refused = await listClusters(transport);
    expect(refused.status).toBe(401);
    expect(readHuaweiError(refused.text)?.code).toBe('APIGW.0301');
    expect(cloud.requests({ endpoint: 'cdm.listClusters' })).toHaveLength(1);
    // The keys were read again, fresh, to see whether they had been rotated.
    expect(secrets.reads.filter((r) => r.fresh).map((r) => r.name)).toEqual(['HW_AK', 'HW_SK']);
  });

  it('a rotated SK: the refused call is replayed once with the new keys, which are kept', async () => {
    const { cloud, clock } = await simulator();
    const secrets = memorySecrets({ HW_SK: 'WrongSecretKey000000000000000000000000001' });
    const { transport } = connect(cloud, clock, AKSK, secrets.source);
    expect((await listClusters(transport)).status).toBe(401);

    secrets.values.HW_SK = DEFAULT_ACCESS_KEY.sk;
    expect((await listClusters(transport)).status).toBe(200);
    expect(cloud.requests({ endpoint: 'cdm.listClusters' }).map((r) => r.auth?.failure === undefined)).toEqual([false, false, true]);
    const readsSoFar = secrets.reads.length;
    expect((await listClusters(transport)).status).toBe(200);
    expect(secrets.reads).toHaveLength(readsSoFar);

    // Rotated again, to a key that is wrong too: one replay, then the refusal is the answer.
    secrets.values.HW_SK = 'AnotherWrongKey00000000000000000000000001';
    cloud.faults.add({ endpoint: 'cdm.listClusters', kind: 'status', status: 401 });
    expect((await listClusters(transport)).status).toBe(401);
    expect(cloud.requests({ endpoint: 'cdm.listClusters' })).toHaveLength(6);
  });

  it('the gateway prefix APIG. is read as a gateway refusal too', async () => {
    const { cloud, clock } = await simulator({ auth: { apigErrorPrefix: 'APIG' } });
    const secrets = memorySecrets({ HW_SK: 'WrongSecretKey000000000000000000000000001' });
    const { transport } = connect(cloud, clock, AKSK, secrets.source);
    const refused = await listClusters(transport);
    expect(readHuaweiError(refused.text)?.code).toBe('APIG.0301');
    secrets.values.HW_SK = DEFAULT_ACCESS_KEY.sk;
    expect((await listClusters(transport)).status).toBe(200);
  });

  it('a temporary key is accepted with its X-Security-Token and refused without it', async () => {
    const { cloud, clock } = await simulator();
    const secrets = memorySecrets();
    const { transport } = connect(cloud, clock, TEMPORARY, secrets.source);
    expect((await listClusters(transport)).status).toBe(200);
    expect(cloud.requests({ endpoint: 'cdm.listClusters' })[0]!.headers['x-security-token']).toBe(DEFAULT_TEMPORARY_KEY.securityToken);

    const withoutToken: HuaweiAuth = { type: 'aksk', accessKey: { env: 'HW_TMP_AK' }, secretKey: { env: 'HW_TMP_SK' } };
    const refused = await listClusters(connect(cloud, clock, withoutToken, secrets.source).transport);
    expect(refused.status).toBe(401);
    expect(cloud.requests({ endpoint: 'cdm.listClusters' })[1]!.auth?.failure).toMatch(/X-Security-Token/);
  });

  it('signs DIS calls too', async () => {
    const { cloud, clock } = await simulator();
    const { transport } = connect(cloud, clock, AKSK, memorySecrets().source, 'dis');
    const listed = await transport.request({ method: 'GET', path: `${TASKS_PATH}?limit=10`, idempotent: true });
    expect(listed.status).toBe(200);
    expect(cloud.requests({ service: 'dis' })[0]!.auth?.method).toBe('aksk');
  });

  it('a missing secret fails before anything is sent, and is read again on the next call', async () => {
    const { cloud, clock } = await simulator();
    const secrets = memorySecrets({ HW_SK: undefined });
    const { transport } = connect(cloud, clock, AKSK, secrets.source);
    const error = await listClusters(transport).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HuaweiAuthError);
    expect((error as HuaweiAuthError).mayHaveReachedBackend).toBe(false);
    expect((error as Error).message).toMatch(
      /^GET http:\/\/127\.0\.0\.1:\d+\/v1\.1\/\w+\/clusters: no access key to sign with: secret env HW_SK: the variable is not set$/,
    );
    expect(cloud.requests({ service: 'cdm' })).toHaveLength(0);
    secrets.values.HW_SK = DEFAULT_ACCESS_KEY.sk;
    expect((await listClusters(transport)).status).toBe(200);
  });
});

describe('IAM password tokens against the simulator', () => {
  it('one token request for many calls, sequential and concurrent, sent as X-Auth-Token', async () => {
    const { cloud, clock } = await simulator();
    const secrets = memorySecrets();
    const { transport } = connect(cloud, clock, iamAuth(cloud), secrets.source);
    for (let i = 0; i < 3; i++) expect((await listClusters(transport)).status).toBe(200);
    const statuses = await Promise.all(Array.from({ length: 10 }, () => listClusters(transport)));
    expect(statuses.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(cloud.iam.tokenRequests()).toBe(1);

    // A new hook whose first calls all arrive at once still makes one request.
    const second = connect(cloud, clock, iamAuth(cloud), secrets.source).transport;
    expect((await Promise.all(Array.from({ length: 10 }, () => listClusters(second)))).every((r) => r.status === 200)).toBe(true);
    expect(cloud.iam.tokenRequests()).toBe(2);

    const [tokenRequest] = cloud.requests({ endpoint: 'iam.token' });
    expect(tokenRequest!.query).toMatchObject({ nocatalog: 'true' });
    expect(JSON.parse(tokenRequest!.rawBody.toString('utf8'))).toEqual({
      auth: {
        identity: { methods: ['password'], password: { user: { name: 'bulkpilot', password: DEFAULT_USER.password, domain: { name: 'bulkpilot-sim' } } } },
        scope: { project: { name: 'cn-north-4' } },
      },
    });
    const calls = cloud.requests({ endpoint: 'cdm.listClusters' });
    expect(calls.every((r) => r.auth?.method === 'token' && typeof r.headers['x-auth-token'] === 'string')).toBe(true);
    expect(secrets.reads).toEqual([
      { name: 'HW_PASSWORD', fresh: false },
      { name: 'HW_PASSWORD', fresh: false },
    ]);
  });

  it('a new token in the last hour of the 24 h one, before any call is refused', async () => {
    const { cloud, clock } = await simulator();
    const { transport } = connect(cloud, clock, iamAuth(cloud), memorySecrets().source);
    expect((await listClusters(transport)).status).toBe(200);
    clock.advance(22 * HOUR);
    expect((await listClusters(transport)).status).toBe(200);
    expect(cloud.iam.tokenRequests()).toBe(1);
    clock.advance(HOUR + 60_000);
    expect((await listClusters(transport)).status).toBe(200);
    expect(cloud.iam.tokenRequests()).toBe(2);
    // Long past the first token's end: still the second one, never a refusal.
    clock.advance(20 * HOUR);
    expect((await listClusters(transport)).status).toBe(200);
    expect(cloud.iam.tokenRequests()).toBe(2);
    expect(cloud.requests({ endpoint: 'cdm.listClusters' }).every((r) => r.auth?.failure === undefined)).toBe(true);
  });

  it('IAM failing during the renewal margin: the old token carries on, and IAM is asked again a minute later', async () => {
    const { cloud, clock } = await simulator();
    const { transport } = connect(cloud, clock, iamAuth(cloud), memorySecrets().source);
    expect((await listClusters(transport)).status).toBe(200);
    clock.advance(23 * HOUR + 60_000);
    cloud.faults.add({ endpoint: 'iam.token', kind: 'status', status: 503 });
    expect((await listClusters(transport)).status).toBe(200);
    const afterOutage = cloud.iam.tokenRequests();
    expect(afterOutage).toBeGreaterThan(1);
    expect((await listClusters(transport)).status).toBe(200);
    expect(cloud.iam.tokenRequests()).toBe(afterOutage);

    cloud.faults.clear();
    clock.advance(61_000);
    expect((await listClusters(transport)).status).toBe(200);
    expect(cloud.iam.tokenRequests()).toBe(afterOutage + 1);
  });

  it('revoked tokens: one new token (password read fresh) and one replay', async () => {
    const { cloud, clock } = await simulator();
    const secrets = memorySecrets();
    const { transport } = connect(cloud, clock, iamAuth(cloud), secrets.source);
    expect((await listClusters(transport)).status).toBe(200);
    cloud.iam.revokeTokens();
    expect((await listClusters(transport)).status).toBe(200);
    expect(cloud.iam.tokenRequests()).toBe(2);
    const calls = cloud.requests({ endpoint: 'cdm.listClusters' });
    expect(calls.map((r) => r.auth?.failure)).toEqual([undefined, 'token revoked', undefined]);
    expect(secrets.reads.map((r) => r.fresh)).toEqual([false, true]);
  });

  it('a token refused again after the new one: the refusal is the answer (one replay only)', async () => {
    const { cloud, clock } = await simulator();
    const { transport } = connect(cloud, clock, iamAuth(cloud), memorySecrets().source);
    cloud.faults.add({ endpoint: 'cdm.listClusters', kind: 'status', status: 401 });
    const refused = await listClusters(transport);
    expect([refused.status, readHuaweiError(refused.text)?.code]).toEqual([401, 'APIGW.0301']);
    expect(cloud.requests({ endpoint: 'cdm.listClusters' })).toHaveLength(2);
    expect(cloud.iam.tokenRequests()).toBe(2);
  });

  it('DIS with a token, and its DIS.4114 refusal of a revoked one', async () => {
    const { cloud, clock } = await simulator();
    const { transport } = connect(cloud, clock, iamAuth(cloud), memorySecrets().source, 'dis');
    expect((await transport.request({ method: 'GET', path: TASKS_PATH, idempotent: true })).status).toBe(200);
    cloud.iam.revokeTokens();
    expect((await transport.request({ method: 'GET', path: TASKS_PATH, idempotent: true })).status).toBe(200);
    expect(cloud.requests({ service: 'dis' }).map((r) => r.auth?.failure)).toEqual([undefined, 'token revoked', undefined]);
    expect(cloud.iam.tokenRequests()).toBe(2);
  });

  it('a wrong password: HuaweiAuthError naming the IAM URL; the corrected password is read fresh', async () => {
    const { cloud, clock } = await simulator();
    const secrets = memorySecrets({ HW_PASSWORD: 'Not-The-Passw0rd' });
    const { transport } = connect(cloud, clock, iamAuth(cloud), secrets.source);
    const error = (await listClusters(transport).catch((e: unknown) => e)) as HuaweiAuthError;
    expect(error).toBeInstanceOf(HuaweiAuthError);
    expect(error.mayHaveReachedBackend).toBe(false);
    expect(error.message).toBe(
      `POST ${cloud.iamUrl}/v3/auth/tokens?nocatalog=true: token request for IAM user bulkpilot of account bulkpilot-sim (project cn-north-4) refused: HTTP 401: 401 The username or password is wrong.`,
    );
    expect(error.message).not.toContain('Not-The-Passw0rd');
    expect(cloud.requests({ service: 'cdm' })).toHaveLength(0);
    secrets.values.HW_PASSWORD = DEFAULT_USER.password;
    expect((await listClusters(transport)).status).toBe(200);
    expect(secrets.reads.map((r) => r.fresh)).toEqual([false, true]);
  });
});

describe('no credential in any error', () => {
  it('covers refused and failed token requests, an expired token and missing secrets', async () => {
    const { cloud, clock } = await simulator();
    const errors: unknown[] = [];
    const collect = (p: Promise<unknown>) =>
      p.then(
        () => expect.fail('expected a failure'),
        (e: unknown) => errors.push(e),
      );

    // IAM refuses the password.
    const wrong = 'Wrong-Passw0rd-Leak?';
    await collect(listClusters(connect(cloud, clock, iamAuth(cloud), memorySecrets({ HW_PASSWORD: wrong }).source).transport));
    // IAM unreachable.
    const unreachable: HuaweiAuth = { ...(iamAuth(cloud) as Extract<HuaweiAuth, { type: 'iam-password' }>), iamUrl: 'http://127.0.0.1:9' };
    await collect(listClusters(connect(cloud, clock, unreachable, memorySecrets().source).transport));
    // A token was issued and used, has expired, and IAM fails: the old token must not show.
    const { transport } = connect(cloud, clock, iamAuth(cloud), memorySecrets().source);
    expect((await listClusters(transport)).status).toBe(200);
    const issued = cloud.requests({ endpoint: 'cdm.listClusters' }).map((r) => r.headers['x-auth-token'] as string);
    clock.advance(25 * HOUR);
    cloud.faults.add({ endpoint: 'iam.token', kind: 'status', status: 500 });
    await collect(listClusters(transport));
    // IAM answers 201 without a token header (a misrouted URL).
    cloud.faults.clear();
    cloud.faults.add({ endpoint: 'iam.token', kind: 'status', status: 201, message: `echo ${DEFAULT_USER.password}` });
    await collect(listClusters(connect(cloud, clock, iamAuth(cloud), memorySecrets().source).transport));
    // A missing SK and a missing password.
    await collect(listClusters(connect(cloud, clock, AKSK, memorySecrets({ HW_SK: undefined }).source).transport));
    await collect(listClusters(connect(cloud, clock, iamAuth(cloud), memorySecrets({ HW_PASSWORD: undefined }).source).transport));

    expect(errors).toHaveLength(6);
    for (const error of errors) {
      expect(error).toBeInstanceOf(HuaweiAuthError);
      const text = `${(error as Error).message} ${String((error as Error).cause ?? '')}`;
      for (const secret of [...SECRETS, wrong, ...issued]) expect(text).not.toContain(secret);
    }
    const messages = errors.map((e) => (e as Error).message);
    expect(messages.slice(0, 4).every((m) => m.startsWith('POST '))).toBe(true);
    expect(messages[1]).toContain('http://127.0.0.1:9/v3/auth/tokens?nocatalog=true');
    expect(messages[2]).toMatch(/refused: HTTP 500/);
    expect(messages[3]).toMatch(/without an X-Subject-Token header/);
  });
});

describe('parseHuaweiAuth', () => {
  // As lib/targets/targets-file.ts reads a target's own keys.
  const reader = {
    fail: (key: string, problem: string): never => {
      throw new Error(`targets.t.${key}: ${problem}`);
    },
    secret: (key: string, value: unknown) =>
      parseSecretRef(value, `targets.t.${key}`, (path, problem) => {
        throw new Error(`${path}: ${problem}`);
      }),
  };
  const iam = {
    type: 'iam-password',
    iamUrl: 'https://iam.cn-north-4.myhuaweicloud.com/',
    domain: 'acme',
    user: 'loader',
    password: { env: 'PW' },
    project: 'cn-north-4',
  };

  it('reads both kinds', () => {
    expect(parseHuaweiAuth({ type: 'aksk', accessKey: { env: 'AK' }, secretKey: { secret: 'hw', key: 'sk' } }, reader)).toEqual({
      type: 'aksk',
      accessKey: { env: 'AK' },
      secretKey: { secret: 'hw', key: 'sk' },
    });
    expect(parseHuaweiAuth({ type: 'aksk', accessKey: { env: 'AK' }, secretKey: { env: 'SK' }, securityToken: { env: 'ST' } }, reader)).toMatchObject({
      securityToken: { env: 'ST' },
    });
    expect(parseHuaweiAuth(iam, reader)).toEqual({ ...iam, iamUrl: 'https://iam.cn-north-4.myhuaweicloud.com' });
  });

  it.each([
    ['no auth', undefined, /^targets\.t\.auth: is required/],
    ['not an object', 'aksk', /^targets\.t\.auth: must be an object/],
    ['a bad type', { type: 'token' }, /^targets\.t\.auth\.type: must be "aksk" or "iam-password", got "token"/],
    ['an unknown key', { type: 'aksk', accessKey: { env: 'AK' }, secretKey: { env: 'SK' }, region: 'x' }, /^targets\.t\.auth\.region: unknown key/],
    ['a key of the other kind', { ...iam, accessKey: { env: 'AK' } }, /^targets\.t\.auth\.accessKey: unknown key \(known for iam-password auth/],
    ['a plain-string secret', { type: 'aksk', accessKey: { env: 'AK' }, secretKey: 'abc' }, /^targets\.t\.auth\.secretKey: .*plain-text secret is refused/],
    ['a missing secret', { type: 'aksk', accessKey: { env: 'AK' } }, /^targets\.t\.auth\.secretKey: is required/],
    ['a plain-string password', { ...iam, password: 'pw' }, /^targets\.t\.auth\.password: .*plain-text secret is refused/],
    ['a missing iamUrl', { ...iam, iamUrl: undefined }, /^targets\.t\.auth\.iamUrl: is required/],
    ['an iamUrl that is not http(s)', { ...iam, iamUrl: 'ftp://iam.example.com' }, /^targets\.t\.auth\.iamUrl: must be http or https/],
    ['an iamUrl that is not a URL', { ...iam, iamUrl: 'iam.example.com' }, /^targets\.t\.auth\.iamUrl: is not a URL/],
    [
      'an iamUrl with the API path',
      { ...iam, iamUrl: 'https://iam.example.com/v3/auth/tokens' },
      /^targets\.t\.auth\.iamUrl: must be the endpoint without the API path/,
    ],
    ['an iamUrl with a query', { ...iam, iamUrl: 'https://iam.example.com/?nocatalog=true' }, /^targets\.t\.auth\.iamUrl: must not carry a query/],
    ['an empty user', { ...iam, user: ' ' }, /^targets\.t\.auth\.user: must be a non-empty string/],
    ['a missing project', { ...iam, project: undefined }, /^targets\.t\.auth\.project: is required/],
  ])('refuses %s', (_what, raw, message) => {
    expect(() => parseHuaweiAuth(raw, reader)).toThrow(message);
  });
});

describe('readHuaweiError and isGatewayAuthRejection', () => {
  it('reads every layer envelope', () => {
    expect(readHuaweiError('{"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication information","request_id":"r1"}')).toEqual({
      code: 'APIGW.0301',
      message: 'Incorrect IAM authentication information',
      requestId: 'r1',
    });
    expect(readHuaweiError('{"errCode":"Cdm.0100","externalMessage":"Job[x] doesn\'t exist."}')).toEqual({
      code: 'Cdm.0100',
      message: "Job[x] doesn't exist.",
    });
    expect(readHuaweiError('{"errorCode":"DIS.4301","message":"Stream does not exist. [s][id]"}')).toEqual({
      code: 'DIS.4301',
      message: 'Stream does not exist. [s][id]',
    });
    expect(readHuaweiError('{"error":{"code":401,"message":"The username or password is wrong.","title":"Unauthorized"}}')).toEqual({
      code: '401',
      message: 'The username or password is wrong.',
    });
    for (const other of ['', '<html>502</html>', '[]', 'null', '{"clusters":[]}', '{"error":"x"}', '{"error_code":""}'])
      expect(readHuaweiError(other)).toBeUndefined();
  });

  it('tells a gateway refusal from a service error', () => {
    const apigw = (code: string) => JSON.stringify({ error_code: code, error_msg: 'm', request_id: 'r' });
    const dis = (code: string) => JSON.stringify({ errorCode: code, message: 'm' });
    expect(isGatewayAuthRejection(401, apigw('APIGW.0301'))).toBe(true);
    expect(isGatewayAuthRejection(401, apigw('APIGW.0307'))).toBe(true);
    expect(isGatewayAuthRejection(401, apigw('APIG.0307'))).toBe(true);
    expect(isGatewayAuthRejection(403, apigw('APIGW.0306'))).toBe(false);
    expect(isGatewayAuthRejection(401, dis('DIS.4114'))).toBe(true);
    expect(isGatewayAuthRejection(441, dis('DIS.4114'))).toBe(true);
    expect(isGatewayAuthRejection(441, dis('DIS.4100'))).toBe(true); // DIS's own signature layer
    expect(isGatewayAuthRejection(400, dis('DIS.4117'))).toBe(false);
    expect(isGatewayAuthRejection(401, JSON.stringify({ errCode: 'Cdm.0000', externalMessage: 'm' }))).toBe(false);
    expect(isGatewayAuthRejection(401, 'Unauthorized')).toBe(false);
  });
});

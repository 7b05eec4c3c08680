import { mkdtempSync, readdirSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { httpStatusFor } from '../../../local/linkis-gateway/envelope.ts';
import type { LinkisGateway, LinkisGatewayOptions } from '../../../local/linkis-gateway/simulator.ts';
import { startLinkisGateway } from '../../../local/linkis-gateway/simulator.ts';
import { saveState } from '../../../local/sim-kit/saved-state.ts';

const T0 = 1_700_000_000_000;
const ENTRANCE = 'localhost:9104';
const TOKEN = { 'Token-Code': 'LINKIS-AUTH', 'Token-User': 'hadoop' };
const JSON_HEADERS = { 'content-type': 'application/json' };
const NOT_LOGGED_IN = 'You are not logged in, please login first(您尚未登录，请先登录)!';
const SESSION_EXPIRED = 'You are not logged in, please login first!(您尚未登录，请先登录!)';

function fakeClock(start = T0): { now(): number; advance(ms: number): void } {
  let t = start;
  return {
    now: () => t,
    advance: (ms) => {
      t += ms;
    },
  };
}

const opened: LinkisGateway[] = [];
async function start(options?: LinkisGatewayOptions): Promise<LinkisGateway> {
  const gateway = await startLinkisGateway(options);
  opened.push(gateway);
  return gateway;
}
afterEach(async () => {
  await Promise.all(opened.splice(0).map((g) => g.close()));
});

interface Reply {
  status: number;
  text: string;
  json: any;
  headers: Headers;
}

interface CallOptions {
  method?: string;
  /** Default: the LINKIS-AUTH token as hadoop. null: no token headers. */
  token?: Record<string, string> | null;
  headers?: Record<string, string>;
  /** Sent as JSON with a JSON content type. */
  json?: unknown;
  body?: string;
}

async function call(gateway: LinkisGateway, path: string, options: CallOptions = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...(options.token === null ? {} : (options.token ?? TOKEN)), ...options.headers };
  let body: string | undefined = options.body;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(`${gateway.baseUrl}${path}`, {
    method: options.method ?? (body === undefined ? 'GET' : 'POST'),
    headers,
    ...(body === undefined ? {} : { body }),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, text, json, headers: response.headers };
}

/** The request body of the seed document (003), with overrides merged at the top level. */
function submitBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    executionContent: { code: 'show tables', runType: 'sql' },
    params: { variable: { testvar: 'hello' }, configuration: { runtime: { 'jdbc.url': 'XX' }, startup: { 'spark.executor.cores': '4' } } },
    source: { scriptPath: 'file:///tmp/hadoop/test.sql' },
    labels: { engineType: 'spark-2.4.3', userCreator: 'hadoop-IDE' },
    ...overrides,
  };
}

async function submit(gateway: LinkisGateway, body = submitBody(), token: Record<string, string> = TOKEN): Promise<{ execID: string; taskID: number }> {
  const r = await call(gateway, '/entrance/submit', { json: body, token });
  expect(r.json).toMatchObject({ status: 0 });
  return r.json.data;
}

function withCode(code: string, labels: Record<string, unknown> = {}): Record<string, unknown> {
  return submitBody({
    executionContent: { code, runType: 'sql' },
    labels: { engineType: 'spark-2.4.3', userCreator: 'hadoop-IDE', ...labels },
  });
}

const entrance = (execID: string, op: string, query = ''): string => `/entrance/${encodeURIComponent(execID)}/${op}${query}`;

async function status(gateway: LinkisGateway, execID: string, query = ''): Promise<Reply> {
  return call(gateway, entrance(execID, 'status', query));
}

async function jobInfo(gateway: LinkisGateway, taskID: number, token: Record<string, string> = TOKEN): Promise<Record<string, any>> {
  const r = await call(gateway, `/jobhistory/${taskID}/get`, { token });
  expect(r.json.status).toBe(0);
  return r.json.data.task;
}

async function login(gateway: LinkisGateway, userName = 'hadoop', password = 'hadoop'): Promise<{ reply: Reply; cookie: string }> {
  const reply = await call(gateway, '/user/login', { json: { userName, password }, token: null });
  const setCookie = reply.headers.getSetCookie().at(-1) ?? '';
  return { reply, cookie: setCookie.split(';')[0]! };
}

/** node:http for what fetch hides: connection resets. */
function rawPost(url: string, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', agent: false, headers: { ...TOKEN, ...JSON_HEADERS } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('linkis gateway simulator: envelope and HTTP status', () => {
  it('maps every envelope status to its HTTP status (Message.messageToHttpStatus)', () => {
    expect([-1, 0, 1, 2, 3, 4].map(httpStatusFor)).toEqual([401, 200, 400, 412, 403, 206]);
  });

  it('answers a submit with the envelope, method /api/entrance/submit, a numeric taskID and HTTP 200', async () => {
    const gateway = await start({ clock: fakeClock() });
    const r = await call(gateway, '/entrance/submit', { json: submitBody() });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    expect(r.json).toEqual({
      method: '/api/entrance/submit',
      status: 0,
      message: 'OK',
      data: { execID: 'exec_id018014linkis-cg-entrancelocalhost:9104IDE_hadoop_spark_0', taskID: 1 },
    });
  });

  it('puts the execID into method for entrance operations and null for jobhistory and login', async () => {
    const gateway = await start({ clock: fakeClock() });
    const { execID, taskID } = await submit(gateway);
    expect((await status(gateway, execID)).json.method).toBe(`/api/entrance/${execID}/status`);
    expect((await call(gateway, `/jobhistory/${taskID}/get`)).json.method).toBeNull();
    expect((await login(gateway)).reply.json.method).toBeNull();
  });

  it('answers status 1 errors with HTTP 400 and not-logged-in with HTTP 401', async () => {
    const gateway = await start({ clock: fakeClock() });
    const refused = await call(gateway, '/entrance/submit', { json: submitBody({ labels: {} }) });
    expect([refused.status, refused.json.status]).toEqual([400, 1]);
    const anonymous = await call(gateway, '/jobhistory/list', { token: null });
    expect([anonymous.status, anonymous.json.status]).toEqual([401, -1]);
  });
});

describe('linkis gateway simulator: token authentication', () => {
  it('accepts Token-Code and Token-User headers from the token table', async () => {
    const gateway = await start({ tokens: [{ token: 'T1', user: 'alice,bob' }] });
    const r = await call(gateway, '/jobhistory/list', { token: { 'Token-Code': 'T1', 'Token-User': 'bob' } });
    expect([r.status, r.json.status]).toEqual([200, 0]);
  });

  it('accepts the token as two cookies', async () => {
    const gateway = await start();
    const r = await call(gateway, '/jobhistory/list', { token: null, headers: { cookie: 'Token-Code=LINKIS-AUTH; Token-User=hadoop' } });
    expect(r.json.status).toBe(0);
  });

  it('refuses a token request when token auth is disabled', async () => {
    const gateway = await start({ tokenAuth: false });
    const r = await call(gateway, '/jobhistory/list');
    expect(r.status).toBe(401);
    expect(r.json).toEqual({ method: '/api/rest_j/v1/jobhistory/list', status: -1, message: 'Gateway未启用token认证，请采用其他认证方式!', data: {} });
  });

  it('refuses a token request whose Token-User is empty with the "specify both" message', async () => {
    const gateway = await start();
    const r = await call(gateway, '/jobhistory/list', { token: { 'Token-Code': 'LINKIS-AUTH', 'Token-User': '' } });
    expect([r.status, r.json.status]).toEqual([401, -1]);
    expect(r.json.message).toBe('请在Header或Cookie中同时指定Token-Code 和 Token-User，以便完成token认证！');
  });

  it('treats a request with only one token header as no token at all (not logged in)', async () => {
    const gateway = await start();
    const r = await call(gateway, '/jobhistory/list', { token: { 'Token-Code': 'LINKIS-AUTH' } });
    expect([r.status, r.json.message]).toEqual([401, NOT_LOGGED_IN]);
  });

  it('refuses an unknown token, naming token, user and the 15207 reason', async () => {
    const gateway = await start();
    const r = await call(gateway, '/jobhistory/list', { token: { 'Token-Code': 'nope', 'Token-User': 'hadoop' } });
    expect(r.status).toBe(401);
    expect(r.json.message).toMatch(/^Token Authentication Failed, token: nope，tokenUser: hadoop, reason: errCode: 15207 ,desc: Token:nope does not exist/);
  });

  it('refuses a token used for a user it does not cover (15202) and a stale token (15201)', async () => {
    const gateway = await start({
      tokens: [
        { token: 'T1', user: 'alice' },
        { token: 'OLD', user: '*', stale: true },
      ],
    });
    const wrongUser = await call(gateway, '/jobhistory/list', { token: { 'Token-Code': 'T1', 'Token-User': 'mallory' } });
    expect(wrongUser.json.message).toMatch(/reason: errCode: 15202 ,desc: Illegal TokenUser for Token\(Token非法用户: mallory\)!/);
    const stale = await call(gateway, '/jobhistory/list', { token: { 'Token-Code': 'OLD', 'Token-User': 'x' } });
    expect(stale.json.message).toMatch(/reason: errCode: 15201 /);
  });

  it('refuses a request with neither token nor cookie with the gateway not-logged-in message', async () => {
    const gateway = await start();
    const r = await call(gateway, '/entrance/submit', { json: submitBody(), token: null });
    expect(r.status).toBe(401);
    expect(r.json).toEqual({ method: '/api/rest_j/v1/entrance/submit', status: -1, message: NOT_LOGGED_IN, data: {} });
    expect(gateway.tasks()).toEqual([]);
  });
});

describe('linkis gateway simulator: password login and sessions', () => {
  it('logs in with query parameters, answers the documented data and sets the ticket cookie', async () => {
    const gateway = await start();
    const r = await call(gateway, '/user/login?userName=hadoop&password=hadoop', { method: 'POST', token: null });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({
      method: null,
      status: 0,
      message: 'login successful(登录成功)！',
      data: { userName: 'hadoop', isAdmin: true, sessionTimeOut: 3_600_000, enableWatermark: true },
    });
    expect(r.headers.getSetCookie()).toEqual([expect.stringMatching(/^linkis_user_session_ticket_id_v1=[^;]+; Path=\/$/)]);
  });

  it('logs in with a JSON body (a non-admin user) and the cookie then authenticates requests', async () => {
    const gateway = await start({ users: [{ userName: 'alice', password: 's3cret' }] });
    const { reply, cookie } = await login(gateway, 'alice', 's3cret');
    expect(reply.json.data).toMatchObject({ userName: 'alice', isAdmin: false });
    const r = await call(gateway, '/entrance/submit', { json: withCode('select 1', { userCreator: 'alice-IDE' }), token: null, headers: { cookie } });
    expect(r.json.status).toBe(0);
    expect(gateway.tasks()[0]).toMatchObject({ submitUser: 'alice', executeUser: 'alice' });
  });

  it('answers "already logged in" when a valid ticket comes with the login', async () => {
    const gateway = await start();
    const { cookie } = await login(gateway);
    const again = await call(gateway, '/user/login', { json: { userName: 'hadoop', password: 'hadoop' }, token: null, headers: { cookie } });
    expect(again.json).toMatchObject({ status: 0, data: { userName: 'hadoop' } });
    expect(again.json.message).toBe('hadoop already logged in, please log out before signing in(已经登录，请先退出再进行登录)！');
    expect(again.headers.getSetCookie()).toEqual([]);
  });

  it.each([
    ['an empty user name', { userName: '', password: 'x' }, 'Username can not be empty(用户名不能为空)！'],
    ['a blank password', { userName: 'hadoop', password: ' ' }, 'Password can not be blank(密码不能为空)！'],
    [
      'a wrong password',
      { userName: 'hadoop', password: 'nope' },
      'Invalid username or password, please check and try again later(用户名或密码无效，请稍后再试)',
    ],
  ])('refuses a login with %s: HTTP 400, status 1', async (_name, credentials, message) => {
    const gateway = await start();
    const r = await call(gateway, '/user/login', { json: credentials, token: null });
    expect([r.status, r.json.status, r.json.message]).toEqual([400, 1, message]);
    expect(r.headers.getSetCookie()).toEqual([]);
  });

  it('expires an idle session on the injected clock', async () => {
    const clock = fakeClock();
    const gateway = await start({ clock });
    const { cookie } = await login(gateway);
    clock.advance(3_600_001);
    const r = await call(gateway, '/jobhistory/list', { token: null, headers: { cookie } });
    expect(r.status).toBe(401);
    expect(r.json).toEqual({ method: '/api/rest_j/v1/jobhistory/list', status: -1, message: SESSION_EXPIRED, data: {} });
  });

  it('refreshes a session only after half the timeout, so it can lapse sooner than the idle time suggests', async () => {
    const clock = fakeClock();
    const gateway = await start({ clock });
    const { cookie } = await login(gateway);
    const list = async (): Promise<number> => (await call(gateway, '/jobhistory/list', { token: null, headers: { cookie } })).json.status;
    clock.advance(20 * 60_000);
    expect(await list()).toBe(0); // 20 min < 30 min: no refresh
    clock.advance(41 * 60_000);
    expect(await list()).toBe(-1); // idle 41 min since that request, but 61 min since the last refresh
  });

  it('keeps a session alive that is used after half its timeout, and every request refreshes with sessionTouchFraction 0', async () => {
    const clock = fakeClock();
    const halfway = await start({ clock });
    const a = (await login(halfway)).cookie;
    clock.advance(31 * 60_000);
    expect((await call(halfway, '/jobhistory/list', { token: null, headers: { cookie: a } })).json.status).toBe(0);
    clock.advance(50 * 60_000);
    expect((await call(halfway, '/jobhistory/list', { token: null, headers: { cookie: a } })).json.status).toBe(0);

    const eager = await start({ clock, sessionTouchFraction: 0 });
    const b = (await login(eager)).cookie;
    for (let i = 0; i < 3; i++) {
      clock.advance(50 * 60_000);
      expect((await call(eager, '/jobhistory/list', { token: null, headers: { cookie: b } })).json.status).toBe(0);
    }
  });

  it('logs everyone out on expireSessions (a gateway restart) while tokens keep working', async () => {
    const gateway = await start();
    const { cookie } = await login(gateway);
    gateway.expireSessions();
    const r = await call(gateway, '/jobhistory/list', { token: null, headers: { cookie } });
    expect([r.status, r.json.message]).toEqual([401, SESSION_EXPIRED]);
    expect((await call(gateway, '/jobhistory/list')).json.status).toBe(0);
  });

  it('can answer an unknown ticket with the plain not-logged-in text instead', async () => {
    const gateway = await start({ expiredSessionMessage: 'not-logged-in' });
    const r = await call(gateway, '/jobhistory/list', { token: null, headers: { cookie: 'linkis_user_session_ticket_id_v1=forged' } });
    expect([r.status, r.json.message]).toEqual([401, NOT_LOGGED_IN]);
  });

  it('keeps a session with heartbeat, ends it with logout, and heartbeat then says not logged in', async () => {
    const gateway = await start();
    const { cookie } = await login(gateway);
    const beat = await call(gateway, '/user/heartbeat', { method: 'POST', token: null, headers: { cookie } });
    expect(beat.json).toEqual({ method: null, status: 0, message: 'Maintain heartbeat success(维系心跳成功)', data: {} });
    const out = await call(gateway, '/user/logout', { method: 'POST', token: null, headers: { cookie } });
    expect(out.json.message).toBe('Logout successful(退出登录成功)！');
    expect(out.headers.getSetCookie()[0]).toMatch(/^linkis_user_session_ticket_id_v1=; Max-Age=0/);
    const after = await call(gateway, '/user/heartbeat', { method: 'POST', token: null, headers: { cookie } });
    expect([after.status, after.json.status]).toEqual([401, -1]);
  });

  it('expires the stale ticket cookie before setting the new one on a fresh login', async () => {
    const gateway = await start();
    const r = await call(gateway, '/user/login', {
      json: { userName: 'HADOOP2', password: 'pw' },
      token: null,
      headers: { cookie: 'linkis_user_session_ticket_id_v1=stale' },
    });
    expect(r.json.status).toBe(1);
    const gateway2 = await start({ users: [{ userName: 'carol', password: 'pw' }] });
    const ok = await call(gateway2, '/user/login', {
      json: { userName: 'Carol', password: 'pw' },
      token: null,
      headers: { cookie: 'linkis_user_session_ticket_id_v1=stale' },
    });
    const cookies = ok.headers.getSetCookie();
    expect(cookies[0]).toMatch(/^linkis_user_session_ticket_id_v1=; Max-Age=0.*Domain=127\.0\.0\.1$/);
    expect(cookies.at(-1)).toMatch(/^linkis_user_session_ticket_id_v1=[^;]+; Path=\/$/);
    expect(ok.json.data.userName).toBe('carol');
  });
});

describe('linkis gateway simulator: submit validation', () => {
  const refusals: Array<[string, Record<string, unknown>, number, string]> = [
    ['empty labels', submitBody({ labels: {} }), 20008, 'params cannot be empty ,  labels is null'],
    ['no labels at all', (({ labels: _l, ...rest }) => rest)(submitBody()), 20008, 'params cannot be empty ,  labels is null'],
    [
      'no engineType label',
      submitBody({ labels: { userCreator: 'hadoop-IDE' } }),
      20009,
      'Label params invalid You need to specify engineTypeLabel in labels,such as spark-2.4.3',
    ],
    [
      'no runType',
      submitBody({ executionContent: { code: 'show tables' } }),
      20009,
      'Label params invalid You need to specify runType in execution content, such as sql',
    ],
    [
      'blank code',
      submitBody({ executionContent: { code: '  ', runType: 'sql' } }),
      20007,
      'The param executionCode cannot be empty (参数 executionCode 不能为空)',
    ],
    [
      'executionContent without code',
      submitBody({ executionContent: { runType: 'sql' } }),
      20010,
      'The param executionCode cannot be empty (参数 executionCode 不能为空)',
    ],
    [
      'a non-numeric timeout label',
      withCode('select 1', { jobRunningTimeout: '10s' }),
      20009,
      'Label params invalid The task time tag is not set incorrectly, execution is not allowed.',
    ],
    [
      'a 0.x body (no executionContent) without code or scriptPath',
      { executeApplicationName: 'spark', params: {}, labels: { engineType: 'spark-2.4.3' } },
      20007,
      'The param executionCode and scriptPath cannot be empty at the same time(参数 executionCode 和 scriptPath 不能同时为空)',
    ],
  ];

  it.each(refusals)('refuses %s with HTTP 400, the error-code message and data.errorMsg, and persists nothing', async (_name, body, errCode, desc) => {
    const gateway = await start();
    const r = await call(gateway, '/entrance/submit', { json: body });
    expect(r.status).toBe(400);
    expect(r.json).toEqual({
      method: null,
      status: 1,
      message: `error code(错误码): ${errCode}, error message(错误信息): ${desc}.`,
      data: { errorMsg: { level: 2, errCode, desc, ip: 'localhost', port: 9104, serviceKind: 'linkis-cg-entrance' } },
    });
    expect(gateway.tasks()).toEqual([]);
  });

  it('refuses a source that is not an object with the ClassCastException the cast throws', async () => {
    const gateway = await start();
    const r = await call(gateway, '/entrance/submit', { json: submitBody({ source: 'file:///x.sql' }) });
    expect(r.status).toBe(400);
    expect(r.json.message).toBe('operation failed(操作失败)s！the reason(原因)：ClassCastException: java.lang.String cannot be cast to java.util.HashMap');
    expect(r.json.data.errorMsg).toMatchObject({ errCode: 0, serviceKind: 'linkis-cg-entrance' });
  });

  it('refuses a 0.x body without params with the NullPointerException of the old parser', async () => {
    const gateway = await start();
    const r = await call(gateway, '/entrance/submit', { json: { executeApplicationName: 'hive', executionCode: 'show tables', runType: 'hql' } });
    expect(r.json.message).toBe('operation failed(操作失败)s！the reason(原因)：NullPointerException: ');
    expect(gateway.tasks()).toEqual([]);
  });

  it('accepts a complete 0.x body and labels it from executeApplicationName and requestApplicationName', async () => {
    const gateway = await start();
    const r = await call(gateway, '/entrance/execute', {
      json: { executeApplicationName: 'hive', requestApplicationName: 'dss', executionCode: 'show tables', runType: 'hql', params: {} },
    });
    expect(r.json).toMatchObject({ method: '/api/entrance/execute', status: 0 });
    expect(r.json.data.execID).toBe('exec_id018014linkis-cg-entrancelocalhost:9104dss_hadoop_hive_0');
    expect(gateway.tasks()[0]?.labels).toEqual({ engineType: 'hive-3.1.3', userCreator: 'hadoop-dss', codeType: 'hql' });
  });

  it('answers Spring 415 for a body without a JSON content type and 400 for a body that is not JSON', async () => {
    const gateway = await start();
    const text = await call(gateway, '/entrance/submit', { body: JSON.stringify(submitBody()) }); // fetch sends text/plain
    expect(text.status).toBe(415);
    expect(text.json).toEqual({ timestamp: expect.any(String), status: 415, error: 'Unsupported Media Type', path: '/api/rest_j/v1/entrance/submit' });
    const broken = await call(gateway, '/entrance/submit', { body: '{"executionContent":', headers: JSON_HEADERS });
    expect([broken.status, broken.json.error]).toEqual([400, 'Bad Request']);
    expect(gateway.tasks()).toEqual([]);
  });

  it('persists SQL made only of comments as a Failed task and then refuses it (30010)', async () => {
    const gateway = await start();
    const r = await call(gateway, '/entrance/submit', { json: withCode('-- sim.fail=true\n/* nothing */') });
    expect(r.status).toBe(400);
    expect(r.json.message).toMatch(/^error code\(错误码\): 30010, error message\(错误信息\): Submitting the execution code, after code preprocessing/);
    expect(gateway.tasks()).toEqual([expect.objectContaining({ taskID: 1, status: 'Failed', execID: null })]);
  });
});

describe('linkis gateway simulator: submit', () => {
  it('assigns increasing numeric taskIDs and execIDs exec_id + %03d lengths + app + instance + group_index', async () => {
    const gateway = await start();
    const first = await submit(gateway);
    const second = await submit(gateway);
    const third = await submit(gateway, withCode('select 1', { userCreator: 'hadoop-nightly', engineType: 'hive-3.1.3' }));
    expect([first.taskID, second.taskID, third.taskID]).toEqual([1, 2, 3]);
    expect(typeof first.taskID).toBe('number');
    const app = 'linkis-cg-entrance';
    expect(first.execID).toBe(`exec_id${'018'}${'014'}${app}${ENTRANCE}IDE_hadoop_spark_0`);
    expect(second.execID).toBe(`exec_id018014${app}${ENTRANCE}IDE_hadoop_spark_1`);
    expect(third.execID).toBe(`exec_id018014${app}${ENTRANCE}nightly_hadoop_hive_0`);
    expect(first.execID).toContain(':');
  });

  it('persists source as sourceJson with requestIP added and every value a string', async () => {
    const gateway = await start();
    const { taskID } = await submit(gateway, submitBody({ source: { scriptPath: 'a.sql', clientRequestId: 'req-42', attempt: 3 } }));
    const task = await jobInfo(gateway, taskID);
    expect(JSON.parse(task['sourceJson'])).toEqual({ scriptPath: 'a.sql', clientRequestId: 'req-42', attempt: '3', requestIP: '127.0.0.1' });
    expect(task['sourceTailor']).toBe('a.sql-req-42-3-127.0.0.1');
  });

  it('takes requestIP from X-Forwarded-For', async () => {
    const gateway = await start();
    await call(gateway, '/entrance/submit', { json: submitBody(), headers: { 'x-forwarded-for': '10.1.2.3, 10.0.0.1' } });
    expect(gateway.tasks()[0]?.source['requestIP']).toBe('10.1.2.3');
  });

  it('honours executeUser in the body only with an admin token', async () => {
    const gateway = await start({
      tokens: [
        { token: 'USER', user: '*' },
        { token: 'ADMIN', user: '*', admin: true },
      ],
    });
    await submit(gateway, submitBody({ executeUser: 'bob' }), { 'Token-Code': 'USER', 'Token-User': 'alice' });
    await submit(gateway, submitBody({ executeUser: 'bob' }), { 'Token-Code': 'ADMIN', 'Token-User': 'alice' });
    expect(gateway.tasks().map((t) => [t.submitUser, t.executeUser])).toEqual([
      ['alice', 'alice'],
      ['alice', 'bob'],
    ]);
  });

  it('adds submitUser and executeUser to params.configuration.runtime (paramsJson)', async () => {
    const gateway = await start();
    const { taskID } = await submit(gateway);
    const params = JSON.parse((await jobInfo(gateway, taskID))['paramsJson']);
    expect(params.configuration.runtime).toEqual({ 'jdbc.url': 'XX', submitUser: 'hadoop', executeUser: 'hadoop' });
  });
});

describe('linkis gateway simulator: lifecycle on the injected clock', () => {
  it('walks Inited -> Scheduled -> Running -> Succeed in the entrance and in the job history', async () => {
    const clock = fakeClock();
    const gateway = await start({ clock, durations: { initedMs: 1_000, scheduledMs: 2_000, runningMs: 10_000 } });
    const { execID, taskID } = await submit(gateway);
    const seen: string[] = [];
    for (const step of [0, 1_000, 2_000, 5_000, 5_000]) {
      clock.advance(step);
      const entranceStatus = (await status(gateway, execID)).json.data.status;
      const task = await jobInfo(gateway, taskID);
      seen.push(`${entranceStatus}/${task['status']}/${task['progress']}`);
    }
    expect(seen).toEqual(['Inited/Inited/0.0', 'Scheduled/Scheduled/0.0', 'Running/Running/0.0', 'Running/Running/0.5', 'Succeed/Succeed/1.0']);
  });

  it('fails a job on a -- sim.fail=true hint, with errCode/errDesc hidden while Running and shown after', async () => {
    const clock = fakeClock();
    const gateway = await start({ clock });
    const { execID, taskID } = await submit(gateway, withCode('select * from t -- sim.fail=true sim.errCode=12345 sim.errDesc="Table not found"'));
    clock.advance(3_000 + 4_000);
    const running = await jobInfo(gateway, taskID);
    expect([running['status'], running['errCode'], running['errDesc']]).toEqual(['Running', null, null]);
    clock.advance(1_000); // sim.failAt defaults to half of the 10 s run
    const failed = await jobInfo(gateway, taskID);
    expect([failed['status'], failed['errCode'], failed['errDesc'], failed['canRetry']]).toEqual(['Failed', 12345, 'Table not found', false]);
    expect((await status(gateway, execID)).json.data.status).toBe('Failed');
  });

  it('fails before an engine is assigned on sim.fail=scheduled in params.configuration.startup (canRetry true)', async () => {
    const clock = fakeClock();
    const gateway = await start({ clock });
    const { taskID } = await submit(gateway, submitBody({ params: { configuration: { startup: { 'sim.fail': 'scheduled' } } } }));
    clock.advance(3_000);
    const task = await jobInfo(gateway, taskID);
    expect([task['status'], task['engineInstance'], task['canRetry']]).toEqual(['Failed', null, true]);
  });

  it('runs a custom plan function with the submit body and a context', async () => {
    const clock = fakeClock();
    const contexts: unknown[] = [];
    const gateway = await start({
      clock,
      plan: (body, ctx) => {
        contexts.push({ source: body['source'], taskID: ctx.taskID, code: ctx.code, engine: ctx.labels['engineType'], runDefault: ctx.defaults.runningMs });
        return { initedMs: 0, scheduledMs: 0, runningMs: 100, fail: 'running', failAtFraction: 1, errCode: 7, errDesc: 'boom' };
      },
    });
    const { taskID } = await submit(gateway);
    clock.advance(100);
    expect(await jobInfo(gateway, taskID)).toMatchObject({ status: 'Failed', errCode: 7, errDesc: 'boom' });
    expect(contexts).toEqual([
      { source: { scriptPath: 'file:///tmp/hadoop/test.sql' }, taskID: 1, code: 'show tables', engine: 'spark-2.4.3', runDefault: 10_000 },
    ]);
  });

  it('times a job out on jobRunningTimeout (seconds), or cancels it when timeoutStatus is Cancelled', async () => {
    const clock = fakeClock();
    const gateway = await start({ clock });
    const strict = await start({ clock, timeoutStatus: 'Cancelled' });
    const a = await submit(gateway, withCode('select 1', { jobRunningTimeout: 4 }));
    const b = await submit(strict, withCode('select 1', { jobRunningTimeout: '4' }));
    clock.advance(3_000 + 3_999);
    expect((await status(gateway, a.execID)).json.data.status).toBe('Running');
    clock.advance(1);
    expect((await status(gateway, a.execID)).json.data.status).toBe('Timeout');
    expect(await jobInfo(gateway, a.taskID)).toMatchObject({ status: 'Timeout', errDesc: 'Job run 4 seconds over max run time : 4 seconds.' });
    expect((await status(strict, b.execID)).json.data.status).toBe('Cancelled');
  });

  it('times a job out on jobQueuingTimeout while it is still Inited', async () => {
    const clock = fakeClock();
    const gateway = await start({ clock, durations: { initedMs: 10_000 } });
    const { taskID } = await submit(gateway, withCode('select 1', { jobQueuingTimeout: '2' }));
    clock.advance(2_000);
    expect((await jobInfo(gateway, taskID))['status']).toBe('Timeout');
  });

  it('cancels a running job on kill, in the entrance and in the job history', async () => {
    const clock = fakeClock();
    const gateway = await start({ clock });
    const { execID, taskID } = await submit(gateway);
    clock.advance(5_000);
    const r = await call(gateway, entrance(execID, 'kill'));
    expect(r.json).toEqual({ method: `/api/entrance/${execID}/kill`, status: 0, message: 'Successfully killed the job(成功kill了job)', data: { execID } });
    expect((await status(gateway, execID)).json.data.status).toBe('Cancelled');
    expect(await jobInfo(gateway, taskID)).toMatchObject({ status: 'Cancelled', progress: '1.0' });
    clock.advance(60_000);
    expect((await jobInfo(gateway, taskID))['status']).toBe('Cancelled');
  });

  it('forces a status with the test helper, in the entrance and the DB', async () => {
    const clock = fakeClock();
    const gateway = await start({ clock });
    const { execID, taskID } = await submit(gateway);
    clock.advance(4_000);
    gateway.forceStatus(taskID, 'WaitForRetry');
    clock.advance(60_000);
    expect((await status(gateway, execID)).json.data.status).toBe('WaitForRetry');
    expect(gateway.task(taskID)?.status).toBe('WaitForRetry');
  });
});

describe('linkis gateway simulator: progress', () => {
  it('answers status 1 before any progress exists, then progress, execID and progressInfo', async () => {
    const clock = fakeClock();
    const gateway = await start({ clock });
    const { execID } = await submit(gateway, withCode('select 1 -- sim.stages=2 sim.totalTasks=10'));
    const early = await call(gateway, entrance(execID, 'progress'));
    expect([early.status, early.json.status]).toEqual([400, 1]);
    expect(early.json.message).toMatch(
      /^Can not get the corresponding progress information, it may be that the corresponding progress information has not been generated/,
    );
    clock.advance(3_000 + 7_500);
    const r = await call(gateway, entrance(execID, 'progress'));
    expect(r.json).toEqual({
      method: `/api/entrance/${execID}/progress`,
      status: 0,
      message: 'OK',
      data: {
        progress: 0.75,
        execID,
        progressInfo: [
          { id: 'job-1', succeedTasks: 10, failedTasks: 0, runningTasks: 0, totalTasks: 10 },
          { id: 'job-2', succeedTasks: 5, failedTasks: 0, runningTasks: 4, totalTasks: 10 },
        ],
      },
    });
    clock.advance(2_500);
    expect((await call(gateway, entrance(execID, 'progress'))).json.data.progress).toBe(1);
  });
});

describe('linkis gateway simulator: log', () => {
  async function finishedJob(): Promise<{ gateway: LinkisGateway; execID: string; clock: ReturnType<typeof fakeClock> }> {
    const clock = fakeClock();
    const gateway = await start({ clock });
    const { execID } = await submit(gateway, withCode('select 1 -- sim.fail=true sim.logLines=2'));
    clock.advance(20_000);
    return { gateway, execID, clock };
  }

  it('answers [error, warn, info, all] from line 0 by default, with fromLine advanced by the lines read', async () => {
    const { gateway, execID } = await finishedJob();
    const r = await call(gateway, entrance(execID, 'log'));
    expect(r.json).toMatchObject({ method: `/api/entrance/${execID}/log`, status: 0, data: { execID } });
    const [errors, warns, infos, all] = r.json.data.log as string[];
    const allLines = all!.split('\n').filter((l) => /^\d{4}-/.test(l));
    expect(r.json.data.fromLine).toBe(allLines.length);
    expect(errors).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} ERROR 40001 Simulated engine failure/);
    expect(warns).toMatch(/ WARN /);
    expect(infos).toContain('Sorry. Your job completed with a status Failed. You can view logs for the reason.');
    expect(all).toContain(errors);
  });

  it('continues from the returned fromLine, clamps a negative fromLine to 0 and reads size lines', async () => {
    const { gateway, execID } = await finishedJob();
    const whole = (await call(gateway, entrance(execID, 'log', '?distinctLevel=false'))).json.data;
    const first = (await call(gateway, entrance(execID, 'log', '?distinctLevel=false&fromLine=-5&size=3'))).json.data;
    expect(first.fromLine).toBe(3);
    const rest = (await call(gateway, entrance(execID, 'log', `?distinctLevel=false&fromLine=${first.fromLine}`))).json.data;
    expect(`${first.log}\n${rest.log}`).toBe(whole.log);
    expect(rest.fromLine).toBe(whole.fromLine);
    const beyond = (await call(gateway, entrance(execID, 'log', `?fromLine=${whole.fromLine}`))).json.data;
    expect([beyond.log, beyond.fromLine]).toEqual([['', '', '', ''], whole.fromLine]);
  });

  it('reads everything for a negative size, 100 lines by default, and one string with distinctLevel=false', async () => {
    const clock = fakeClock();
    const gateway = await start({ clock });
    const { execID } = await submit(gateway, withCode('select 1 -- sim.logLines=150'));
    clock.advance(20_000);
    const byDefault = (await call(gateway, entrance(execID, 'log', '?distinctLevel=false'))).json.data;
    expect([typeof byDefault.log, byDefault.fromLine]).toEqual(['string', 100]);
    const all = (await call(gateway, entrance(execID, 'log', '?distinctLevel=false&size=-1'))).json.data;
    expect(all.fromLine).toBeGreaterThan(150);
  });

  it('grows as the job runs', async () => {
    const clock = fakeClock();
    const gateway = await start({ clock });
    const { execID } = await submit(gateway);
    const lines = async (): Promise<number> => (await call(gateway, entrance(execID, 'log'))).json.data.fromLine;
    const atSubmit = await lines();
    clock.advance(3_000);
    const atRun = await lines();
    clock.advance(10_000);
    expect(atSubmit).toBe(2);
    expect(atRun).toBeGreaterThan(atSubmit);
    expect(await lines()).toBeGreaterThan(atRun);
  });
});

describe('linkis gateway simulator: eviction from entrance memory', () => {
  it('forgets a finished job after evictAfterMs: status needs ?taskID, and an unknown taskID reads Cancelled', async () => {
    const clock = fakeClock();
    const gateway = await start({ clock });
    const { execID, taskID } = await submit(gateway);
    clock.advance(13_000 + 59_999);
    expect((await status(gateway, execID)).json.data.status).toBe('Succeed');
    clock.advance(1);
    const bare = await status(gateway, execID);
    expect([bare.status, bare.json.status, bare.json.method]).toEqual([400, 1, null]);
    expect(bare.json.message).toBe('Get job by ID error and cannot obtain the corresponding task status.(获取job时发生异常，不能获取相应的任务状态)');
    expect((await status(gateway, execID, `?taskID=${taskID}`)).json.data).toEqual({ status: 'Succeed', execID });
    // The trap (§0.3): a taskID the DB does not know is reported as a real-looking Cancelled.
    const unknown = await status(gateway, execID, '?taskID=999');
    expect([unknown.status, unknown.json.status, unknown.json.data.status]).toEqual([200, 0, 'Cancelled']);
    expect((await call(gateway, '/jobhistory/999/get')).json.status).toBe(1);
  });

  it('answers progress and log of an evicted job with status 1', async () => {
    const clock = fakeClock();
    const gateway = await start({ clock, evictAfterMs: 1_000 });
    const { execID } = await submit(gateway);
    clock.advance(14_000);
    const progress = await call(gateway, entrance(execID, 'progress'));
    expect([progress.status, progress.json.message]).toEqual([
      400,
      'The job corresponding to the ID is empty, and the corresponding task progress cannot be obtained.(ID 对应的job为空，不能获取相应的任务进度)',
    ]);
    const log = await call(gateway, entrance(execID, 'log'));
    expect(log.json).toMatchObject({ status: 1, method: `/api/entrance/${execID}/log` });
    expect(log.json.message).toMatch(/^The job you just executed has ended\. This interface no longer provides a query/);
  });

  it('forgets a job at once with the evict helper, even a running one', async () => {
    const clock = fakeClock();
    const gateway = await start({ clock });
    const { execID, taskID } = await submit(gateway);
    gateway.evict(taskID);
    expect((await status(gateway, execID)).json.status).toBe(1);
    expect(gateway.task(taskID)).toMatchObject({ inMemory: false, entranceStatus: null, status: 'Inited' });
  });
});

describe('linkis gateway simulator: kill', () => {
  it("refuses to kill another user's job unless the caller is an admin", async () => {
    const gateway = await start();
    const { execID } = await submit(gateway);
    const r = await call(gateway, entrance(execID, 'kill'), { token: { 'Token-Code': 'LINKIS-AUTH', 'Token-User': 'bob' } });
    expect([r.status, r.json.status, r.json.message]).toEqual([400, 1, 'You have no permission to kill this job, excecute by user:hadoop']);
  });

  it('flips a finished job still in memory to Cancelled in the DB while the entrance keeps Succeed (§0.4)', async () => {
    const clock = fakeClock();
    const gateway = await start({ clock });
    const { execID, taskID } = await submit(gateway);
    clock.advance(20_000);
    expect((await jobInfo(gateway, taskID))['status']).toBe('Succeed');
    const r = await call(gateway, entrance(execID, 'kill'));
    expect(r.json.message).toBe('Successfully killed the job(成功kill了job)');
    expect((await status(gateway, execID)).json.data.status).toBe('Succeed');
    expect(await jobInfo(gateway, taskID)).toMatchObject({ status: 'Cancelled', progress: '1.0' });
  });

  it('keeps the DB status on kill after finish when killAfterFinish is keep', async () => {
    const clock = fakeClock();
    const gateway = await start({ clock, killAfterFinish: 'keep' });
    const { execID, taskID } = await submit(gateway);
    clock.advance(20_000);
    await call(gateway, entrance(execID, 'kill'));
    expect((await jobInfo(gateway, taskID))['status']).toBe('Succeed');
  });

  it('force-kills in the DB when the job is not in memory and a taskID is given; refuses without one', async () => {
    const clock = fakeClock();
    const gateway = await start({ clock });
    const running = await submit(gateway);
    const finished = await submit(gateway, withCode('select 2 -- sim.runMs=1000'));
    clock.advance(5_000);
    gateway.evict(running.taskID);
    gateway.evict(finished.taskID);
    const forced = await call(gateway, entrance(running.execID, 'kill', `?taskID=${running.taskID}`));
    expect([forced.status, forced.json.status, forced.json.message]).toEqual([200, 0, 'Forced Kill task (强制杀死任务)']);
    expect((await jobInfo(gateway, running.taskID))['status']).toBe('Cancelled');
    // The jobhistory update guard refuses to change a completed row.
    await call(gateway, entrance(finished.execID, 'kill', `?taskID=${finished.taskID}`));
    expect((await jobInfo(gateway, finished.taskID))['status']).toBe('Succeed');
    const bare = await call(gateway, entrance(running.execID, 'kill'));
    expect([bare.status, bare.json.message]).toEqual([400, 'Get job by ID error, kill failed.(获取job时发生异常，kill失败)']);
  });

  it('kills a batch with killJobs, force-kills what is not in memory, and checks the list lengths', async () => {
    const clock = fakeClock();
    const gateway = await start({ clock });
    const a = await submit(gateway);
    const b = await submit(gateway);
    gateway.evict(b.taskID);
    const r = await call(gateway, entrance(a.execID, 'killJobs'), { json: { idList: [a.execID, b.execID], taskIDList: [a.taskID, b.taskID] } });
    expect(r.json).toMatchObject({ method: null, status: 0, message: 'success' });
    expect(r.json.data.messages).toEqual([
      { method: `/api/entrance/${a.execID}/kill`, status: 0, message: 'Successfully killed the job(成功kill了job)', data: { execID: a.execID } },
      { method: `/api/entrance/${b.execID}/kill`, status: 0, message: 'Forced Kill task (强制杀死任务)', data: {} },
    ]);
    expect(gateway.tasks().map((t) => t.status)).toEqual(['Cancelled', 'Cancelled']);
    const mismatch = await call(gateway, entrance(a.execID, 'killJobs'), { json: { idList: [a.execID], taskIDList: [] } });
    expect(mismatch.json.message).toBe('The length of the ID list does not match the length of the TASKID list(id列表的长度与taskId列表的长度不一致)');
  });

  it('writes the literal progress "1.0f" when killJobs flips a finished job', async () => {
    const clock = fakeClock();
    const gateway = await start({ clock });
    const { execID, taskID } = await submit(gateway);
    clock.advance(20_000);
    await call(gateway, entrance(execID, 'killJobs'), { json: { idList: [execID], taskIDList: [taskID] } });
    expect(await jobInfo(gateway, taskID)).toMatchObject({ status: 'Cancelled', progress: '1.0f' });
  });

  it('answers pause as a success that changes nothing', async () => {
    const clock = fakeClock();
    const gateway = await start({ clock });
    const { execID } = await submit(gateway);
    clock.advance(4_000);
    const r = await call(gateway, entrance(execID, 'pause'));
    expect(r.json).toEqual({ method: `/api/entrance/${execID}/pause`, status: 0, message: 'success to pause job (成功pause了job)', data: { execID } });
    clock.advance(20_000);
    expect((await status(gateway, execID)).json.data.status).toBe('Succeed');
  });
});

describe('linkis gateway simulator: gateway routing', () => {
  it('routes each execID to the entrance it names and spreads submits over live instances', async () => {
    const gateway = await start({ entranceInstances: ['host-a:9104', 'host-b:9104'], seed: 7 });
    const execIDs: string[] = [];
    for (let i = 0; i < 8; i++) execIDs.push((await submit(gateway)).execID);
    const instances = new Set(execIDs.map((e) => (e.includes('host-a:9104') ? 'a' : 'b')));
    expect(instances).toEqual(new Set(['a', 'b']));
    for (const execID of execIDs) expect((await status(gateway, execID)).json.status).toBe(0);
    expect(execIDs[0]).toMatch(/^exec_id018011linkis-cg-entrancehost-[ab]:9104IDE_hadoop_spark_\d+$/);
  });

  it('answers calls for a downed instance with HTTP 200 and status 1 (routing failure, 11012), and submits go elsewhere', async () => {
    const clock = fakeClock();
    const gateway = await start({ clock, entranceInstances: ['host-a:9104', 'host-b:9104'] });
    let onA = await submit(gateway);
    while (!onA.execID.includes('host-a')) onA = await submit(gateway);
    gateway.instanceDown('host-a:9104');
    const r = await status(gateway, onA.execID);
    expect([r.status, r.json.status]).toEqual([200, 1]);
    expect(r.json.message).toContain('Cannot find an instance in the routing chain of serviceId [linkis-cg-entrance], please retry');
    expect(r.json.message).toMatch(/^GatewayErrorException: errCode: 11012 ,desc: /);
    expect(r.json.method).toBe(`/api/rest_j/v1${entrance(onA.execID, 'status')}`);
    for (let i = 0; i < 5; i++) expect((await submit(gateway)).execID).toContain('host-b:9104');
    expect(gateway.instances()).toEqual([
      { name: 'host-a:9104', up: false },
      { name: 'host-b:9104', up: true },
    ]);
  });

  it('fails a submit with the routing failure when no entrance is up', async () => {
    const gateway = await start();
    gateway.instanceDown(ENTRANCE);
    const r = await call(gateway, '/entrance/submit', { json: submitBody() });
    expect([r.status, r.json.status]).toEqual([200, 1]);
    expect(r.json.message).toContain('routing chain');
    expect(gateway.tasks()).toEqual([]);
  });

  it('cannot route the numeric taskID form /entrance/{taskID}/status (§0.5)', async () => {
    const gateway = await start();
    const { taskID } = await submit(gateway);
    const r = await call(gateway, `/entrance/${taskID}/status`);
    expect([r.status, r.json.status]).toEqual([200, 1]);
    expect(r.json.message).toBe('StringIndexOutOfBoundsException: String index out of range: 2');
    const longer = await call(gateway, '/entrance/123456/status');
    expect(longer.json.message).toMatch(/^StringIndexOutOfBoundsException: String index out of range: /);
  });

  it('answers paths no service handles as the real stack does: Spring 404/405, and 200 + status 1 for an unknown service', async () => {
    const gateway = await start();
    const { execID } = await submit(gateway);
    const bare = await call(gateway, '/entrance/killJobs', { json: { idList: [], taskIDList: [] } });
    expect([bare.status, bare.json.error, bare.json.path]).toEqual([404, 'Not Found', '/api/rest_j/v1/entrance/killJobs']);
    const wrongMethod = await call(gateway, entrance(execID, 'status'), { method: 'POST', json: {} });
    expect([wrongMethod.status, wrongMethod.json.error]).toEqual([405, 'Method Not Allowed']);
    const service = await call(gateway, '/nosuchservice/x');
    expect([service.status, service.json.status]).toEqual([200, 1]);
    expect(service.json.message).toMatch(/^GatewayErrorException: errCode: 11010 ,desc: Cannot find a correct serviceId for parsedServiceId:nosuchservice/);
    const outside = await fetch(`${gateway.url}/api/rest_j/v2/entrance/submit`);
    expect(outside.status).toBe(404);
  });

  it('restarts an instance with empty memory: old execIDs are unknown, unfinished tasks are Cancelled, indexes restart', async () => {
    const clock = fakeClock();
    const gateway = await start({ clock });
    const { execID, taskID } = await submit(gateway);
    clock.advance(5_000);
    gateway.instanceDown(ENTRANCE);
    clock.advance(60_000);
    expect((await jobInfo(gateway, taskID))['status']).toBe('Running'); // stuck where it was
    gateway.instanceUp(ENTRANCE);
    expect((await status(gateway, execID)).json.status).toBe(1);
    expect(await jobInfo(gateway, taskID)).toMatchObject({
      status: 'Cancelled',
      errDesc: 'Your job will be marked as canceled because the Entrance service restarted(因为Entrance服务重启，您的任务将被标记为取消)',
    });
    // A fresh process hands out index 0 again: the same execID now names another job.
    expect((await submit(gateway)).execID).toBe(execID);
  });
});

describe('linkis gateway simulator: jobhistory get', () => {
  const VO_KEYS = [
    'taskID',
    'instance',
    'execId',
    'umUser',
    'executeUser',
    'engineInstance',
    'executionCode',
    'progress',
    'logPath',
    'resultLocation',
    'status',
    'createdTime',
    'updatedTime',
    'engineType',
    'errCode',
    'errDesc',
    'executeApplicationName',
    'requestApplicationName',
    'runType',
    'paramsJson',
    'costTime',
    'strongerExecId',
    'sourceJson',
    'sourceTailor',
    'engineStartTime',
    'labels',
    'canRetry',
    'observeInfo',
    'isReuse',
    'requestStartTime',
    'requestEndTime',
    'requestSpendTime',
    'metrics',
    'engineLogPath',
    'ecmInstance',
    'ticketId',
    'subJobs',
  ];

  it('answers exactly the QueryTaskVO keys with their wire types', async () => {
    const clock = fakeClock();
    const gateway = await start({ clock });
    const { execID, taskID } = await submit(gateway);
    clock.advance(20_000);
    const r = await call(gateway, `/jobhistory/${taskID}/get`);
    expect(r.json).toMatchObject({ method: null, status: 0, message: 'OK' });
    const task = r.json.data.task;
    expect(Object.keys(task)).toEqual(VO_KEYS);
    expect(task).toMatchObject({
      taskID,
      instance: ENTRANCE,
      execId: 'IDE_hadoop_spark_0',
      umUser: 'hadoop',
      executeUser: 'hadoop',
      executionCode: 'show tables',
      progress: '1.0',
      status: 'Succeed',
      createdTime: T0,
      updatedTime: T0 + 13_000,
      engineType: 'spark',
      errCode: null,
      errDesc: null,
      executeApplicationName: 'spark',
      requestApplicationName: 'IDE',
      runType: 'sql',
      costTime: 13_000,
      strongerExecId: execID,
      canRetry: false,
      isReuse: false,
      requestStartTime: T0,
      requestEndTime: T0 + 1_000,
      requestSpendTime: 1_000,
    });
    expect(task.labels).toEqual(['engineType:spark-2.4.3', 'userCreator:hadoop-IDE', 'codeType:sql']);
    for (const key of ['paramsJson', 'sourceJson', 'metrics', 'logPath', 'resultLocation', 'engineInstance', 'ecmInstance'])
      expect(typeof task[key]).toBe('string');
    expect(JSON.parse(task.metrics)).toMatchObject({ submitTime: '2023-11-14T22:13:20+0000', completeTime: '2023-11-14T22:13:33+0000' });
  });

  it('answers the brief view with every key but only the brief ones filled', async () => {
    const gateway = await start();
    const { taskID } = await submit(gateway);
    const task = (await call(gateway, `/jobhistory/${taskID}/get?brief=true`)).json.data.task;
    expect(Object.keys(task)).toEqual(VO_KEYS);
    expect(task).toMatchObject({
      taskID,
      status: 'Inited',
      progress: '0.0',
      execId: 'IDE_hadoop_spark_0',
      umUser: 'hadoop',
      executionCode: null,
      labels: null,
      canRetry: false,
    });
  });

  it("hides another user's task from a non-admin and shows it to an admin", async () => {
    const gateway = await start();
    const { taskID } = await submit(gateway, withCode('select 1', { userCreator: 'alice-IDE' }), { 'Token-Code': 'LINKIS-AUTH', 'Token-User': 'alice' });
    const bob = await call(gateway, `/jobhistory/${taskID}/get`, { token: { 'Token-Code': 'LINKIS-AUTH', 'Token-User': 'bob' } });
    expect([bob.status, bob.json.status, bob.json.message]).toEqual([
      400,
      1,
      'The corresponding job was not found, or there may be no permission to view the job(没有找到对应的job，也可能是没有查看该job的权限)',
    ]);
    expect((await jobInfo(gateway, taskID))['umUser']).toBe('alice'); // as hadoop, the admin
  });

  it('answers Spring 400 for a taskID that is not a number', async () => {
    const gateway = await start();
    const r = await call(gateway, '/jobhistory/abc/get');
    expect([r.status, r.json.error, r.json.path]).toEqual([400, 'Bad Request', '/api/rest_j/v1/jobhistory/abc/get']);
  });
});

describe('linkis gateway simulator: jobhistory list', () => {
  async function history(): Promise<{ gateway: LinkisGateway; clock: ReturnType<typeof fakeClock> }> {
    const clock = fakeClock();
    const gateway = await start({ clock });
    const alice = { 'Token-Code': 'LINKIS-AUTH', 'Token-User': 'alice' };
    await submit(gateway, withCode('select 1 -- sim.fail=true', { userCreator: 'alice-IDE' }), alice); // 1 Failed
    clock.advance(1_000);
    await submit(gateway, withCode('select 2', { userCreator: 'alice-nightly', engineType: 'hive-3.1.3' }), alice); // 2
    clock.advance(1_000);
    await submit(gateway, withCode('select 3', { userCreator: 'alice-IDE' }), alice); // 3
    clock.advance(1_000);
    await submit(gateway, withCode('select 4')); // 4, hadoop
    clock.advance(30_000);
    return { gateway, clock };
  }
  const alice = { 'Token-Code': 'LINKIS-AUTH', 'Token-User': 'alice' };
  const ids = (r: Reply): number[] => r.json.data.tasks.map((t: { taskID: number }) => t.taskID);

  it("lists the caller's own tasks, newest first, with totalPage the row count", async () => {
    const { gateway } = await history();
    const r = await call(gateway, '/jobhistory/list', { token: alice });
    expect(r.json).toMatchObject({ method: null, status: 0, data: { totalPage: 3 } });
    expect(ids(r)).toEqual([3, 2, 1]);
  });

  it('pages with pageNow and pageSize', async () => {
    const { gateway } = await history();
    const r = await call(gateway, '/jobhistory/list?pageNow=2&pageSize=2', { token: alice });
    expect([ids(r), r.json.data.totalPage]).toEqual([[1], 3]);
  });

  it('filters by status list, engine type, creator and taskID', async () => {
    const { gateway } = await history();
    expect(ids(await call(gateway, '/jobhistory/list?status=Failed,Cancelled', { token: alice }))).toEqual([1]);
    expect(ids(await call(gateway, '/jobhistory/list?status=Succeed', { token: alice }))).toEqual([3, 2]);
    expect(ids(await call(gateway, '/jobhistory/list?executeApplicationName=hive', { token: alice }))).toEqual([2]);
    expect(ids(await call(gateway, '/jobhistory/list?creator=IDE', { token: alice }))).toEqual([3, 1]);
    expect(ids(await call(gateway, '/jobhistory/list?taskID=2', { token: alice }))).toEqual([2]);
  });

  it('filters by created time between startDate and endDate, and widens equal dates by a day', async () => {
    const { gateway } = await history();
    expect(ids(await call(gateway, `/jobhistory/list?startDate=${T0 + 1_000}&endDate=${T0 + 1_500}`, { token: alice }))).toEqual([2]);
    expect(ids(await call(gateway, `/jobhistory/list?startDate=${T0 + 1_000}&endDate=${T0 + 1_000}`, { token: alice }))).toEqual([3, 2]);
  });

  it('shows an admin only their own tasks unless isAdminView, and proxyUser narrows the admin view', async () => {
    const { gateway } = await history();
    expect(ids(await call(gateway, '/jobhistory/list'))).toEqual([4]);
    expect(ids(await call(gateway, '/jobhistory/list?isAdminView=true'))).toEqual([4, 3, 2, 1]);
    expect(ids(await call(gateway, '/jobhistory/list?isAdminView=true&proxyUser=alice'))).toEqual([3, 2, 1]);
    expect(ids(await call(gateway, '/jobhistory/list?isAdminView=true', { token: alice }))).toEqual([3, 2, 1]);
  });

  it('refuses an invalid creator with status 1 and 21304', async () => {
    const { gateway } = await history();
    const r = await call(gateway, `/jobhistory/list?creator=${encodeURIComponent('bad creator!')}`, { token: alice });
    expect([r.status, r.json.status]).toEqual([400, 1]);
    expect(r.json.message).toBe('errCode: 21304 ,desc: Invalid creator : bad creator! ,ip: localhost ,port: 9105 ,serviceKind: linkis-ps-publicservice');
  });

  it('finds a task by a client key in sourceJson, the lever after a lost submit answer', async () => {
    const clock = fakeClock();
    const gateway = await start({ clock });
    await submit(gateway, submitBody({ source: { scriptPath: 'a.sql', clientRequestId: 'other' } }));
    await submit(gateway, submitBody({ source: { scriptPath: 'a.sql', clientRequestId: 'mine' } }));
    const r = await call(gateway, `/jobhistory/list?startDate=${T0 - 60_000}&endDate=${T0 + 1}&executeApplicationName=spark&creator=IDE&pageSize=50`);
    const mine = r.json.data.tasks.filter((t: { sourceJson: string }) => JSON.parse(t.sourceJson).clientRequestId === 'mine');
    expect(mine.map((t: { taskID: number }) => t.taskID)).toEqual([2]);
  });

  it('lists by ids with list-taskids, own tasks only, and refuses bad id lists', async () => {
    const { gateway } = await history();
    const r = await call(gateway, '/jobhistory/list-taskids?taskID=1,4,3', { token: alice });
    expect(r.json.data.jobHistoryList.map((t: { taskID: number }) => t.taskID)).toEqual([3, 1]);
    expect((await call(gateway, '/jobhistory/list-taskids?taskID=1;2')).json.message).toBe('TaskID contains illegal characters');
    const many = Array.from({ length: 31 }, (_, i) => i + 1).join(',');
    expect((await call(gateway, `/jobhistory/list-taskids?taskID=${many}`)).json.message).toBe('TaskID size cannot exceed 30');
    expect((await call(gateway, '/jobhistory/list-taskids')).json.message).toBe('Invalid taskID cannot be empty');
  });
});

describe('linkis gateway simulator: faults', () => {
  it('persists the task when an after fault replaces the submit answer, so the client can find it', async () => {
    const gateway = await start();
    gateway.faults.add({ endpoint: 'submit', kind: 'status', status: 502, phase: 'after' });
    const lost = await call(gateway, '/entrance/submit', { json: submitBody({ source: { clientRequestId: 'k-1' } }) });
    expect(lost.status).toBe(502);
    expect(lost.text).toMatch(/<html>.*502/);
    const found = await call(gateway, '/jobhistory/list');
    expect(found.json.data.tasks.map((t: { sourceJson: string }) => JSON.parse(t.sourceJson).clientRequestId)).toEqual(['k-1']);
  });

  it('persists the task when the connection is reset after processing the submit', async () => {
    const gateway = await start();
    gateway.faults.add({ endpoint: 'submit', kind: 'reset' });
    await expect(rawPost(`${gateway.baseUrl}/entrance/submit`, JSON.stringify(submitBody()))).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(gateway.tasks()).toHaveLength(1);
  });

  it('persists nothing on a before fault', async () => {
    const gateway = await start();
    gateway.faults.add({ endpoint: 'submit', kind: 'status' });
    expect((await call(gateway, '/entrance/submit', { json: submitBody() })).status).toBe(503);
    expect(gateway.tasks()).toEqual([]);
    expect(gateway.submits()).toHaveLength(1);
  });

  it('answers a routing fault with HTTP 200 and status 1', async () => {
    const gateway = await start();
    const { execID } = await submit(gateway);
    gateway.faults.add({ endpoint: 'status', kind: 'routing', times: 1 });
    const r = await status(gateway, execID);
    expect([r.status, r.json.status]).toEqual([200, 1]);
    expect(r.json.message).toContain('Cannot find an instance in the routing chain of serviceId [linkis-cg-entrance], please retry');
    expect((await status(gateway, execID)).json.status).toBe(0);
  });

  it("answers a spring-500 fault with Spring's default body, not an envelope", async () => {
    const gateway = await start();
    gateway.faults.add({ endpoint: 'jobhistory-get', kind: 'spring-500' });
    const r = await call(gateway, '/jobhistory/1/get');
    expect(r.status).toBe(500);
    expect(r.json).toEqual({
      timestamp: expect.any(String),
      path: '/api/rest_j/v1/jobhistory/1/get',
      status: 500,
      error: 'Internal Server Error',
      message: '',
      requestId: expect.stringMatching(/^[0-9a-f]{8}-\d+$/),
    });
    expect(r.json.data).toBeUndefined();
  });

  it('answers a malformed fault with HTTP 200 and a body that is not JSON', async () => {
    const gateway = await start();
    gateway.faults.add({ endpoint: 'login', kind: 'malformed' });
    const r = await call(gateway, '/user/login', { json: { userName: 'hadoop', password: 'hadoop' }, token: null });
    expect(r.status).toBe(200);
    expect(r.text.length).toBeGreaterThan(0);
    expect(r.json).toBeUndefined();
  });

  it('delays a slow fault by delayMs of real time and then answers normally', async () => {
    const gateway = await start();
    gateway.faults.add({ endpoint: 'jobhistory-list', kind: 'slow', delayMs: 150 });
    const t0 = performance.now();
    const r = await call(gateway, '/jobhistory/list');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
    expect(r.json.status).toBe(0);
  });

  it('fires a fault only times times and only for requests its match accepts', async () => {
    const gateway = await start();
    gateway.faults.add({ endpoint: 'jobhistory-get', kind: 'status', status: 500, times: 2, match: (r) => r.id === '7' });
    const statuses: number[] = [];
    for (const id of ['8', '7', '7', '7']) statuses.push((await call(gateway, `/jobhistory/${id}/get`)).status);
    expect(statuses).toEqual([400, 500, 500, 400]);
  });

  it('draws probabilistic faults from the seeded RNG, deterministically, and again after reset', async () => {
    async function run(gateway: LinkisGateway): Promise<number[]> {
      gateway.faults.add({ endpoint: 'jobhistory-list', kind: 'status', probability: 0.5 });
      const statuses: number[] = [];
      for (let i = 0; i < 16; i++) statuses.push((await call(gateway, '/jobhistory/list')).status);
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

  it('records every request with method, path, query, headers, body and clock time', async () => {
    const clock = fakeClock();
    const gateway = await start({ clock });
    const { execID } = await submit(gateway);
    clock.advance(5);
    await status(gateway, execID, '?taskID=1');
    const [sub, stat] = gateway.received;
    expect(sub).toMatchObject({ endpoint: 'submit', method: 'POST', at: T0, body: submitBody() });
    expect(sub?.headers['token-code']).toBe('LINKIS-AUTH');
    expect(stat).toMatchObject({ endpoint: 'status', method: 'GET', id: execID, query: { taskID: '1' }, at: T0 + 5 });
    expect(stat?.path).toContain('%3A');
  });
});

describe('linkis gateway simulator: options and close', () => {
  it('rejects unknown options, bad instance names and unknown fault keys', async () => {
    await expect(startLinkisGateway({ sessionTimeout: 5 } as LinkisGatewayOptions)).rejects.toThrow(/unknown option "sessionTimeout"/);
    await expect(startLinkisGateway({ entranceInstances: ['entrance_1:9104'] })).rejects.toThrow(/host:port/);
    await expect(startLinkisGateway({ durations: { runMs: 5 } as never })).rejects.toThrow(/unknown durations key "runMs"/);
    const gateway = await start();
    expect(() => gateway.faults.add({ endpoint: 'submit', kind: 'status', phaze: 'after' } as never)).toThrow(/unknown key "phaze"/);
  });

  it('closes promptly while a slow fault is pending', async () => {
    const gateway = await startLinkisGateway();
    gateway.faults.add({ endpoint: 'jobhistory-list', kind: 'slow', delayMs: 30_000, phase: 'before' });
    const pending = call(gateway, '/jobhistory/list').then(
      () => 'answered',
      () => 'failed',
    );
    while (gateway.received.length === 0) await new Promise((r) => setTimeout(r, 5));
    const t0 = performance.now();
    await gateway.close();
    expect(performance.now() - t0).toBeLessThan(500);
    expect(await pending).toBe('failed');
  });
});

describe('linkis gateway simulator: kept across a restart (stateFile)', () => {
  const stateDir = () => mkdtempSync(join(tmpdir(), 'linkis-gateway-'));
  const durations = { initedMs: 1_000, scheduledMs: 2_000, runningMs: 10_000 };

  it('knows its tasks after a restart: a running one carries on by the clock, and taskIDs are never handed out twice', async () => {
    const clock = fakeClock();
    const stateFile = join(stateDir(), 'gateway.json');
    const before = await start({ clock, durations, stateFile });
    const running = await submit(before);
    const failed = await submit(before, withCode('select 2 -- sim.fail=true sim.runMs=1000'));
    clock.advance(5_000);
    expect((await status(before, running.execID)).json.data.status).toBe('Running');
    const { cookie } = await login(before);
    await before.close();

    clock.advance(2_000); // time passes while the stack is down; the real gateway runs on
    const after = await start({ clock, durations, stateFile });
    const again = (await status(after, running.execID)).json.data.status;
    const row = await jobInfo(after, running.taskID);
    const stillFailed = await jobInfo(after, failed.taskID);
    const fresh = await submit(after);
    const withSession = await call(after, '/jobhistory/list', { token: null, headers: { cookie } });
    clock.advance(6_000);
    const done = (await status(after, running.execID)).json.data.status;

    expect(again).toBe('Running');
    expect([row['taskID'], row['status'], row['progress']]).toEqual([running.taskID, 'Running', '0.4']);
    expect(stillFailed['status']).toBe('Failed');
    expect(done).toBe('Succeed');
    expect((await jobInfo(after, running.taskID))['status']).toBe('Succeed');
    expect(fresh.taskID).toBe(3);
    expect([running.execID, failed.execID]).not.toContain(fresh.execID);
    expect(withSession.json.status).toBe(0);
    expect(after.tasks().map((t) => t.taskID)).toEqual([1, 2, 3]);
  });

  it('keeps a downed entrance down, its unfinished job frozen where it stopped', async () => {
    const clock = fakeClock();
    const stateFile = join(stateDir(), 'gateway.json');
    const before = await start({ clock, durations, stateFile, entranceInstances: ['host-a:9104', 'host-b:9104'] });
    const { taskID } = await submit(before);
    const { instance } = before.task(taskID)!;
    clock.advance(5_000);
    before.instanceDown(instance);
    await before.close();

    clock.advance(60_000);
    const after = await start({ clock, durations, stateFile, entranceInstances: ['host-a:9104', 'host-b:9104'] });

    expect(after.instances().find((i) => i.name === instance)?.up).toBe(false);
    expect(after.task(taskID)).toMatchObject({ status: 'Running', progress: '0.2', inMemory: false });
    expect((await submit(after)).execID).not.toContain(instance);
  });

  it('writes nothing without a stateFile, and starts empty from a file of another simulator or version', async () => {
    const dir = stateDir();
    const gateway = await startLinkisGateway({});
    await submit(gateway);
    await gateway.close();
    const foreign = join(dir, 'other.json');
    saveState(foreign, 'lindorm-master', 1, { seq: 4, procs: [] });
    const older = join(dir, 'older.json');
    saveState(older, 'linkis-gateway', 2, { entrances: { seq: 9, instances: [], tasks: [] }, sessions: [] });

    const fromForeign = await start({ stateFile: foreign });
    const fromOlder = await start({ stateFile: older });

    expect(readdirSync(dir).sort()).toEqual(['older.json', 'other.json']);
    expect([fromForeign.tasks(), fromOlder.tasks()]).toEqual([[], []]);
    expect((await submit(fromForeign)).taskID).toBe(1);
    expect((await submit(fromOlder)).taskID).toBe(1);
  });

  it('rejects a stateFile that is not a path', async () => {
    await expect(startLinkisGateway({ stateFile: '' })).rejects.toThrow(/stateFile must be a file path/);
  });
});

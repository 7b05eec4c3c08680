// The Linkis module against the simulated gateway: the envelope, both ways in, and the traps of Linkis'
// own source (the entrance forgets ended jobs, `status?taskID=` says Cancelled for what it does not know,
// a kill after the end can overwrite Succeed) that backends-real.md §1 lists.
import { afterEach, describe, expect, it } from 'vitest';
import { RemoteRefusedError, RemoteTaskNotFoundError } from '../../../lib/backends/backend.ts';
import { LinkisApiError } from '../../../lib/backends/linkis/errors.ts';
import { parseLinkisRequest } from '../../../lib/backends/linkis/request.ts';
import type { LinkisGatewayOptions } from '../../../local/linkis-gateway/simulator.ts';
import { FakeClock } from '../../support/fake-clock.ts';
import { type LinkisAuthKind, type LinkisFixture, linkisPassword, linkisRequest, linkisToken, startLinkisFixture } from '../../support/linkis.ts';

const durations = { initedMs: 1_000, scheduledMs: 2_000, runningMs: 60_000 };
const opened: LinkisFixture[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((f) => f.close()));
});

async function setup(options: { auth?: LinkisAuthKind; gateway?: LinkisGatewayOptions; env?: Record<string, string> } = {}) {
  const clock = new FakeClock();
  const fixture = await startLinkisFixture(clock, { ...options, gateway: { durations, ...options.gateway } });
  opened.push(fixture);
  const params = parseLinkisRequest(linkisRequest());
  const context = (marker = 't-1.c1') => ({ marker, startedAt: clock.now() });
  return { ...fixture, clock, params, context, endpoints: () => fixture.gateway.received.map((r) => r.endpoint) };
}

const refusalOf = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  );

describe('submitting', () => {
  it('sends the request as written, with the marker added to source, and keeps both ids', async () => {
    const { backend, gateway, params, context } = await setup();
    const ref = await backend.create(params, context('t-1.c1'));
    expect(ref).toEqual({ taskID: expect.any(Number), execID: expect.stringMatching(/^exec_id/) });
    const [submit] = gateway.submits();
    expect(submit!.body).toEqual({ ...params, source: { scriptPath: 'file:///tmp/hadoop/test.sql', bulkpilotMarker: 't-1.c1' } });
    expect(backend.describeRef(ref)).toBe(String(ref.taskID));
    expect(backend.parseRef(` ${ref.taskID} `)).toEqual({ taskID: ref.taskID });
    expect(() => backend.parseRef('exec_id018014linkis')).toThrow(/a Linkis job id is the taskID/);
  });

  it('a refusal in the envelope is final and says what Linkis said', async () => {
    const { backend, params, context } = await setup();
    const error = await refusalOf(backend.create({ ...params, executionContent: { code: '-- only a comment', runType: 'sql' } }, context()));
    expect(backend.classifyCreateFailure(error)).toEqual({ kind: 'refused', reason: expect.stringMatching(/\S/) });
  });

  it('a routing failure in an HTTP 200 never reached an entrance: the submit is not sent again, and may be made again', async () => {
    const { backend, gateway, params, context } = await setup();
    gateway.faults.add({ endpoint: 'submit', kind: 'routing', times: 1 });
    const error = await refusalOf(backend.create(params, context()));
    expect(error).toBeInstanceOf(LinkisApiError);
    expect((error as LinkisApiError).isRoutingFailure).toBe(true);
    expect(backend.classifyCreateFailure(error).kind).toBe('not-created');
    expect(gateway.submits()).toHaveLength(1);
    expect(gateway.tasks()).toHaveLength(0);
  });

  it("Spring's plain 500 body and a truncated answer may follow a stored task: ambiguous", async () => {
    const { backend, gateway, params, context } = await setup();
    gateway.faults.add({ endpoint: 'submit', kind: 'spring-500', phase: 'after', times: 1 });
    expect(backend.classifyCreateFailure(await refusalOf(backend.create(params, context()))).kind).toBe('ambiguous');
    gateway.faults.add({ endpoint: 'submit', kind: 'malformed', times: 1 });
    expect(backend.classifyCreateFailure(await refusalOf(backend.create(params, context()))).kind).toBe('ambiguous');
    expect(gateway.submits()).toHaveLength(2);
    expect(gateway.tasks()).toHaveLength(2);
  });
});

describe('tracking', () => {
  it('reads the state from jobhistory, never from the entrance: an evicted job still ends Succeed', async () => {
    const { backend, gateway, clock, params, context, endpoints } = await setup();
    const ref = await backend.create(params, context());
    clock.advance(30_000);
    expect(await backend.status(ref)).toMatchObject({ state: 'Running', phase: 'running', progress: expect.any(Number) });
    clock.advance(60_000);
    gateway.evict(Number(ref.taskID));
    expect(await backend.status(ref)).toMatchObject({ state: 'Succeed', phase: 'succeeded' });
    // `status?taskID=` answers Cancelled for a task the entrance does not know: it is never asked.
    expect(endpoints()).not.toContain('status');
  });

  it("a completed task's end time is its history row's updatedTime; a running one has none", async () => {
    const { backend, clock, params, context } = await setup();
    const createdAt = clock.now();
    const ref = await backend.create(params, context());
    clock.advance(30_000);
    expect((await backend.status(ref)).endedAt).toBeUndefined();
    clock.advance(90_000);
    const ended = await backend.status(ref);
    expect(ended.phase).toBe('succeeded');
    // Inited 1 s, Scheduled 2 s, Running 60 s: it ended 63 s after the submit, long before this check.
    expect(ended.endedAt).toBeGreaterThanOrEqual(createdAt + 63_000);
    expect(ended.endedAt).toBeLessThan(createdAt + 64_000);
  });

  it('a task found by its taskID alone learns its execID from the history', async () => {
    const { backend, params, context } = await setup();
    const ref = await backend.create(params, context());
    expect((await backend.status({ taskID: ref.taskID! })).ref).toEqual({ taskID: ref.taskID, execID: expect.stringMatching(/^exec_id/) });
  });

  it('near the end by progress; a failure carries its errCode and errDesc', async () => {
    const { backend, clock, params, context } = await setup();
    const ref = await backend.create(params, context());
    clock.advance(3_000 + 58_000);
    expect(await backend.status(ref)).toMatchObject({ phase: 'running', nearEnd: true });
    const failing = await backend.create(parseLinkisRequest(linkisRequest('sim.fail=true sim.errCode=40021 sim.errDesc="Table not found"')), context());
    clock.advance(90_000);
    expect(await backend.status(failing)).toMatchObject({ state: 'Failed', phase: 'failed', message: 'errCode 40021: Table not found' });
  });

  it('says not found for a taskID jobhistory does not have (or may not show)', async () => {
    const { backend } = await setup();
    await expect(backend.status({ taskID: 424_242 })).rejects.toBeInstanceOf(RemoteTaskNotFoundError);
  });

  it('reads again through a routing failure or a 503 of a read', async () => {
    const { backend, gateway, params, context } = await setup();
    const ref = await backend.create(params, context());
    gateway.faults.add({ endpoint: 'jobhistory-get', kind: 'routing', times: 1 });
    gateway.faults.add({ endpoint: 'jobhistory-get', kind: 'status', status: 503, times: 1 });
    expect((await backend.status(ref)).state).toBe('Inited');
    expect(gateway.received.filter((r) => r.endpoint === 'jobhistory-get')).toHaveLength(3);
  });
});

describe('killing', () => {
  it('kills a running task once, by execID and taskID', async () => {
    const { backend, gateway, clock, params, context } = await setup();
    const ref = await backend.create(params, context());
    clock.advance(5_000);
    await backend.abort(ref);
    const kills = gateway.received.filter((r) => r.endpoint === 'kill');
    expect(kills).toHaveLength(1);
    expect(kills[0]!).toMatchObject({ id: ref.execID, query: { taskID: String(ref.taskID) } });
    expect((await backend.status(ref)).state).toBe('Cancelled');
  });

  it('never sends a kill once the history says the task ended (it would overwrite Succeed with Cancelled)', async () => {
    const { backend, gateway, clock, params, context } = await setup();
    const ref = await backend.create(params, context());
    clock.advance(90_000);
    const error = await refusalOf(backend.abort(ref));
    expect(error).toBeInstanceOf(RemoteRefusedError);
    expect((error as Error).message).toMatch(/already ended \(Succeed\)/);
    expect(gateway.received.filter((r) => r.endpoint === 'kill')).toHaveLength(0);
    expect(gateway.killsAfterEnd()).toEqual([]);
    expect((await backend.status(ref)).state).toBe('Succeed');
  });

  it('a kill that fails is not sent again', async () => {
    const { backend, gateway, clock, params, context } = await setup();
    const ref = await backend.create(params, context());
    clock.advance(5_000);
    gateway.faults.add({ endpoint: 'kill', kind: 'reset', phase: 'before', times: 1 });
    await expect(backend.abort(ref)).rejects.toThrow();
    expect(gateway.received.filter((r) => r.endpoint === 'kill')).toHaveLength(1);
  });
});

describe('finding the task of a lost submit', () => {
  it('finds it by the marker in its sourceJson, with the ids to track it', async () => {
    const { backend, gateway, params, context } = await setup();
    await backend.create(params, context('t-9.c1'));
    gateway.faults.add({ endpoint: 'submit', kind: 'reset', phase: 'after', times: 1 });
    const startedAt = Date.parse('2026-11-21T10:00:00Z');
    await expect(backend.create(params, { marker: 't-9.c2', startedAt })).rejects.toThrow();
    const lost = gateway.tasks().at(-1)!;
    expect(await backend.findCreated(params, { marker: 't-9.c2', startedAt })).toEqual({
      found: { taskID: lost.taskID, execID: expect.stringMatching(/^exec_id/) },
    });
    expect(await backend.findCreated(params, { marker: 't-9.c3', startedAt })).toEqual({
      absent: true,
      reason: expect.stringContaining('none of the 2 tasks'),
    });
  });

  it('a lookup that cannot read the history fails (the caller waits), it never says absent', async () => {
    const { backend, gateway, params, context } = await setup();
    gateway.faults.add({ endpoint: 'jobhistory-list', kind: 'status', status: 503 });
    await expect(backend.findCreated(params, context('t-1.c1'))).rejects.toThrow(/503/);
  });

  it('pages through a busy history, newest first', async () => {
    const { backend, clock, params, context } = await setup();
    const startedAt = clock.now();
    await backend.create(params, context('t-busy.c1'));
    for (let i = 0; i < 120; i++) await backend.create(params, context(`other-${i}.c1`));
    clock.advance(1_000);
    expect(await backend.findCreated(params, { marker: 't-busy.c1', startedAt })).toMatchObject({ found: { taskID: expect.any(Number) } });
  });
});

describe('progress and logs for people', () => {
  it('shows the progress of each engine job while it runs, and where the log is kept', async () => {
    const { backend, clock, params, context } = await setup();
    const ref = await backend.create(params, context());
    clock.advance(3_000 + 40_000);
    const details = await backend.inspect(ref);
    expect(details.progress).toBeGreaterThan(0);
    expect(details.parts!.length).toBeGreaterThan(0);
    expect(details.parts![0]).toEqual({ name: expect.any(String), done: expect.any(Number), failed: 0, running: expect.any(Number), total: 10 });
    expect(details.logLocation).toMatch(/\S/);
  });

  it('reads the log through its cursor while the job runs, then says where the whole log lives', async () => {
    const { backend, clock, params, context } = await setup({ gateway: { durations, evictAfterMs: 5_000 } });
    const ref = await backend.create(params, context());
    clock.advance(3_000 + 20_000);
    const first = await backend.readLog(ref, 0);
    expect(first.ended).toBe(false);
    expect(first.text).toMatch(/\S/);
    expect(first.next).toBeGreaterThan(0);
    const again = await backend.readLog(ref, first.next);
    expect(again.text).toBe('');
    expect(again.next).toBe(first.next);
    clock.advance(120_000);
    const ended = await backend.readLog(ref, first.next);
    expect(ended).toMatchObject({ ended: true, location: expect.stringMatching(/\S/) });
  });
});

describe('auth', () => {
  it('token: Token-Code and Token-User on every call, no login', async () => {
    const { backend, gateway, params, context } = await setup({ auth: 'token' });
    const ref = await backend.create(params, context());
    await backend.status(ref);
    expect(gateway.received.every((r) => r.headers['token-code'] === linkisToken && r.headers['token-user'] === 'hadoop')).toBe(true);
    expect(gateway.received.map((r) => r.endpoint)).not.toContain('login');
  });

  it('password: one login for concurrent calls, then the cookie; an expired session means one new login', async () => {
    const { backend, gateway, clock, params, context } = await setup({ auth: 'password', gateway: { durations, sessionTimeoutMs: 10 * 60_000 } });
    const refs = await Promise.all([1, 2, 3].map((n) => backend.create(params, context(`t-${n}.c1`))));
    expect(gateway.received.filter((r) => r.endpoint === 'login')).toHaveLength(1);
    expect(gateway.received.filter((r) => r.endpoint === 'submit').every((r) => String(r.headers.cookie).includes('linkis_user_session_ticket_id_v1='))).toBe(
      true,
    );
    clock.advance(30 * 60_000);
    for (const ref of refs) expect((await backend.status(ref)).state).toBe('Succeed');
    expect(gateway.received.filter((r) => r.endpoint === 'login')).toHaveLength(2);
    // The call turned away for the lapsed session was sent again once; nothing failed.
    expect(gateway.received.filter((r) => r.endpoint === 'jobhistory-get')).toHaveLength(4);
  });

  it('a bad credential fails the call as not sent, without the credential in the error', async () => {
    for (const auth of ['token', 'password'] as const) {
      const { backend, params, context } = await setup({ auth, env: { LINKIS_TOKEN: 'wrong-token-31337', LINKIS_PASSWORD: 'wrong-pass-31337' } });
      const error = await refusalOf(backend.create(params, context()));
      expect(backend.classifyCreateFailure(error).kind, auth).toBe('not-created');
      const text = `${(error as Error).message} ${JSON.stringify(error)} ${String((error as Error).cause ?? '')}`;
      for (const secret of ['wrong-token-31337', 'wrong-pass-31337', linkisToken, linkisPassword]) expect(text, auth).not.toContain(secret);
    }
  });
});

describe('running a failed task again', () => {
  it('resubmits as a new task with the rerun marker; a submit Linkis refuses is a refusal to run again', async () => {
    const { backend, gateway, clock, params, context } = await setup();
    const failed = await backend.create(parseLinkisRequest(linkisRequest('sim.fail=true')), context('t-r.c1'));
    clock.advance(90_000);
    const next = await backend.rerun(failed, params, context('t-r.r2'));
    expect(next.taskID).not.toBe(failed.taskID);
    expect((gateway.submits().at(-1)!.body as { source: Record<string, string> }).source.bulkpilotMarker).toBe('t-r.r2');
    const refused = await refusalOf(backend.rerun(failed, { ...params, executionContent: { code: '-- only a comment', runType: 'sql' } }, context('t-r.r3')));
    expect(refused).toBeInstanceOf(RemoteRefusedError);
    expect((refused as RemoteRefusedError).job).toBe(String(failed.taskID));
  });
});

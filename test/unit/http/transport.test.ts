// The one HTTP transport, against a real local server: what is retried and what never is, timeouts by
// phase and the call's hard bound, the answer's size cap, the auth hook and its one replay, and errors that
// never carry a credential.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MockAgent } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NetworkError, ResponseTooLargeError, TimeoutError } from '../../../lib/http/errors.ts';
import { type AuthHook, HttpTransport, type HttpTransportOptions } from '../../../lib/http/transport.ts';
import { freePort } from '../../../local/emulators/free-port.ts';
import { FakeClock } from '../../support/fake-clock.ts';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

let server: Server;
let base: string;
const seen: Seen[] = [];
/** What the server does with the next requests, in order; the last one repeats. */
let script: Array<(req: IncomingMessage, res: ServerResponse, body: string) => void> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      const step = script.length > 1 ? script.shift()! : script[0];
      if (step) step(req, res, body);
      else res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const transports: HttpTransport[] = [];
afterEach(async () => {
  seen.length = 0;
  script = [];
  await Promise.all(transports.splice(0).map((t) => t.close()));
});

function transport(options: Partial<HttpTransportOptions> = {}): HttpTransport {
  const t = new HttpTransport({
    baseUrl: `${base}/api/v1`,
    timeouts: { connectMs: 500, headersMs: 300, bodyMs: 300 },
    keepAliveTimeoutMs: 100,
    clock: new FakeClock(),
    random: () => 0.5,
    ...options,
  });
  transports.push(t);
  return t;
}

const answer =
  (status: number, body = '{}', headers: Record<string, string> = {}) =>
  (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(body);
  };

describe('the retry allow-list', () => {
  it('sends an idempotent read again after a 503 and returns the next answer', async () => {
    script = [answer(503), answer(200, '{"ok":true}')];
    const response = await transport().request({ method: 'GET', path: '/status?id=1', idempotent: true });
    expect(response).toMatchObject({ status: 200, text: '{"ok":true}' });
    expect(seen.map((s) => s.url)).toEqual(['/api/v1/status?id=1', '/api/v1/status?id=1']);
  });

  it('never sends a call with side effects twice, whatever its method and the answer', async () => {
    script = [answer(503)];
    const t = transport();
    for (const method of ['POST', 'GET', 'PUT', 'DELETE'] as const) {
      const response = await t.request({ method, path: '/kill' });
      expect(response.status).toBe(503);
    }
    expect(seen).toHaveLength(4);
  });

  it('never resends a call with side effects after a reset connection either', async () => {
    script = [(req) => req.socket.destroy()];
    const error = await transport()
      .request({ method: 'POST', path: '/submit', body: '{}' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as NetworkError).mayHaveReachedServer).toBe(true);
    expect(seen).toHaveLength(1);
  });

  it('takes an answer its caller calls transient as a reason to read again (a gateway error inside a 200)', async () => {
    script = [answer(200, '{"status":1,"message":"please retry"}'), answer(200, '{"status":0}')];
    const response = await transport().request({ method: 'GET', path: '/s', idempotent: true, transient: (r) => r.text.includes('please retry') });
    expect(response.text).toBe('{"status":0}');
    expect(seen).toHaveLength(2);
  });

  it('hands back the last transient answer when the attempts run out', async () => {
    script = [answer(502, 'bad gateway')];
    const response = await transport({ retry: { maxAttempts: 2 } }).request({ method: 'GET', path: '/s', idempotent: true });
    expect(response).toMatchObject({ status: 502, text: 'bad gateway' });
    expect(seen).toHaveLength(2);
  });

  it('waits as long as Retry-After asks', async () => {
    const clock = new FakeClock();
    script = [answer(429, '{}', { 'retry-after': '2' }), answer(200)];
    await transport({ clock, retry: { budgetMs: 10_000 } }).request({ method: 'GET', path: '/s', idempotent: true });
    expect(clock.sleeps).toEqual([2_000]);
  });

  it('does not start an attempt that could not finish within the budget', async () => {
    // An attempt may take 1100 ms (500 + 300 + 300): after a first wait of 100 ms a second attempt would end
    // at 1200 ms, past a budget of 1150 ms.
    script = [answer(503)];
    await transport({ retry: { budgetMs: 1_150, maxAttempts: 5 } }).request({ method: 'GET', path: '/s', idempotent: true });
    expect(seen).toHaveLength(1);
  });
});

describe('timeouts and limits', () => {
  it('says the headers timed out, and that the request may have reached the server', async () => {
    // undici's phase timers tick about once a second: the answer comes well after that.
    script = [(_req, res) => setTimeout(() => res.end('{}'), 2_500)];
    const error = await transport()
      .request({ method: 'POST', path: '/submit' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ phase: 'headers', mayHaveReachedServer: true });
  });

  it('cuts a body that trickles under its idle limit at the call bound', async () => {
    script = [
      (_req, res) => {
        res.writeHead(200);
        const timer = setInterval(() => res.write('x'), 100);
        res.on('close', () => clearInterval(timer));
      },
    ];
    const started = Date.now();
    const error = await transport()
      .request({ method: 'GET', path: '/slow' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).phase).toBe('deadline');
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('gives up on the caller abort signal', async () => {
    script = [(_req, res) => setTimeout(() => res.end('{}'), 2_000)];
    const error = await transport({ timeouts: { connectMs: 500, headersMs: 5_000, bodyMs: 5_000 } })
      .request({ method: 'GET', path: '/s', signal: AbortSignal.timeout(100) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).phase).toBe('deadline');
  });

  it('refuses an answer larger than the cap, as an answer that reached the server', async () => {
    script = [answer(200, 'x'.repeat(4_096))];
    const error = await transport({ maxResponseBytes: 1_024 })
      .request({ method: 'GET', path: '/big', idempotent: true })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResponseTooLargeError);
    expect(seen).toHaveLength(1); // an oversized answer is not read twice
  });

  it('knows a refused connection never reached the server', async () => {
    const port = await freePort();
    const error = await transport({ baseUrl: `http://127.0.0.1:${port}` })
      .request({ method: 'POST', path: '/submit' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect(error).toMatchObject({ code: 'ECONNREFUSED', mayHaveReachedServer: false });
  });

  it('states the bound of a call and of a read with its retries', () => {
    const t = transport({ retry: { budgetMs: 5_000 } });
    expect(t.maxCallMs).toBe(1_100);
    expect(t.maxIdempotentMs).toBe(5_000);
  });
});

describe('the auth hook', () => {
  it('adds the headers it computes for each request, over the method, URL and body it is shown', async () => {
    const shown: string[] = [];
    const auth: AuthHook = {
      authorize: async (request) => {
        shown.push(`${request.method} ${request.url.pathname}${request.url.search} ${request.body ?? ''}`);
        return { authorization: `sig ${shown.length}` };
      },
    };
    await transport({ auth }).request({ method: 'POST', path: '/jobs?x=1', body: '{"a":1}' });
    expect(shown).toEqual(['POST /api/v1/jobs?x=1 {"a":1}']);
    expect(seen[0]!.headers.authorization).toBe('sig 1');
  });

  it('replays a call with side effects once when the auth layer turned it away before the service', async () => {
    script = [answer(401, '{"status":-1}'), answer(200, '{"status":0}')];
    let refreshed = 0;
    const auth: AuthHook = {
      authorize: async () => ({ cookie: `ticket=${refreshed}` }),
      rejectedBeforeService: async (response) => {
        refreshed++;
        return response.text.includes('"status":-1');
      },
    };
    const response = await transport({ auth }).request({ method: 'POST', path: '/submit', body: '{}' });
    expect(response.status).toBe(200);
    expect(seen.map((s) => s.headers.cookie)).toEqual(['ticket=0', 'ticket=1']);
  });

  it('does not replay a 401 the hook cannot prove came from the auth layer, and never replays twice', async () => {
    script = [answer(401, '{"error":"denied by the service"}')];
    let asked = 0;
    const auth: AuthHook = { authorize: async () => ({}), rejectedBeforeService: async (r) => (asked++, r.text.includes('auth layer')) };
    expect((await transport({ auth }).request({ method: 'POST', path: '/submit' })).status).toBe(401);
    expect(seen).toHaveLength(1);

    script = [answer(401, 'auth layer')];
    seen.length = 0;
    expect((await transport({ auth }).request({ method: 'POST', path: '/submit' })).status).toBe(401);
    expect(seen).toHaveLength(2);
    expect(asked).toBe(2);
  });
});

describe('credentials', () => {
  it('are never shown in an error: secret-looking query values are masked', async () => {
    const port = await freePort();
    const error = await transport({ baseUrl: `http://127.0.0.1:${port}` })
      .request({ method: 'POST', path: '/user/login?userName=hadoop&password=s3cr3t-value&token=abc123' })
      .catch((e: unknown) => e);
    expect((error as Error).message).toContain('userName=hadoop');
    expect((error as Error).message).not.toContain('s3cr3t-value');
    expect((error as Error).message).not.toContain('abc123');
  });

  it('are refused in the base URL', () => {
    expect(() => new HttpTransport({ baseUrl: 'http://user:pw-x@host:1' })).toThrow(/must not carry credentials/);
  });
});

describe('an injected dispatcher', () => {
  it('carries the calls instead of the own pool (a MockAgent that refuses the network)', async () => {
    const agent = new MockAgent();
    agent.disableNetConnect();
    agent.get('http://backend.invalid').intercept({ path: '/api/v1/status', method: 'GET' }).reply(200, '{"mocked":true}');
    const t = new HttpTransport({ baseUrl: 'http://backend.invalid/api/v1', dispatcher: agent });
    expect((await t.request({ method: 'GET', path: '/status' })).text).toBe('{"mocked":true}');
    await agent.close();
  });
});

import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer, STATUS_CODES } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { isIP } from 'node:net';
import { seededRandom } from '../../lib/random.ts';
import { Delays } from '../sim-kit/delays.ts';
import { listen, readBody } from '../sim-kit/http.ts';
import { loadState, saveState } from '../sim-kit/saved-state.ts';
import type { AuthRequest, AuthSettings } from './auth.ts';
import { authenticate } from './auth.ts';
import type { Caller, EntranceInstance, EntrancesState } from './entrance.ts';
import { Entrances } from './entrance.ts';
import type { Answer, Envelope, ServiceIdentity } from './envelope.ts';
import { BASE_PATH, error, linkisExceptionText, reply, replyWith200, springGatewayError, springServletError } from './envelope.ts';
import { ENTRANCE_APP, parseServiceInstanceByExecID } from './exec-id.ts';
import type { FiringFault } from './faults.ts';
import { FaultRegistry } from './faults.ts';
import { JavaError } from './java.ts';
import type { JobHistoryContext } from './jobhistory.ts';
import { getTask, listTaskIds, listTasks } from './jobhistory.ts';
import { resolveOptions } from './options.ts';
import type { Route } from './routes.ts';
import { route } from './routes.ts';
import type { SessionState } from './sessions.ts';
import { parseCookies, SessionStore } from './sessions.ts';
import { parseSubmit } from './submit-parser.ts';
import type { KillAfterEnd, LinkisGateway, LinkisGatewayOptions, ReceivedRequest } from './types.ts';
import type { UserSettings } from './user-restful.ts';
import { handleUserRequest } from './user-restful.ts';

const TERMINAL = new Set<string>(['Succeed', 'Failed', 'Cancelled', 'Timeout']);
const SAVED_AS = 'linkis-gateway';
const SAVED_VERSION = 1;

interface SavedGateway {
  entrances: EntrancesState;
  sessions: SessionState;
}

export { defaultPlan } from './plan.ts';
export type {
  Clock,
  Endpoint,
  EntranceInstanceView,
  FaultKind,
  FaultRule,
  JobPlan,
  LinkisGateway,
  LinkisGatewayOptions,
  PlanContext,
  PlanFn,
  ReceivedRequest,
  TaskStatus,
  TaskView,
  TokenEntry,
  UserEntry,
} from './types.ts';
export { TASK_STATUSES } from './types.ts';

const JSON_TYPE = 'application/json;charset=UTF-8';
const GATEWAY_FRAMES = [
  'org.apache.linkis.gateway.springcloud.http.GatewayAuthorizationFilter.gatewayDeal(GatewayAuthorizationFilter.java:199)',
  'org.apache.linkis.gateway.springcloud.http.GatewayAuthorizationFilter.filter(GatewayAuthorizationFilter.java:285)',
];

/**
 * Starts a simulated Apache Linkis gateway (port 9001 in real life) with one or more entrance
 * instances and the jobhistory service behind it, on a real HTTP server. Job lifecycles, sessions and
 * eviction follow options.clock; faults are injected per endpoint; every request is recorded.
 */
export async function startLinkisGateway(options: LinkisGatewayOptions = {}): Promise<LinkisGateway> {
  const config = resolveOptions(options);
  const clock = config.clock;
  const entrances = new Entrances(config);
  const sessions = new SessionStore(clock, config.sessionTimeoutMs, config.sessionTouchFraction);
  const saved = loadState<SavedGateway>(config.stateFile, SAVED_AS, SAVED_VERSION);
  if (saved !== undefined) {
    entrances.restore(saved.entrances);
    // Sessions are kept too: the real gateway runs on while the local stack is stopped, so a client's
    // ticket stays good until it idles out (expireSessions still plays a gateway restart).
    sessions.restore(saved.sessions);
  }
  const faults = new FaultRegistry(config.seed);
  const delays = new Delays();
  const received: ReceivedRequest[] = [];
  const violations: KillAfterEnd[] = [];
  const sockets = new Set<Socket>();
  // A separate stream from the fault draws, so adding a fault does not change where submits land.
  let pickRandom = seededRandom(config.seed ^ 0x5bd1e995);
  let listenPort = 0;

  const gatewayWho = (): ServiceIdentity => ({ ip: config.hostName, port: listenPort, serviceKind: 'linkis-mg-gateway' });
  const publicWho = (): ServiceIdentity => {
    const colon = config.publicServiceInstance.lastIndexOf(':');
    return {
      ip: config.publicServiceInstance.slice(0, colon),
      port: Number(config.publicServiceInstance.slice(colon + 1)),
      serviceKind: 'linkis-ps-publicservice',
    };
  };
  const authSettings = (): AuthSettings => ({
    sessions,
    tokenAuth: config.tokenAuth,
    tokens: config.tokens,
    gateway: gatewayWho(),
    expiredSessionMessage: config.expiredSessionMessage,
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const target = req.url ?? '/';
    const url = new URL(target, 'http://simulator.invalid');
    const rawPath = url.pathname;
    const routed = route(method, rawPath);
    const record: ReceivedRequest = {
      endpoint: endpointOf(routed),
      method,
      path: target,
      pathname: safeDecode(rawPath),
      query: firstValues(url.searchParams),
      headers: { ...req.headers },
      rawBody: Buffer.alloc(0),
      at: clock.now(),
    };
    if ((routed.kind === 'entrance-id' || routed.kind === 'jobhistory') && routed.id !== undefined) record.id = routed.id;
    // Recorded before the body is read, so `received` keeps true arrival order.
    received.push(record);
    record.rawBody = await readBody(req);
    const parsedBody = parseJson(record.rawBody);
    if (parsedBody.ok) record.body = parsedBody.value;

    const fault = faults.pick(record);
    if (fault !== undefined && fault.phase === 'before') {
      if (fault.kind !== 'slow') return deliverFault(fault, req, res, undefined, rawPath);
      if (!(await delays.wait(fault.delayMs))) return abandon(req);
    }
    const answer = perform(routed, req, record, url.searchParams, rawPath, parsedBody);
    if (fault !== undefined && fault.phase === 'after') {
      if (fault.kind !== 'slow') return deliverFault(fault, req, res, answer, rawPath);
      if (!(await delays.wait(fault.delayMs))) return abandon(req);
    }
    send(res, answer);
  }

  function perform(
    routed: Route,
    req: IncomingMessage,
    record: ReceivedRequest,
    query: URLSearchParams,
    rawPath: string,
    body: { ok: true; value: unknown } | { ok: false },
  ): Answer {
    const now = clock.now();
    if (routed.kind === 'outside') return springGatewayError(404, rawPath, now);
    const authReq: AuthRequest = {
      headers: record.headers,
      cookies: parseCookies(req.headers.cookie),
      uri: rawPath,
      clientIp: clientIpOf(req),
    };
    if (routed.kind === 'user') {
      const settings: UserSettings = {
        ...authSettings(),
        users: config.users,
        adminUsers: config.adminUsers,
        prohibitSystemUserLogin: config.prohibitSystemUserLogin,
      };
      return handleUserRequest({ ...authReq, method: record.method, op: routed.op, query, rawBody: record.rawBody.toString('utf8') }, settings);
    }
    const auth = authenticate(authReq, authSettings());
    if (!auth.ok) return reply(auth.refusal);
    const caller: Caller = { user: auth.user, isAdmin: config.adminUsers.includes(auth.user) };

    switch (routed.kind) {
      case 'service':
        return replyWith200(
          gatewayException(
            linkisExceptionText(
              11010,
              `Cannot find a correct serviceId for parsedServiceId:${routed.service}, service list are:[${ENTRANCE_APP}, linkis-ps-publicservice, linkis-cg-linkismanager](无法为 parsedServiceId:${routed.service} 找到正确的 serviceId，服务列表为：[${ENTRANCE_APP}, linkis-ps-publicservice, linkis-cg-linkismanager])`,
              gatewayWho(),
            ),
            rawPath,
          ),
        );
      case 'entrance-any': {
        const instance = pickInstance();
        return instance === undefined ? noInstance(ENTRANCE_APP, rawPath) : springServletError(404, rawPath, now);
      }
      case 'submit': {
        const instance = pickInstance();
        if (instance === undefined) return noInstance(ENTRANCE_APP, rawPath);
        if (!routed.methodOk) return springServletError(405, rawPath, now);
        const refused = refuseBody(record, body, true, rawPath, now);
        if (refused !== undefined) return refused;
        const json = (body as { ok: true; value: Record<string, unknown> }).value;
        const parsed = parseSubmit(structuredClone(json), {
          endpoint: routed.endpoint,
          loginUser: auth.user,
          token: auth.via === 'token' ? auth.token : undefined,
          requestIP: clientIpOf(req),
          who: instance.who,
        });
        if (!parsed.ok) return reply(parsed.refusal);
        return entrances.submit(instance, parsed.value, structuredClone(json), routed.endpoint, now);
      }
      case 'entrance-id': {
        let target: { app: string; instance: string };
        try {
          target = parseServiceInstanceByExecID(routed.id);
        } catch (thrown) {
          if (thrown instanceof JavaError) return replyWith200(gatewayException(thrown, rawPath));
          throw thrown;
        }
        const instance = target.app === ENTRANCE_APP ? entrances.instances.get(target.instance) : undefined;
        if (instance === undefined || !instance.up) return noInstance(target.app, rawPath);
        if (routed.endpoint === undefined) return springServletError(404, rawPath, now);
        if (!routed.methodOk) return springServletError(405, rawPath, now);
        return entranceOp(routed.endpoint, instance, routed.id, query, record, body, caller, rawPath, now);
      }
      case 'jobhistory': {
        if (routed.endpoint === undefined) return springServletError(404, rawPath, now);
        if (!routed.methodOk) return springServletError(405, rawPath, now);
        const ctx: JobHistoryContext = {
          tasks: () => entrances.tasks.values(),
          task: (id) => entrances.tasks.get(id),
          now,
          user: caller.user,
          isAdmin: caller.isAdmin,
          who: publicWho(),
          path: rawPath,
        };
        if (routed.endpoint === 'jobhistory-get') return getTask(ctx, routed.id ?? '', query.get('brief'));
        if (routed.endpoint === 'jobhistory-list') return listTasks(ctx, query);
        return listTaskIds(ctx, query);
      }
    }
  }

  /**
   * A kill of a job whose history already says it ended is what a client must never send (§0.4: it can
   * turn a finished task's status into Cancelled): recorded, whatever the simulator then does with it.
   */
  function noteKillAfterEnd(record: ReceivedRequest, execIDs: string[], taskIDs: Array<string | null>, now: number): void {
    for (const task of entrances.tasks.values()) {
      const named = (task.execID !== null && execIDs.includes(task.execID)) || taskIDs.includes(String(task.taskID));
      if (!named) continue;
      const { status } = entrances.view(task, now);
      if (TERMINAL.has(status)) violations.push({ at: record.at, endpoint: record.endpoint, taskID: task.taskID, status });
    }
  }

  function entranceOp(
    endpoint: ReceivedRequest['endpoint'],
    instance: EntranceInstance,
    id: string,
    query: URLSearchParams,
    record: ReceivedRequest,
    body: { ok: true; value: unknown } | { ok: false },
    caller: Caller,
    rawPath: string,
    now: number,
  ): Answer {
    switch (endpoint) {
      case 'status':
        return entrances.status(instance, id, query.get('taskID'), now);
      case 'progress':
        return entrances.progress(instance, id, false, now);
      case 'progressWithResource':
        return entrances.progress(instance, id, true, now);
      case 'log':
        return entrances.log(instance, id, query, now);
      case 'kill':
        noteKillAfterEnd(record, [id], [query.get('taskID')], now);
        return entrances.kill(instance, id, query.get('taskID'), caller, now, rawPath);
      case 'killJobs': {
        const refused = refuseBody(record, body, false, rawPath, now);
        if (refused !== undefined) return refused;
        const batch = (body as { ok: true; value: { idList?: unknown; taskIDList?: unknown } }).value;
        noteKillAfterEnd(
          record,
          Array.isArray(batch?.idList) ? batch.idList.map(String) : [],
          Array.isArray(batch?.taskIDList) ? batch.taskIDList.map(String) : [],
          now,
        );
        return entrances.killJobs(instance, (body as { ok: true; value: unknown }).value, caller, now);
      }
      case 'pause':
        return entrances.pause(instance, id, now);
      default:
        return springServletError(404, rawPath, now);
    }
  }

  /** @RequestBody via Jackson: a JSON content type and a readable body, else Spring answers before the method. */
  function refuseBody(
    record: ReceivedRequest,
    body: { ok: true; value: unknown } | { ok: false },
    needsObject: boolean,
    rawPath: string,
    now: number,
  ): Answer | undefined {
    const contentType = String(record.headers['content-type'] ?? '')
      .split(';')[0]!
      .trim()
      .toLowerCase();
    const isJson = contentType === 'application/json' || (contentType.startsWith('application/') && contentType.endsWith('+json'));
    if (!isJson) return springServletError(415, rawPath, now);
    if (!body.ok) return springServletError(400, rawPath, now);
    const value = body.value;
    if (needsObject && (typeof value !== 'object' || value === null || Array.isArray(value))) return springServletError(400, rawPath, now);
    return undefined;
  }

  /** DefaultLabelGatewayRouter picks a random registered instance. */
  function pickInstance(): EntranceInstance | undefined {
    const live = entrances.liveInstances();
    if (live.length === 0) return undefined;
    return live[Math.floor(pickRandom() * live.length)];
  }

  function noInstance(serviceId: string, rawPath: string): Answer {
    return replyWith200(
      gatewayException(
        linkisExceptionText(11012, `Cannot find an instance in the routing chain of serviceId [${serviceId}], please retry`, gatewayWho()),
        rawPath,
      ),
    );
  }

  /** GatewayAuthorizationFilter's catch: Message.error(t) << requestURI, written with no status set. */
  function gatewayException(cause: JavaError | string, rawPath: string): Envelope {
    const thrown = typeof cause === 'string' ? new JavaError('org.apache.linkis.gateway.exception.GatewayErrorException', cause) : cause;
    return error(thrown.rootCause(), { stack: thrown.stackTrace(GATEWAY_FRAMES) }, rawPath);
  }

  function deliverFault(fault: FiringFault, req: IncomingMessage, res: ServerResponse, answer: Answer | undefined, rawPath: string): void {
    switch (fault.kind) {
      case 'status':
        sendText(res, fault.status, 'text/html; charset=utf-8', errorPage(fault.status));
        return;
      case 'malformed':
        sendText(res, 200, JSON_TYPE, truncatedJson(answer));
        return;
      case 'reset':
        // A real TCP RST, as a crashed gateway or a load balancer would cause.
        req.socket.resetAndDestroy();
        return;
      case 'routing':
        send(res, noInstance(ENTRANCE_APP, rawPath));
        return;
      case 'spring-500':
        send(res, springGatewayError(500, rawPath, clock.now()));
        return;
      case 'slow':
        throw new Error('slow faults are delays, not answers');
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((thrown: unknown) => {
      if (res.headersSent) return void req.socket.destroy();
      const message = thrown instanceof Error ? (thrown.stack ?? thrown.message) : String(thrown);
      sendText(res, 500, 'text/plain; charset=utf-8', `simulator error: ${message}`);
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await listen(server, config.port, config.host);
  listenPort = (server.address() as AddressInfo).port;

  let closing: Promise<void> | undefined;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${listenPort}`;
  return {
    url,
    baseUrl: `${url}${BASE_PATH}`,
    port: listenPort,
    received,
    killsAfterEnd: () => [...violations],
    submits: (predicate) => received.filter((r) => (r.endpoint === 'submit' || r.endpoint === 'execute') && (predicate?.(r) ?? true)),
    tasks: () => [...entrances.tasks.values()].map((t) => entrances.view(t, clock.now())),
    task: (taskID) => {
      const task = entrances.tasks.get(taskID);
      return task === undefined ? undefined : entrances.view(task, clock.now());
    },
    faults: { add: (rule) => faults.add(rule), clear: () => faults.clear() },
    instances: () => [...entrances.instances.values()].map((i) => ({ name: i.name, up: i.up })),
    instanceDown: (name) => entrances.down(name, clock.now()),
    instanceUp: (name) => entrances.up(name, clock.now()),
    evict: (taskID) => entrances.evict(taskID),
    forceStatus: (taskID, status) => entrances.force(taskID, status, clock.now()),
    expireSessions: () => sessions.clear(),
    reset: () => {
      entrances.clear();
      received.length = 0;
      violations.length = 0;
      faults.reset();
      sessions.clear();
      pickRandom = seededRandom(config.seed ^ 0x5bd1e995);
    },
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        delays.cancelAll();
        server.close(() => resolve());
        // Idle keep-alive sockets would otherwise hold close() open for keepAliveTimeout.
        server.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      }).then(() => {
        // Saved once the server is closed, so no request can change the state after it was written.
        saveState<SavedGateway>(config.stateFile, SAVED_AS, SAVED_VERSION, { entrances: entrances.snapshot(), sessions: sessions.snapshot() });
      });
      return closing;
    },
  };
}

function endpointOf(routed: Route): ReceivedRequest['endpoint'] {
  switch (routed.kind) {
    case 'user':
      return routed.endpoint;
    case 'submit':
      return routed.endpoint;
    case 'entrance-id':
    case 'jobhistory':
      return routed.endpoint ?? 'unknown';
    default:
      return 'unknown';
  }
}

/** JobHistoryHelper.getRequestIpAddr: the first valid forwarded address, else the peer. */
function clientIpOf(req: IncomingMessage): string {
  for (const name of ['x-forwarded-for', 'proxy-client-ip', 'wl-proxy-client-ip', 'http_client_ip', 'http_x_forwarded_for']) {
    const value = req.headers[name];
    const first = (Array.isArray(value) ? value[0] : value)?.split(',')[0]?.trim() ?? '';
    if (first !== '' && isIP(first) !== 0) return first;
  }
  const remote = req.socket.remoteAddress ?? '';
  return remote.startsWith('::ffff:') ? remote.slice(7) : remote;
}

function parseJson(raw: Buffer): { ok: true; value: unknown } | { ok: false } {
  if (raw.length === 0) return { ok: false };
  try {
    return { ok: true, value: JSON.parse(raw.toString('utf8')) as unknown };
  } catch {
    return { ok: false };
  }
}

function firstValues(params: URLSearchParams): Record<string, string> {
  const query: Record<string, string> = {};
  for (const [key, value] of params) {
    if (Object.hasOwn(query, key)) continue;
    Object.defineProperty(query, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return query;
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/** A strict prefix of a serialized object never parses: the closing brace is missing. */
function truncatedJson(answer: Answer | undefined): string {
  const json = JSON.stringify(answer?.body ?? { method: null, status: 0, message: 'OK', data: {} });
  return json.slice(0, Math.max(1, Math.floor(json.length / 2)));
}

function errorPage(status: number): string {
  const title = `${status} ${STATUS_CODES[status] ?? 'Error'}`;
  return `<html><head><title>${title}</title></head><body><center><h1>${title}</h1></center><hr><center>nginx</center></body></html>\n`;
}

function abandon(req: IncomingMessage): void {
  // The simulator is closing; the socket is (being) destroyed and nothing may be written.
  req.socket.destroy();
}

function send(res: ServerResponse, answer: Answer): void {
  if (res.destroyed) return;
  const body = JSON.stringify(answer.body);
  const headers: Record<string, string | string[] | number> = { 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(body) };
  for (const [name, value] of Object.entries(answer.headers ?? {})) headers[name] = value;
  res.writeHead(answer.httpStatus, headers);
  res.end(body);
}

function sendText(res: ServerResponse, status: number, contentType: string, body: string): void {
  if (res.destroyed) return;
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer, STATUS_CODES } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Delays } from '../sim-kit/delays.ts';
import { listen, readBody } from '../sim-kit/http.ts';
import { loadState, saveState } from '../sim-kit/saved-state.ts';
import type { FiringFault } from './faults.ts';
import { FaultRegistry } from './faults.ts';
import { resolveOptions } from './options.ts';
import type { Answer, ProcTableState } from './proc-table.ts';
import { ProcTable } from './proc-table.ts';
import { route } from './routes.ts';
import type { Endpoint, LindormMaster, LindormMasterOptions, ReceivedRequest } from './types.ts';
import { isFormContentType } from './validate-create.ts';

export type {
  Clock,
  Endpoint,
  FaultRule,
  LindormMaster,
  LindormMasterOptions,
  ProcView,
  ReceivedRequest,
  RunPlan,
  StageSpec,
} from './types.ts';

const JSON_TYPE = 'application/json;charset=UTF-8';
const SAVED_AS = 'lindorm-master';
const SAVED_VERSION = 1;

/**
 * Starts a simulated Lindorm bulk load master (LTS/BDS master, port 12311 in real life) on a
 * real HTTP server. Proc state is computed from options.clock, faults are injected per endpoint,
 * and every request is recorded byte for byte.
 */
export async function startLindormMaster(options: LindormMasterOptions = {}): Promise<LindormMaster> {
  const config = resolveOptions(options);
  const procs = new ProcTable(config);
  const saved = loadState<ProcTableState>(options.stateFile, SAVED_AS, SAVED_VERSION);
  if (saved !== undefined) procs.restore(saved);
  const faults = new FaultRegistry(config.seed);
  const delays = new Delays();
  const received: ReceivedRequest[] = [];
  const sockets = new Set<Socket>();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const target = req.url ?? '/';
    const routed = route(method, target);
    const record: ReceivedRequest = {
      endpoint: routed.kind === 'endpoint' ? routed.endpoint : 'unknown',
      method,
      path: target,
      headers: { ...req.headers },
      rawBody: Buffer.alloc(0),
      at: config.clock.now(),
    };
    if (routed.kind === 'endpoint' && routed.procId !== undefined) record.procId = routed.procId;
    // Recorded before the body is read, so `received` keeps true arrival order.
    received.push(record);
    record.rawBody = await readBody(req);

    if (routed.kind === 'not-found') {
      return sendJson(res, { status: 404, body: { success: 'false', message: `no such endpoint: ${method} ${target}` } });
    }
    if (routed.kind === 'wrong-method') {
      res.setHeader('allow', routed.allow);
      return sendJson(res, { status: 405, body: { success: 'false', message: `method not allowed: ${method}` } });
    }
    const contentType = req.headers['content-type'];
    if (routed.endpoint === 'create' && isFormContentType(contentType)) record.form = decodeForm(record.rawBody);

    const fault = faults.pick(record);
    if (routed.endpoint === 'info' && !(await delays.wait(config.infoLatencyMs))) return abandon(req);
    if (routed.endpoint === 'create' && !(await delays.wait(config.createLatencyMs))) return abandon(req);
    if (fault !== undefined && fault.phase === 'before') {
      if (fault.kind !== 'slow') return deliverFault(fault, req, res, undefined);
      if (!(await delays.wait(fault.delayMs))) return abandon(req);
    }
    const answer = perform(routed.endpoint, record, contentType);
    if (fault !== undefined && fault.phase === 'after') {
      if (fault.kind !== 'slow') return deliverFault(fault, req, res, answer);
      if (!(await delays.wait(fault.delayMs))) return abandon(req);
    }
    sendJson(res, answer);
  }

  function perform(endpoint: Endpoint, record: ReceivedRequest, contentType: string | undefined): Answer {
    const procId = record.procId ?? '';
    switch (endpoint) {
      case 'create':
        return procs.create(contentType, record.form);
      case 'info':
        return procs.info(procId);
      case 'abort':
        return procs.abort(procId);
      case 'retry':
        return procs.retry(procId);
      case 'delete':
        return procs.delete(procId);
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) return void req.socket.destroy();
      const message = error instanceof Error ? error.message : String(error);
      sendText(res, 500, 'text/plain; charset=utf-8', `simulator error: ${message}`);
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await listen(server, config.port, config.host);
  const port = (server.address() as AddressInfo).port;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`,
    port,
    received,
    creates: (predicate) => received.filter((r) => r.endpoint === 'create' && (predicate?.(r) ?? true)),
    procs: () => procs.views(),
    faults: { add: (rule) => faults.add(rule), clear: () => faults.clear() },
    reset: () => {
      procs.clear();
      received.length = 0;
      faults.reset();
    },
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        delays.cancelAll();
        saveState(options.stateFile, SAVED_AS, SAVED_VERSION, procs.snapshot());
        server.close(() => resolve());
        // Idle keep-alive sockets would otherwise hold close() open for keepAliveTimeout.
        server.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}

function deliverFault(fault: FiringFault, req: IncomingMessage, res: ServerResponse, answer: Answer | undefined): void {
  switch (fault.kind) {
    case 'status':
      sendText(res, fault.status, 'text/html; charset=utf-8', errorPage(fault.status));
      return;
    case 'malformed':
      sendText(res, 200, JSON_TYPE, truncatedJson(answer));
      return;
    case 'reset':
      // A real TCP RST, as a crashed or restarted master or a load balancer would cause.
      req.socket.resetAndDestroy();
      return;
    case 'slow':
      throw new Error('slow faults are delays, not answers');
  }
}

/** A strict prefix of a serialized object never parses: the closing brace is missing. */
function truncatedJson(answer: Answer | undefined): string {
  const json = JSON.stringify(answer?.body ?? { success: 'true', message: 'ok' });
  return json.slice(0, Math.max(1, Math.floor(json.length / 2)));
}

function errorPage(status: number): string {
  const title = `${status} ${STATUS_CODES[status] ?? 'Error'}`;
  return `<html><head><title>${title}</title></head><body><center><h1>${title}</h1></center><hr><center>simulated fault</center></body></html>\n`;
}

function abandon(req: IncomingMessage): void {
  // The master is closing; the socket is (being) destroyed and nothing may be written.
  req.socket.destroy();
}

function sendJson(res: ServerResponse, answer: Answer): void {
  sendText(res, answer.status, JSON_TYPE, JSON.stringify(answer.body));
}

function sendText(res: ServerResponse, status: number, contentType: string, body: string): void {
  if (res.destroyed) return;
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** UTF-8 form decoding via URLSearchParams; the first value of a repeated field wins. */
function decodeForm(rawBody: Buffer): Record<string, string> {
  const form: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(rawBody.toString('utf8'))) {
    if (Object.hasOwn(form, key)) continue;
    // defineProperty, not assignment: a field named __proto__ must stay an ordinary field.
    Object.defineProperty(form, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return form;
}

import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Delays } from '../sim-kit/delays.ts';
import { listen, readBody } from '../sim-kit/http.ts';
import type { FaultRegistry, FiringFault } from './faults.ts';
import type { IdSource } from './ids.ts';
import type { Clock, Endpoint, ReceivedRequest, RouteParams, Service } from './types.ts';

export const JSON_TYPE = 'application/json;charset=UTF-8';

/** An answer before it is put on the wire; no body = an empty one (201/204 answers have none). */
export interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface Routed {
  endpoint: Endpoint | 'unknown';
  params: RouteParams;
}

/** What makes one of the three servers itself; the plumbing around it is shared. */
export interface ServiceHandler {
  service: Service;
  route(method: string, pathname: string): Routed;
  /** Authenticates (CDM, DIS) and performs the request; unknown endpoints get the service's 404. */
  handle(record: ReceivedRequest): Answer;
  /** The answer a 'status' or 'error' fault gives instead. */
  faultAnswer(fault: FiringFault, record: ReceivedRequest): Answer;
}

export interface ServerContext {
  host: string;
  port: number;
  clock: Clock;
  faults: FaultRegistry;
  delays: Delays;
  received: ReceivedRequest[];
  requestIds: IdSource;
}

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves one service on a real HTTP server: records every request byte for byte, applies the fault
 * registry before or after processing, and closes promptly even with keep-alive sockets open.
 */
export async function startServer(handler: ServiceHandler, ctx: ServerContext): Promise<RunningServer> {
  const sockets = new Set<Socket>();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const target = req.url ?? '/';
    const { pathname, rawQuery } = splitTarget(target);
    const routed = handler.route(method, pathname);
    const record: ReceivedRequest = {
      service: handler.service,
      endpoint: routed.endpoint,
      method,
      path: target,
      query: decodeQuery(rawQuery),
      headers: { ...req.headers },
      rawBody: Buffer.alloc(0),
      at: ctx.clock.now(),
      requestId: ctx.requestIds.hex(32),
      params: routed.params,
    };
    // Recorded before the body is read, so `received` keeps true arrival order.
    ctx.received.push(record);
    record.rawBody = await readBody(req);

    const fault = routed.endpoint === 'unknown' ? undefined : ctx.faults.pick(record);
    if (fault !== undefined && fault.phase === 'before') {
      if (fault.kind !== 'slow') return deliverFault(fault, record, req, res, undefined);
      if (!(await ctx.delays.wait(fault.delayMs))) return abandon(req);
    }
    const answer = handler.handle(record);
    if (fault !== undefined && fault.phase === 'after') {
      if (fault.kind !== 'slow') return deliverFault(fault, record, req, res, answer);
      if (!(await ctx.delays.wait(fault.delayMs))) return abandon(req);
    }
    send(res, record, answer);
  }

  function deliverFault(fault: FiringFault, record: ReceivedRequest, req: IncomingMessage, res: ServerResponse, answer: Answer | undefined): void {
    switch (fault.kind) {
      case 'status':
      case 'error':
        send(res, record, handler.faultAnswer(fault, record));
        return;
      case 'malformed':
        sendText(res, record, 200, JSON_TYPE, truncatedJson(answer));
        return;
      case 'reset':
        // A real TCP RST, as a crashed backend or a load balancer would cause.
        req.socket.resetAndDestroy();
        return;
      case 'slow':
        throw new Error('slow faults are delays, not answers');
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) return void req.socket.destroy();
      const message = error instanceof Error ? error.message : String(error);
      res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`simulator error: ${message}`);
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await listen(server, ctx.port, ctx.host);
  const port = (server.address() as AddressInfo).port;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${ctx.host.includes(':') ? `[${ctx.host}]` : ctx.host}:${port}`,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Idle keep-alive sockets would otherwise hold close() open for keepAliveTimeout.
        server.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}

function send(res: ServerResponse, record: ReceivedRequest, answer: Answer): void {
  if (res.destroyed) return;
  const headers: Record<string, string | number> = { 'x-request-id': record.requestId, ...answer.headers };
  if (answer.body === undefined) {
    headers['content-length'] = 0;
    res.writeHead(answer.status, headers);
    res.end();
    return;
  }
  const text = JSON.stringify(answer.body);
  headers['content-type'] = JSON_TYPE;
  headers['content-length'] = Buffer.byteLength(text);
  res.writeHead(answer.status, headers);
  res.end(text);
}

function sendText(res: ServerResponse, record: ReceivedRequest, status: number, contentType: string, body: string): void {
  if (res.destroyed) return;
  res.writeHead(status, { 'x-request-id': record.requestId, 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** A strict prefix of a serialized object never parses: the closing brace is missing. */
function truncatedJson(answer: Answer | undefined): string {
  const json = JSON.stringify(answer?.body ?? { error_code: 'APIGW.0000', error_msg: 'simulated malformed answer' });
  return json.slice(0, Math.max(1, Math.floor(json.length / 2)));
}

function abandon(req: IncomingMessage): void {
  // The simulator is closing; the socket is (being) destroyed and nothing may be written.
  req.socket.destroy();
}

export function splitTarget(target: string): { pathname: string; rawQuery: string } {
  const noHash = target.split('#', 1)[0] ?? '';
  const q = noHash.indexOf('?');
  return q < 0 ? { pathname: noHash, rawQuery: '' } : { pathname: noHash.slice(0, q), rawQuery: noHash.slice(q + 1) };
}

function decodeQuery(rawQuery: string): Record<string, string> {
  const query: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(rawQuery)) {
    if (Object.hasOwn(query, key)) continue;
    // defineProperty, not assignment: a parameter named __proto__ must stay an ordinary field.
    Object.defineProperty(query, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return query;
}

export function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    // A malformed escape cannot name anything; keep it raw so the refusal shows what was sent.
    return segment;
  }
}

/** JSON body of a request: undefined when empty, 'invalid' when it does not parse. */
export function parseJsonBody(raw: Buffer): unknown {
  const text = raw.toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return INVALID_JSON;
  }
}

export const INVALID_JSON = Symbol('invalid JSON');

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';

/**
 * A small HTTP/1.1 transport on Node's own http module: keep-alive sockets (at most `connections`), and one
 * timeout per phase — connect, response headers, and body (idle time between chunks) — so no call can
 * outlive the Lambda that makes it. It replaces undici in the functions: undici weighed 714 KiB of every
 * bundle that reached a master, for nothing these few calls a minute need (node:http parses with the same
 * llhttp, natively).
 */
export interface PhaseTimeouts {
  connectMs: number;
  headersMs: number;
  bodyMs: number;
}

export interface TransportResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

export type TransportFailure = 'connect-timeout' | 'headers-timeout' | 'body-timeout' | 'aborted' | 'body-too-large';

/** A failure of the transport itself; `code` is a TransportFailure or the system's (ECONNRESET…). */
export class TransportError extends Error {
  readonly code: TransportFailure | string | undefined;
  /** The response status, when the failure came while reading an answer. */
  readonly status: number | undefined;

  constructor(code: TransportFailure | string | undefined, message: string, options: { cause?: unknown; status?: number } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TransportError';
    this.code = code;
    this.status = options.status;
  }
}

export interface KeepAliveTransportOptions {
  origin: string;
  connections: number;
  /** Idle keep-alive sockets are closed after this (keep it below the server's own idle timeout). */
  keepAliveTimeoutMs: number;
  timeouts: PhaseTimeouts;
  maxBodyBytes: number;
}

export class KeepAliveTransport {
  readonly #origin: URL;
  readonly #agent: HttpAgent;
  readonly #options: KeepAliveTransportOptions;

  constructor(options: KeepAliveTransportOptions) {
    this.#options = options;
    this.#origin = new URL(options.origin);
    const agentOptions = { keepAlive: true, maxSockets: options.connections, timeout: options.keepAliveTimeoutMs, scheduling: 'lifo' as const };
    this.#agent = this.#origin.protocol === 'https:' ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions);
  }

  request(call: { method: string; path: string; headers: Record<string, string>; body?: string; signal?: AbortSignal }): Promise<TransportResponse> {
    const { timeouts, maxBodyBytes } = this.#options;
    return new Promise<TransportResponse>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      let settled = false;
      let status: number | undefined;
      const arm = (ms: number, code: TransportFailure, what: string) => {
        clearTimeout(timer);
        timer = setTimeout(() => fail(new TransportError(code, `${what} timed out after ${ms} ms`, status === undefined ? {} : { status })), ms);
      };
      const fail = (error: TransportError) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        call.signal?.removeEventListener('abort', onAbort);
        request.destroy();
        reject(error);
      };
      const onAbort = () => fail(new TransportError('aborted', 'the call was aborted', { cause: call.signal?.reason }));
      if (call.signal?.aborted) return reject(new TransportError('aborted', 'the call was aborted', { cause: call.signal.reason }));

      const send = this.#origin.protocol === 'https:' ? httpsRequest : httpRequest;
      const body = call.body === undefined ? undefined : Buffer.from(call.body, 'utf8');
      const request: ClientRequest = send({
        protocol: this.#origin.protocol,
        // An IPv6 literal comes bracketed in a URL ([::1]); the socket wants it bare.
        hostname: this.#origin.hostname.replace(/^\[(.*)\]$/, '$1'),
        port: this.#origin.port,
        method: call.method,
        path: call.path,
        agent: this.#agent,
        headers: { ...call.headers, ...(body ? { 'content-length': String(body.length) } : {}) },
      });
      call.signal?.addEventListener('abort', onAbort, { once: true });
      // The connect wait starts when a socket is assigned, not while the call queues for one of the pool's.
      request.on('socket', (socket: Socket) => {
        if (settled) return;
        // A reused keep-alive socket is connected already: the headers wait starts at once.
        if (!socket.connecting) return arm(timeouts.headersMs, 'headers-timeout', 'response headers');
        arm(timeouts.connectMs, 'connect-timeout', 'connect');
        socket.once('connect', () => !settled && arm(timeouts.headersMs, 'headers-timeout', 'response headers'));
      });
      request.on('error', (error: NodeJS.ErrnoException) =>
        fail(new TransportError(error.code, error.message, { cause: error, ...(status === undefined ? {} : { status }) })),
      );
      request.on('response', (response) => {
        status = response.statusCode ?? 0;
        const chunks: Buffer[] = [];
        let size = 0;
        arm(timeouts.bodyMs, 'body-timeout', 'response body');
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBodyBytes) return fail(new TransportError('body-too-large', `body larger than ${maxBodyBytes} bytes`, { status: status! }));
          chunks.push(chunk);
          arm(timeouts.bodyMs, 'body-timeout', 'response body');
        });
        response.on('error', (error: NodeJS.ErrnoException) => fail(new TransportError(error.code, error.message, { cause: error, status: status! })));
        response.on('close', () => {
          if (!response.complete) fail(new TransportError('ECONNRESET', 'the connection closed before the answer was complete', { status: status! }));
        });
        response.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          call.signal?.removeEventListener('abort', onAbort);
          resolve({ status: status!, headers: response.headers, text: Buffer.concat(chunks).toString('utf8') });
        });
      });
      request.end(body);
    });
  }

  async close(): Promise<void> {
    this.#agent.destroy();
  }
}

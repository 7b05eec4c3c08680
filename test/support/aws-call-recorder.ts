// A pass-through HTTP proxy in front of an AWS emulator that records each API call (its X-Amz-Target) and
// the read capacity the answer reports: what a command really sent, counted on the wire.
import { createServer, request as httpRequest, type Server } from 'node:http';

export interface RecordedCall {
  operation: string;
  /** ConsumedCapacity.CapacityUnits of the answer (summed over tables), when it says. */
  capacityUnits: number;
}

export interface AwsCallRecorder {
  url: string;
  calls: RecordedCall[];
  /** Forget what was recorded so far. */
  reset(): void;
  operations(): string[];
  capacity(): number;
  close(): Promise<void>;
}

export async function startAwsCallRecorder(target: string): Promise<AwsCallRecorder> {
  const upstream = new URL(target);
  const calls: RecordedCall[] = [];
  const server: Server = createServer((req, res) => {
    const operation =
      String(req.headers['x-amz-target'] ?? req.headers['x-amz-json-1.0'] ?? '')
        .split('.')
        .pop() || `${req.method} ${req.url}`;
    const proxied = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (c: Buffer) => chunks.push(c));
        answer.on('end', () => {
          const body = Buffer.concat(chunks);
          calls.push({ operation, capacityUnits: capacityOf(body) });
          res.writeHead(answer.statusCode ?? 500, answer.headers);
          res.end(body);
        });
      },
    );
    proxied.on('error', (e) => {
      res.writeHead(502);
      res.end(String(e));
    });
    req.pipe(proxied);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    reset: () => {
      calls.length = 0;
    },
    operations: () => calls.map((c) => c.operation),
    capacity: () => calls.reduce((sum, c) => sum + c.capacityUnits, 0),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function capacityOf(body: Buffer): number {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { ConsumedCapacity?: { CapacityUnits?: number } | Array<{ CapacityUnits?: number }> };
    const c = parsed.ConsumedCapacity;
    if (Array.isArray(c)) return c.reduce((s, x) => s + (x.CapacityUnits ?? 0), 0);
    return c?.CapacityUnits ?? 0;
  } catch {
    return 0;
  }
}

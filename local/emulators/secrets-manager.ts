// A small AWS Secrets Manager for tests and the local stack: GetSecretValue over the service's own JSON
// protocol (what the SDK client and Powertools' provider speak), with every read counted. No emulator on
// this machine offers Secrets Manager; the SDK reaches this one through AWS_ENDPOINT_URL_SECRETS_MANAGER.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LocalSecretsManager {
  endpoint: string;
  /** Creates or replaces a secret (a new version). */
  put(name: string, value: string): void;
  /** GetSecretValue requests per secret name. */
  reads(name: string): number;
  stop(): Promise<void>;
}

export async function startSecretsManager(options: { port?: number; region?: string; account?: string } = {}): Promise<LocalSecretsManager> {
  const region = options.region ?? 'us-east-1';
  const account = options.account ?? '000000000000';
  const secrets = new Map<string, { arn: string; value: string; version: string; created: number }>();
  const reads = new Map<string, number>();
  const answer = (res: import('node:http').ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
    res.end(JSON.stringify(body));
  };
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      if (target !== 'secretsmanager.GetSecretValue') return answer(res, 400, { __type: 'UnknownOperationException', message: `${target} is not served here` });
      const { SecretId } = JSON.parse(raw || '{}') as { SecretId?: string };
      const entry = [...secrets.entries()].find(([name, s]) => name === SecretId || s.arn === SecretId);
      if (!entry) return answer(res, 400, { __type: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." });
      const [name, secret] = entry;
      reads.set(name, (reads.get(name) ?? 0) + 1);
      answer(res, 200, {
        ARN: secret.arn,
        Name: name,
        SecretString: secret.value,
        VersionId: secret.version,
        VersionStages: ['AWSCURRENT'],
        CreatedDate: secret.created / 1000,
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    put(name, value) {
      const suffix = randomUUID().replace(/-/g, '').slice(0, 6);
      secrets.set(name, {
        arn: secrets.get(name)?.arn ?? `arn:aws:secretsmanager:${region}:${account}:secret:${name}-${suffix}`,
        value,
        version: randomUUID(),
        created: Date.now(),
      });
    },
    reads: (name) => reads.get(name) ?? 0,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

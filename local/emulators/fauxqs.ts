// fauxqs (SQS, SNS, S3) in this process, on a free port.
import { mkdirSync } from 'node:fs';
import { startFauxqs } from 'fauxqs';

export interface RunningFauxqs {
  endpoint: string;
  stop(): Promise<void>;
}

/** dataDir: queues, messages, topics, buckets and objects kept there (SQLite) across restarts; without it, in memory. */
export async function startLocalFauxqs(options: { port?: number; dataDir?: string } = {}): Promise<RunningFauxqs> {
  if (options.dataDir !== undefined) mkdirSync(options.dataDir, { recursive: true });
  const server = await startFauxqs({ port: options.port ?? 0, logger: false, ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }) });
  return { endpoint: server.address, stop: () => server.stop() };
}

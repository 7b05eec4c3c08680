// fauxqs (SQS, SNS, S3) in this process, on a free port.
import { startFauxqs } from 'fauxqs';

export interface RunningFauxqs {
  endpoint: string;
  stop(): Promise<void>;
}

export async function startLocalFauxqs(options: { port?: number } = {}): Promise<RunningFauxqs> {
  const server = await startFauxqs({ port: options.port ?? 0, logger: false });
  return { endpoint: server.address, stop: () => server.stop() };
}

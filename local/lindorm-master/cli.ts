// Runs the simulated Lindorm bulk load master on its own:
//   node local/lindorm-master/cli.ts          (SIM_PORT default 12311, SIM_HOST default 127.0.0.1)
import { startLindormMaster } from './simulator.ts';

const port = Number(process.env['SIM_PORT'] ?? '12311');
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  console.error(`SIM_PORT must be a port number, got ${process.env['SIM_PORT']}`);
  process.exit(2);
}
const master = await startLindormMaster({ port, host: process.env['SIM_HOST'] ?? '127.0.0.1' });
console.log(`Lindorm bulk load master simulator listening on ${master.url}`);

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: stopping`);
  await master.close();
  process.exit(0);
}
process.once('SIGINT', () => void stop('SIGINT'));
process.once('SIGTERM', () => void stop('SIGTERM'));

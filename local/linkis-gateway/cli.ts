// Runs the simulated Linkis gateway on its own:
//   node local/linkis-gateway/cli.ts     (LINKIS_SIM_PORT default 9001, LINKIS_SIM_HOST default 127.0.0.1)
// Log in with hadoop/hadoop (POST /api/rest_j/v1/user/login) or send Token-Code: LINKIS-AUTH and any Token-User.
import { startLinkisGateway } from './simulator.ts';

const port = Number(process.env['LINKIS_SIM_PORT'] ?? '9001');
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  console.error(`LINKIS_SIM_PORT must be a port number, got ${process.env['LINKIS_SIM_PORT']}`);
  process.exit(2);
}
const gateway = await startLinkisGateway({ port, host: process.env['LINKIS_SIM_HOST'] ?? '127.0.0.1' });
console.log(`Linkis gateway simulator listening on ${gateway.baseUrl}`);

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: stopping`);
  await gateway.close();
  process.exit(0);
}
process.once('SIGINT', () => void stop('SIGINT'));
process.once('SIGTERM', () => void stop('SIGTERM'));

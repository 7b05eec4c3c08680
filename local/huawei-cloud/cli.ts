// Runs the simulated Huawei Cloud (IAM, CDM, DIS) on its own:
//   node local/huawei-cloud/cli.ts
// SIM_HOST (default 127.0.0.1), SIM_IAM_PORT (default 12340), SIM_CDM_PORT (12341), SIM_DIS_PORT (12342), SIM_SEED.
import { DEFAULT_ACCESS_KEY, DEFAULT_PROJECT, DEFAULT_STREAM, DEFAULT_USER, startHuaweiCloud } from './simulator.ts';

function port(name: string, fallback: number): number {
  const text = process.env[name] ?? String(fallback);
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value > 65_535) {
    console.error(`${name} must be a port number, got ${text}`);
    process.exit(2);
  }
  return value;
}

const seed = process.env['SIM_SEED'];
const cloud = await startHuaweiCloud({
  host: process.env['SIM_HOST'] ?? '127.0.0.1',
  ports: { iam: port('SIM_IAM_PORT', 12_340), cdm: port('SIM_CDM_PORT', 12_341), dis: port('SIM_DIS_PORT', 12_342) },
  ...(seed === undefined ? {} : { seed: Number(seed) }),
});
console.log(`Huawei Cloud simulator
  IAM ${cloud.iamUrl}   user ${DEFAULT_USER.name} / ${DEFAULT_USER.password}, account bulkpilot-sim, project ${DEFAULT_PROJECT.name}
  CDM ${cloud.cdmUrl}   clusters ${cloud.cdm
    .clusters()
    .map((c) => `${c.id} (${c.status})`)
    .join(', ')}
  DIS ${cloud.disUrl}   stream ${DEFAULT_STREAM}
  project id ${DEFAULT_PROJECT.id}, AK ${DEFAULT_ACCESS_KEY.ak}`);

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: stopping`);
  await cloud.close();
  process.exit(0);
}
process.once('SIGINT', () => void stop('SIGINT'));
process.once('SIGTERM', () => void stop('SIGTERM'));

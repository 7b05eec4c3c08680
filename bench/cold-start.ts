// Cold start: each function bundle's size and the time to import it in a fresh Node process, against a
// bundle that only creates the same AWS SDK clients (the floor any of these functions pays). Both leave the
// SDK clients to the runtime, as `npm run build` does (BUNDLE_AWS_SDK=1 bundles them in both). A function
// that calls backends loads their clients (chunks: the undici transport among them) when it first connects
// its targets: measured as "with chunks". The undici transport alone is measured against node:http.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { externalPackages } from '../scripts/runtime-provided.ts';

const root = new URL('..', import.meta.url).pathname;

export interface ColdStartRow {
  bundle: string;
  kib: number;
  importMs: number;
  ratio: number;
  /** Everything the function may load: its entry and its chunks (a backend's client is loaded at first connect). */
  withChunks?: { kib: number; importMs: number; ratio: number };
}

/** Bundles one entry source the way the functions are bundled (ESM, minified, the runtime's SDK clients left out). */
async function bundleSource(dir: string, name: string, source: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const entry = join(dir, `${name}.ts`);
  writeFileSync(entry, source);
  const outfile = join(dir, `${name}.mjs`);
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'node',
    target: 'node24',
    banner: { js: "import { createRequire as __r } from 'node:module'; const require = __r(import.meta.url);" },
    logLevel: 'warning',
    nodePaths: [join(root, 'node_modules')],
    external: externalPackages(process.env),
  });
  return outfile;
}

function baselineBundle(): Promise<string> {
  return bundleSource(
    join(root, 'dist', '.baseline'),
    'index',
    `import { DynamoDBClient } from '@aws-sdk/client-dynamodb';\nimport { SQSClient } from '@aws-sdk/client-sqs';\nimport { SNSClient } from '@aws-sdk/client-sns';\n` +
      `export const clients = [new DynamoDBClient({ region: 'eu-central-1' }), new SQSClient({ region: 'eu-central-1' }), new SNSClient({ region: 'eu-central-1' })];\n`,
  );
}

/** Median of `runs` fresh-process imports (ms) of the files, one after another. */
function importMs(file: string | string[], runs: number): number {
  const files = Array.isArray(file) ? file : [file];
  const imports = files.map((f) => `await import(${JSON.stringify(f)});`).join(' ');
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', `const t = performance.now(); ${imports} console.log(performance.now() - t);`], {
      env: { ...process.env, AWS_REGION: 'eu-central-1', TASKS_TABLE: 't', LOG_LEVEL: 'error' },
    });
    samples.push(Number(out.toString().trim()));
  }
  return samples.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
}

export async function coldStart(runs = 9): Promise<ColdStartRow[]> {
  execFileSync('npm', ['run', '-s', 'build'], { cwd: root, stdio: 'ignore' });
  const baseline = await baselineBundle();
  const rows: ColdStartRow[] = [];
  const baselineSamples: number[] = [];
  for (const name of readdirSync(join(root, 'dist')).filter((d) => !d.startsWith('.'))) {
    const file = join(root, 'dist', name, 'index.mjs');
    const chunkDir = join(root, 'dist', name, 'chunks');
    const chunks = existsSync(chunkDir)
      ? readdirSync(chunkDir)
          .filter((f) => f.endsWith('.mjs'))
          .map((f) => join(chunkDir, f))
      : [];
    // Baseline and bundle alternate, so a busy moment of the machine weighs on both sides of the ratio.
    const base: number[] = [];
    const own: number[] = [];
    const all: number[] = [];
    for (let i = 0; i < runs; i++) {
      base.push(importMs(baseline, 1));
      own.push(importMs(file, 1));
      if (chunks.length) all.push(importMs([file, ...chunks], 1));
    }
    baselineSamples.push(...base);
    const ms = median(own);
    const row: ColdStartRow = { bundle: name, kib: Math.round(statSync(file).size / 1024), importMs: ms, ratio: ms / median(base) };
    if (chunks.length) {
      const kib = Math.round((statSync(file).size + chunks.reduce((sum, c) => sum + statSync(c).size, 0)) / 1024);
      row.withChunks = { kib, importMs: median(all), ratio: median(all) / median(base) };
    }
    rows.push(row);
  }
  return [{ bundle: 'baseline (SDK clients only)', kib: Math.round(statSync(baseline).size / 1024), importMs: median(baselineSamples), ratio: 1 }, ...rows];
}

/**
 * What the design's undici transport costs on its own: its bundle (lib/http/transport.ts) against a module
 * that makes the same kind of call on node:http, which weighs nothing (Node ships it).
 */
export async function transportCost(
  runs = 9,
): Promise<{ undici: { kib: number; importMs: number }; nodeHttp: { kib: number; importMs: number }; ratio: number }> {
  const dir = join(root, 'dist', '.transport');
  const bundle = (name: string, source: string) => bundleSource(dir, name, source);
  const undiciFile = await bundle(
    'undici',
    `import { HttpTransport } from ${JSON.stringify(join(root, 'lib/http/transport.ts'))};\nexport const t = new HttpTransport({ baseUrl: 'http://127.0.0.1:1' });\n`,
  );
  const nodeFile = await bundle('node-http', `import { Agent, request } from 'node:http';\nexport const t = [new Agent({ keepAlive: true }), request];\n`);
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < runs; i++) {
    b.push(importMs(nodeFile, 1));
    a.push(importMs(undiciFile, 1));
  }
  return {
    undici: { kib: Math.round(statSync(undiciFile).size / 1024), importMs: median(a) },
    nodeHttp: { kib: Math.round(statSync(nodeFile).size / 1024), importMs: median(b) },
    ratio: median(a) / median(b),
  };
}

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
}

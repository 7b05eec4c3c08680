// Cold start: each function bundle's size and the time to import it in a fresh Node process, against a
// bundle that only creates the same AWS SDK clients (the floor any of these functions pays). Both leave the
// SDK clients to the runtime, as `npm run build` does (BUNDLE_AWS_SDK=1 bundles them in both).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { externalPackages } from '../scripts/runtime-provided.ts';

const root = new URL('..', import.meta.url).pathname;

export interface ColdStartRow {
  bundle: string;
  kib: number;
  importMs: number;
  ratio: number;
}

async function baselineBundle(): Promise<string> {
  const dir = join(root, 'dist', '.baseline');
  mkdirSync(dir, { recursive: true });
  const entry = join(dir, 'entry.ts');
  writeFileSync(
    entry,
    `import { DynamoDBClient } from '@aws-sdk/client-dynamodb';\nimport { SQSClient } from '@aws-sdk/client-sqs';\nimport { SNSClient } from '@aws-sdk/client-sns';\n` +
      `export const clients = [new DynamoDBClient({ region: 'eu-central-1' }), new SQSClient({ region: 'eu-central-1' }), new SNSClient({ region: 'eu-central-1' })];\n`,
  );
  const outfile = join(dir, 'index.mjs');
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

/** Median of `runs` fresh-process imports (ms). */
function importMs(file: string, runs: number): number {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const out = execFileSync(
      process.execPath,
      ['--input-type=module', '-e', `const t = performance.now(); await import(${JSON.stringify(file)}); console.log(performance.now() - t);`],
      {
        env: { ...process.env, AWS_REGION: 'eu-central-1', TASKS_TABLE: 't', LOG_LEVEL: 'error' },
      },
    );
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
    // Baseline and bundle alternate, so a busy moment of the machine weighs on both sides of the ratio.
    const base: number[] = [];
    const own: number[] = [];
    for (let i = 0; i < runs; i++) {
      base.push(importMs(baseline, 1));
      own.push(importMs(file, 1));
    }
    baselineSamples.push(...base);
    const ms = median(own);
    rows.push({ bundle: name, kib: Math.round(statSync(file).size / 1024), importMs: ms, ratio: ms / median(base) });
  }
  return [{ bundle: 'baseline (SDK clients only)', kib: Math.round(statSync(baseline).size / 1024), importMs: median(baselineSamples), ratio: 1 }, ...rows];
}

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
}

// Bundles each Lambda handler in functions/ with esbuild (ESM, minified) into dist/<name>/index.mjs,
// which serverless.yml packages. osls has no bundler of its own.

import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { build } from 'esbuild';
import { externalPackages } from './runtime-provided.ts';

const root = new URL('..', import.meta.url).pathname;
const external = externalPackages(process.env);
const functions = readdirSync(join(root, 'functions')).filter((f) => f.endsWith('.ts'));
rmSync(join(root, 'dist'), { recursive: true, force: true });

for (const file of functions) {
  const name = basename(file, '.ts');
  const outdir = join(root, 'dist', name);
  const outfile = join(outdir, 'index.mjs');
  await build({
    // Split: a backend's client (loaded by `import()` when a target is connected) and the Secrets Manager
    // provider are chunks of their own, so a function that never connects never loads them.
    entryPoints: { index: join(root, 'functions', file) },
    outdir,
    splitting: true,
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    minify: true,
    sourcemap: 'linked',
    format: 'esm',
    platform: 'node',
    target: 'node24',
    // Some dependencies are CommonJS and call require() for Node built-ins; give the ESM bundle one.
    banner: { js: "import { createRequire as __bulkpilotRequire } from 'node:module'; const require = __bulkpilotRequire(import.meta.url);" },
    legalComments: 'none',
    external,
    logLevel: 'warning',
  });
  const chunks = existsSync(join(outdir, 'chunks')) ? readdirSync(join(outdir, 'chunks')).filter((f) => f.endsWith('.mjs')) : [];
  const chunkKiB = chunks.reduce((sum, f) => sum + statSync(join(outdir, 'chunks', f)).size, 0) / 1024;
  console.log(
    `built ${name}: ${(statSync(outfile).size / 1024).toFixed(0)} KiB${chunks.length ? ` + ${chunks.length} chunks, ${chunkKiB.toFixed(0)} KiB` : ''}`,
  );
}

// Bundles each Lambda handler in functions/ with esbuild (ESM, minified) into dist/<name>/index.mjs,
// which serverless.yml packages. osls has no bundler of its own.
import { build } from 'esbuild';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { externalPackages } from './runtime-provided.ts';

const root = new URL('..', import.meta.url).pathname;
const external = externalPackages(process.env);
const functions = readdirSync(join(root, 'functions')).filter((f) => f.endsWith('.ts'));
rmSync(join(root, 'dist'), { recursive: true, force: true });

for (const file of functions) {
  const name = basename(file, '.ts');
  const outfile = join(root, 'dist', name, 'index.mjs');
  await build({
    entryPoints: [join(root, 'functions', file)],
    outfile,
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
  console.log(`built ${name}: ${(statSync(outfile).size / 1024).toFixed(0)} KiB`);
}

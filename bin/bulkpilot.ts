#!/usr/bin/env node
// The operator CLI. Runs on Node 24 (type stripping): `npx bulkpilot …` inside this project.
import { readFileSync } from 'node:fs';
import { runCli } from '../lib/cli/main.ts';

const code = await runCli(process.argv.slice(2), {
  env: process.env,
  out: (text) => process.stdout.write(text + '\n'),
  err: (text) => process.stderr.write(text + '\n'),
  readStdin: () => readFileSync(0, 'utf8'),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  now: () => Date.now(),
  isTty: process.stdout.isTTY === true,
});
process.exitCode = code;

// The architecture is a lint check, not a hope: `npm run lint` (biome.json's boundary rules) fails on a
// domain file that imports the AWS SDK or a backend, a handler that reaches past its wiring, a backend that
// imports another, or generic code that names a backend module. Probes are linted in a copy of the layout.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = new URL('../../../', import.meta.url).pathname;
const biome = join(root, 'node_modules', '.bin', 'biome');

async function lint(files: Record<string, string>): Promise<{ failed: boolean; output: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'boundaries-'));
  const config = JSON.parse(readFileSync(join(root, 'biome.json'), 'utf8')) as Record<string, unknown>;
  delete config.$schema;
  delete config.vcs;
  writeFileSync(join(dir, 'biome.json'), JSON.stringify(config));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  try {
    const { stdout, stderr } = await promisify(execFile)(biome, ['lint', '--max-diagnostics=50', '.'], { cwd: dir });
    return { failed: false, output: stdout + stderr };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    return { failed: true, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

const violation = (output: string, file: string) => new RegExp(`${file.replace(/[.]/g, '\\.')}:\\d+:\\d+ lint/style/noRestrictedImports`).test(output);

describe('the boundary rules', () => {
  it('pass the layout as it should be', async () => {
    const result = await lint({
      'lib/task/ok.ts': "import type { RemoteRef } from '../backends/backend.ts';\nexport type X = RemoteRef;\n",
      'lib/backends/lindorm/ok.ts':
        "import type { Backend } from '../backend.ts';\nimport { HttpTransport } from '../../http/transport.ts';\nexport const x: [Backend?, unknown?] = [undefined, HttpTransport];\n",
      'functions/ok.ts':
        "import type { Context } from 'aws-lambda';\nimport { createPollRuntime } from '../lib/runtime/poll-runtime.ts';\nimport { pollTick } from '../lib/tracking/poll-tick.ts';\nexport const x: [Context?, unknown?, unknown?] = [undefined, createPollRuntime, pollTick];\n",
      'lib/cli/ok.ts': "import { backendCatalog } from '../backends/catalog.ts';\nexport const x = backendCatalog;\n",
    });
    expect(result.output).not.toMatch(/noRestrictedImports/);
    expect(result.failed).toBe(false);
  });

  it('fail domain code that imports the AWS SDK, a Lambda type or a backend', async () => {
    const result = await lint({
      'lib/tracking/sdk.ts': "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';\nexport const x = DynamoDBClient;\n",
      'lib/submit/lambda.ts': "import type { Context } from 'aws-lambda';\nexport type X = Context;\n",
      'lib/task/backend.ts': "import { lindormModule } from '../backends/lindorm/module.ts';\nexport const x = lindormModule;\n",
      'lib/operations/catalogue.ts': "import { backendCatalog } from '../backends/catalog.ts';\nexport const x = backendCatalog;\n",
    });
    expect(result.failed).toBe(true);
    for (const file of ['lib/tracking/sdk.ts', 'lib/submit/lambda.ts', 'lib/task/backend.ts', 'lib/operations/catalogue.ts'])
      expect(violation(result.output, file), file).toBe(true);
  });

  it('fail a handler that imports more than its wiring and its entry point', async () => {
    const result = await lint({
      'functions/fat.ts': "import { DynamoDbTaskStore } from '../lib/store/dynamodb-task-store.ts';\nexport const x = DynamoDbTaskStore;\n",
    });
    expect(result.failed).toBe(true);
    expect(violation(result.output, 'functions/fat.ts')).toBe(true);
  });

  it('fail a backend that imports another backend, or the domain', async () => {
    const result = await lint({
      'lib/backends/lindorm/other.ts': "import { x } from '../linkis/client.ts';\nexport const y = x;\n",
      'lib/backends/linkis/domain.ts': "import { pollTask } from '../../tracking/poll-task.ts';\nexport const y = pollTask;\n",
    });
    expect(result.failed).toBe(true);
    expect(violation(result.output, 'lib/backends/lindorm/other.ts')).toBe(true);
    expect(violation(result.output, 'lib/backends/linkis/domain.ts')).toBe(true);
  });

  it('fail generic code that names a backend module instead of going through the catalogue', async () => {
    const result = await lint({
      'lib/cli/named.ts': "import { LindormError } from '../backends/lindorm/errors.ts';\nexport const x = LindormError;\n",
      'lib/backends/registry2.ts': "import { x } from './lindorm/client.ts';\nexport const y = x;\n",
    });
    expect(result.failed).toBe(true);
    expect(violation(result.output, 'lib/cli/named.ts')).toBe(true);
    expect(violation(result.output, 'lib/backends/registry2.ts')).toBe(true);
  });
});

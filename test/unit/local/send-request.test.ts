// `npm run local:send` with bad files: each is reported with all its errors, and none is sent (no queue is
// reached: the queue URL points nowhere, and nothing would be sent to it).
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const script = new URL('../../../local/stack/send-request.ts', import.meta.url).pathname;
const seed = new URL('../../../events/requests/seed-example.json', import.meta.url).pathname;

async function send(...files: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { PATH: process.env.PATH ?? '', BDS_MASTER_URL: 'http://master.invalid:12311', IMPORT_QUEUE_URL: 'http://127.0.0.1:9/000000000000/imports' };
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [script, ...files], { env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('npm run local:send', () => {
  it('reports every bad file with each of its errors, and sends none of them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'send-request-'));
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{\n  "src": "hdfs",\n  oops\n}\n');
    const wrong = join(dir, 'wrong.json');
    writeFileSync(wrong, JSON.stringify({ src: 'hdfs', dst: 'ld', readerConfig: {}, writerConfig: {}, driverSpec: 'huge', instances: 0 }));
    const missing = join(dir, 'missing.json');

    const result = await send(seed, broken, wrong, missing);

    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.split('\n')).toEqual([
      `${broken}: invalid request:`,
      '  not valid JSON at line 3, column 3',
      `${wrong}: invalid request:`,
      '  driverSpec: must be one of small, medium, large, xlarge, got string "huge"',
      '  instances: must be between 1 and 1000, got 0',
      `cannot read request file ${missing}: no such file`,
      'nothing sent: 3 of 4 files are invalid',
      '',
    ]);
  });
});

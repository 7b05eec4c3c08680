// A new user's path, end to end: `npm start`, then `npm run demo` in another terminal, then Ctrl-C.
// Schedules run every 3 s here (LOCAL_SCHEDULE_SECONDS) so the run takes well under a minute.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../local/emulators/free-port.ts';

const root = new URL('../../', import.meta.url).pathname;

describe('npm start + npm run demo', () => {
  it('runs every demo task to its expected end, and stops without leaving a process behind', async () => {
    // Prepare
    const [dynamodbPort, fauxqsPort, simPort, linkisPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const [iamPort, cdmPort, disPort] = [await freePort(), await freePort(), await freePort()];
    const env = {
      ...process.env,
      DYNAMODB_LOCAL_PORT: String(dynamodbPort),
      FAUXQS_PORT: String(fauxqsPort),
      SIM_PORT: String(simPort),
      LINKIS_SIM_PORT: String(linkisPort),
      LINKIS_SIM_RUN_MS: '5000',
      HUAWEI_IAM_SIM_PORT: String(iamPort),
      HUAWEI_CDM_SIM_PORT: String(cdmPort),
      HUAWEI_DIS_SIM_PORT: String(disPort),
      LOCAL_SCHEDULE_SECONDS: '3',
      FIRST_CHECK_DELAY_MS: '3000',
      BULKPILOT_LOCAL_STATE: join(mkdtempSync(join(tmpdir(), 'bulkpilot-')), 'stack.json'),
    };
    const stack = spawn(process.execPath, ['local/stack/start.ts'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    stack.stdout.on('data', (c: Buffer) => (output += c.toString()));
    stack.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((resolve) => stack.once('exit', (code) => resolve(code)));
    try {
      for (let i = 0; i < 120 && !output.includes('local stack is up'); i++) await new Promise((r) => setTimeout(r, 500));
      expect(output).toContain('local stack is up');

      // Act
      const demo = await promisify(execFile)(process.execPath, ['local/demo/demo.ts'], { cwd: root, env, timeout: 240_000 }).catch(
        (e: { stdout: string; code: number }) => e,
      );

      // Assess
      expect(demo.stdout).toContain('every demo task ended as expected');
      expect(demo.stdout).toMatch(/ok\s+fails once, then retried\s+SUCCEEDED — retried once/);
      expect(demo.stdout).toMatch(/ok\s+invalid \(no dst\)\s+REJECTED — dst: is required/);
      expect(demo.stdout).toMatch(/ok\s+Linkis: the seed example\s+SUCCEEDED/);
      expect(demo.stdout).toMatch(/ok\s+CDM: the seed job, in a random cluster\s+SUCCEEDED — ran on cluster [0-9a-f-]+, \d+ rows written/);
      expect(demo.stdout).toMatch(
        /ok\s+DIS: the seed dump task, stopped by the demo\s+ABORTED — ran \(\d+ records transferred\), then stopped with bulkpilot abort/,
      );
      expect(demo.stdout).toMatch(/ok\s+Linkis: fails once, then resubmitted\s+SUCCEEDED — resubmitted: as \d+ \(a new job; \d+ is kept as it ended\)/);
      expect(output).toMatch(/notification: SUCCEEDED task t-/);
    } finally {
      stack.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    const java = await promisify(execFile)('pgrep', ['-f', `DynamoDBLocal.jar.*-port ${dynamodbPort}`]).catch(() => ({ stdout: '' }));
    expect(java.stdout.trim()).toBe('');
  }, 300_000);
});

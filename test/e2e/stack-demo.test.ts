// A new user's path, end to end: `npm start`, then `npm run demo` in another terminal, then Ctrl-C.
// Schedules run every 3 s here (LOCAL_SCHEDULE_SECONDS) so the run takes well under a minute.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { stackEnvironment, startStack } from '../support/local-stack-process.ts';

const root = new URL('../../', import.meta.url).pathname;

describe('npm start + npm run demo', () => {
  it('runs every demo task to its expected end, and stops without leaving a process behind', async () => {
    // Prepare
    const env = await stackEnvironment({ LINKIS_SIM_RUN_MS: '5000' });
    const dynamodbPort = env.DYNAMODB_LOCAL_PORT!;
    const stack = await startStack(env);
    let exitCode: number | null | undefined;
    try {
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
      expect(stack.output()).toMatch(/notification: SUCCEEDED task t-/);
    } finally {
      exitCode = await stack.stop();
    }
    expect(exitCode).toBe(0);
    const java = await promisify(execFile)('pgrep', ['-f', `DynamoDBLocal.jar.*-port ${dynamodbPort}`]).catch(() => ({ stdout: '' }));
    expect(java.stdout.trim()).toBe('');
  }, 300_000);
});

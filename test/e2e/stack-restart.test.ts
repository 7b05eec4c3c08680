// The persistent local stack (BULKPILOT_LOCAL_DATA): a load waiting for its slot, the load holding that
// slot, the slots and the simulated master's job all outlive a stop and a start of the whole stack, and the
// waiting load starts once the other ends — after the restart, without being sent again.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { type StackProcess, stackEnvironment, startStack } from '../support/local-stack-process.ts';

const root = new URL('../../', import.meta.url).pathname;
const seed = JSON.parse(readFileSync(new URL('../../events/requests/seed-example.json', import.meta.url), 'utf8')) as Record<string, unknown>;

interface TaskView {
  taskId: string;
  requestId: string;
  state: string;
  remoteId?: string;
  attempt?: number;
}

describe('npm start with BULKPILOT_LOCAL_DATA', () => {
  it('keeps a waiting task, the running one and its slot across a restart of the whole stack, and starts the waiting one when the slot frees', async () => {
    // Prepare: one Lindorm job at a time, so the second load waits for the first.
    const work = mkdtempSync(join(tmpdir(), 'bulkpilot-restart-'));
    const env = await stackEnvironment({ BULKPILOT_LOCAL_DATA: join(work, 'data'), LOCAL_LIMITS: '{"lindorm":{"maxConcurrent":1}}' });
    const cli = async (...args: string[]) => {
      const exports = (JSON.parse(readFileSync(env.BULKPILOT_LOCAL_STATE!, 'utf8')) as { env: Record<string, string> }).env;
      const { stdout } = await promisify(execFile)(process.execPath, ['bin/bulkpilot.ts', ...args], {
        cwd: root,
        env: { ...env, ...exports },
        timeout: 60_000,
      });
      return stdout;
    };
    const statusOf = async (requestId: string) => JSON.parse(await cli('status', requestId, '--json')) as TaskView;
    const until = async <T>(what: string, probe: () => Promise<T | undefined>, seconds = 90): Promise<T> => {
      for (let i = 0; i < seconds * 2; i++) {
        const value = await probe().catch(() => undefined);
        if (value !== undefined) return value;
        await new Promise((r) => setTimeout(r, 500));
      }
      throw new Error(`timed out waiting for ${what}`);
    };
    const files = ['first', 'second'].map((name) => {
      const file = join(work, `${name}.json`);
      writeFileSync(file, JSON.stringify({ ...seed, requestId: `restart-${name}` }));
      return file;
    });

    let stack: StackProcess | undefined = await startStack(env);
    let firstBefore: TaskView;
    let lineBefore: { waiting: Array<{ place: number; taskId: string }> };
    let secondBefore: TaskView;
    try {
      await cli('submit', files[0]!);
      firstBefore = await until('the first load to be created', async () => {
        const t = await statusOf('restart-first');
        return t.remoteId ? t : undefined;
      });
      await cli('submit', files[1]!);
      secondBefore = await until('the second load to wait', async () => {
        const t = await statusOf('restart-second');
        return t.state === 'WAITING' ? t : undefined;
      });
      lineBefore = JSON.parse(await cli('queue', '--json'));

      // Act: the whole stack stops (DynamoDB Local, fauxqs, the simulators, every function) and starts again.
      expect(await stack.stop()).toBe(0);
      stack = undefined;
      stack = await startStack(env);
      const lineAfterRestart = JSON.parse(await cli('queue', '--json')) as typeof lineBefore;
      const limitsAfterRestart = JSON.parse(await cli('limits', '--json')) as { limits: Array<{ scope: string; used: number; max: number }> };
      const [first, second] = await until(
        'both loads to succeed',
        async () => {
          const both = [await statusOf('restart-first'), await statusOf('restart-second')];
          return both.every((t) => t.state === 'SUCCEEDED') ? both : undefined;
        },
        150,
      );
      const history = JSON.parse(await cli('history', second!.taskId, '--json')) as { entries: Array<{ from?: string; to: string }> };
      const limitsAtEnd = JSON.parse(await cli('limits', '--json')) as typeof limitsAfterRestart;

      // Assess
      expect(lineBefore.waiting).toEqual([expect.objectContaining({ place: 1, taskId: secondBefore.taskId })]);
      // Still waiting, or just started (a poll may run before the CLI reads): never lost.
      expect(lineAfterRestart.waiting.length === 0 || lineAfterRestart.waiting[0]!.taskId === secondBefore.taskId).toBe(true);
      expect(limitsAfterRestart.limits[0]).toEqual({ scope: 'target lindorm', used: 1, max: 1 });
      // The first load's job carried on at the master that kept it: the same job, no second attempt.
      expect(first).toMatchObject({ taskId: firstBefore.taskId, remoteId: firstBefore.remoteId });
      expect(first!.attempt ?? 1).toBe(1);
      expect(second).toMatchObject({ taskId: secondBefore.taskId });
      expect(second!.remoteId).toBeDefined();
      expect(second!.remoteId).not.toBe(first!.remoteId);
      expect(history.entries.map((e) => e.to)).toEqual(expect.arrayContaining(['WAITING', 'ACCEPTED', 'SUBMITTED', 'SUCCEEDED']));
      expect(history.entries.findIndex((e) => e.to === 'WAITING')).toBeLessThan(history.entries.findIndex((e) => e.to === 'SUBMITTED'));
      expect(limitsAtEnd.limits[0]).toEqual({ scope: 'target lindorm', used: 0, max: 1 });
      expect(stack.output()).toContain(`Everything is kept in ${join(work, 'data')}`);
    } finally {
      if (stack) expect(await stack.stop()).toBe(0);
    }
  }, 400_000);
});

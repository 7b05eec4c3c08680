import { describe, expect, it } from 'vitest';
import { parseRate, ScheduleSource } from '../../../local/stack/schedule-source.ts';

describe('the local stack schedule', () => {
  it('reads rate(N unit) and refuses what it cannot run', () => {
    expect(parseRate('rate(10 seconds)')).toBe(10_000);
    expect(parseRate('rate(1 minute)')).toBe(60_000);
    expect(() => parseRate('cron(0 2 * * ? *)')).toThrow(/rate\(N unit\) expressions only/);
  });

  it('on stop, the running invocation sees its time as up, and stop waits for it to finish', async () => {
    const seen: number[] = [];
    let finished = false;
    let release: () => void = () => {};
    let entered: () => void = () => {};
    const inside = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const source = new ScheduleSource({
      rate: 'rate(1 hour)',
      functionName: 'poll',
      timeoutSeconds: 60,
      handler: async (_event, context) => {
        seen.push(context.getRemainingTimeInMillis());
        entered();
        // A poll checks its remaining time between pieces of work: here, once before and once after stop.
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        seen.push(context.getRemainingTimeInMillis());
        finished = true;
      },
    });
    source.start();
    await inside;
    const stopped = source.stop();
    release();
    await stopped;
    expect(finished).toBe(true);
    expect(seen[0]).toBeGreaterThan(50_000);
    expect(seen[1]).toBe(0);
  });
});

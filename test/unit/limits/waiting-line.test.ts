import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lineOrder, nextToStart, placeInLine, type WaitingEntry } from '../../../lib/limits/waiting-line.ts';

const entry = (taskId: string, priority: number, arrivedAt: number, destination = 'd1'): WaitingEntry => ({ taskId, priority, arrivedAt, destination });

describe('the waiting line', () => {
  it('starts higher priorities first, first come first served within a priority', () => {
    const line = [entry('late-low', 0, 3), entry('early-low', 0, 1), entry('high', 5, 9), entry('mid', 1, 2)];
    expect(nextToStart(line, 10, () => 10).map((e) => e.taskId)).toEqual(['high', 'mid', 'early-low', 'late-low']);
    expect(placeInLine(line, 'early-low')).toBe(3);
    expect(placeInLine(line, 'absent')).toBeUndefined();
  });

  it('starts no more than the target has free slots', () => {
    const line = [entry('a', 0, 1), entry('b', 0, 2), entry('c', 0, 3)];
    expect(nextToStart(line, 2, () => 5).map((e) => e.taskId)).toEqual(['a', 'b']);
    expect(nextToStart(line, 0, () => 5)).toEqual([]);
  });

  it('skips a task whose destination is full, without blocking the ones behind it that go elsewhere', () => {
    const line = [entry('a', 0, 1, 'orders'), entry('b', 0, 2, 'orders'), entry('c', 0, 3, 'events')];
    const free = (d: string) => (d === 'orders' ? 1 : 1);
    expect(nextToStart(line, 3, free).map((e) => e.taskId)).toEqual(['a', 'c']);
    expect(nextToStart(line, 3, (d) => (d === 'orders' ? 0 : 1)).map((e) => e.taskId)).toEqual(['c']);
  });

  it('never exceeds the free slots of the target or of any destination, and keeps the line order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ priority: fc.integer({ min: -2, max: 2 }), arrivedAt: fc.nat(100), destination: fc.constantFrom('x', 'y', 'z') }), {
          maxLength: 40,
        }),
        fc.nat(10),
        fc.record({ x: fc.nat(3), y: fc.nat(3), z: fc.nat(3) }),
        (raw, freeTarget, freeDest) => {
          const line = raw.map((r, i) => ({ ...r, taskId: `t${String(i).padStart(2, '0')}` }));
          const chosen = nextToStart(line, freeTarget, (d) => freeDest[d as 'x' | 'y' | 'z']);
          expect(chosen.length).toBeLessThanOrEqual(freeTarget);
          for (const d of ['x', 'y', 'z'] as const) expect(chosen.filter((c) => c.destination === d).length).toBeLessThanOrEqual(freeDest[d]);
          expect([...chosen].sort(lineOrder)).toEqual(chosen);
        },
      ),
      { numRuns: 500 },
    );
  });
});

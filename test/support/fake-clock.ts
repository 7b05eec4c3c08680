import type { Clock } from '../../lib/clock.ts';

/** Virtual time: sleep() advances the clock at once, so retry waits cost no real time. */
export class FakeClock implements Clock {
  current: number;
  readonly sleeps: number[] = [];

  constructor(start = Date.parse('2026-11-21T10:00:00Z')) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  advance(ms: number): void {
    this.current += ms;
  }

  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.current += ms;
  }
}

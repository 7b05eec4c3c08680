import { describe, expect, it } from 'vitest';
import { parseSchedule, ScheduleExpressionError } from '../../../lib/triggers/cron-expression.ts';

const at = (iso: string) => Date.parse(iso);
const iso = (slots: number[]) => slots.map((s) => new Date(s).toISOString());

describe('schedule expressions', () => {
  it('cron: every day at 02:30 UTC', () => {
    const s = parseSchedule('cron(30 2 * * ? *)');
    expect(iso(s.slotsBetween(at('2026-11-20T00:00:00Z'), at('2026-11-22T03:00:00Z'), 10))).toEqual([
      '2026-11-20T02:30:00.000Z',
      '2026-11-21T02:30:00.000Z',
      '2026-11-22T02:30:00.000Z',
    ]);
  });

  it('cron: steps, ranges, lists and names (every 15 min, 9–17 h, Monday to Friday)', () => {
    const s = parseSchedule('cron(0/15 9-17 ? * MON-FRI *)');
    const slots = s.slotsBetween(at('2026-11-20T16:50:00Z'), at('2026-11-23T09:20:00Z'), 100); // Fri 16:50 → Mon 09:20
    expect(iso(slots)).toEqual([
      '2026-11-20T17:00:00.000Z',
      '2026-11-20T17:15:00.000Z',
      '2026-11-20T17:30:00.000Z',
      '2026-11-20T17:45:00.000Z',
      '2026-11-23T09:00:00.000Z',
      '2026-11-23T09:15:00.000Z',
    ]);
  });

  it('cron: the interval is (after, upTo]: a slot equal to `after` is not repeated', () => {
    const s = parseSchedule('cron(0 * * * ? *)');
    expect(iso(s.slotsBetween(at('2026-11-21T10:00:00Z'), at('2026-11-21T11:00:00Z'), 10))).toEqual(['2026-11-21T11:00:00.000Z']);
  });

  it('rate: slots at multiples of the rate', () => {
    const s = parseSchedule('rate(5 minutes)');
    expect(iso(s.slotsBetween(at('2026-11-21T10:03:00Z'), at('2026-11-21T10:16:00Z'), 10))).toEqual([
      '2026-11-21T10:05:00.000Z',
      '2026-11-21T10:10:00.000Z',
      '2026-11-21T10:15:00.000Z',
    ]);
  });

  it.each([
    ['every 5 minutes', /expected cron\(…\) or rate\(…\)/],
    ['cron(0 2 * * *)', /needs 6 fields/],
    ['cron(0 2 * * MON *)', /exactly one of day-of-month and day-of-week/],
    ['cron(61 2 * * ? *)', /minutes "61" is not in 0–59/],
    ['cron(0 2 * FOO ? *)', /month "FOO"/],
    ['cron(0/0 2 * * ? *)', /step "0" must be a positive integer/],
    ['rate(1 minutes)', /write "1 minute"/],
    ['rate(0 hours)', /at least 1/],
  ])('rejects %s', (expression, message) => {
    expect(() => parseSchedule(expression)).toThrow(ScheduleExpressionError);
    expect(() => parseSchedule(expression)).toThrow(message);
  });
});

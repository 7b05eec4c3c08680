/**
 * Schedule expressions as EventBridge writes them, evaluated in UTC:
 *   cron(minutes hours day-of-month month day-of-week year)  — `*`, `?`, lists, ranges, steps, JAN–DEC, SUN–SAT
 *   rate(N minute|minutes|hour|hours|day|days)               — slots at multiples of the rate since the epoch
 * Slots are whole minutes; a scheduler asks which slots fall in (after, upTo].
 */
export interface Schedule {
  expression: string;
  /** Slot start times (ms) in (after, upTo], oldest first, at most `limit`. */
  slotsBetween(after: number, upTo: number, limit: number): number[];
}

export class ScheduleExpressionError extends Error {}

const minute = 60_000;
const months = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const weekdays = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

export function parseSchedule(expression: string): Schedule {
  const text = expression.trim();
  const rate = /^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$/.exec(text);
  if (rate) {
    const n = Number(rate[1]);
    if (n < 1) throw new ScheduleExpressionError(`${text}: the rate must be at least 1`);
    const unit = rate[2]!.startsWith('minute') ? minute : rate[2]!.startsWith('hour') ? 60 * minute : 1440 * minute;
    if ((n === 1) !== !rate[2]!.endsWith('s'))
      throw new ScheduleExpressionError(`${text}: write "1 ${rate[2]!.replace(/s$/, '')}" or "${n} ${rate[2]!.replace(/s?$/, 's')}"`);
    const step = n * unit;
    return {
      expression: text,
      slotsBetween(after, upTo, limit) {
        const slots: number[] = [];
        for (let t = Math.floor(after / step) * step + step; t <= upTo && slots.length < limit; t += step) slots.push(t);
        return slots;
      },
    };
  }
  const cron = /^cron\((.*)\)$/.exec(text);
  if (!cron) throw new ScheduleExpressionError(`${JSON.stringify(text)}: expected cron(…) or rate(…)`);
  const fields = cron[1]!.trim().split(/\s+/);
  if (fields.length !== 6)
    throw new ScheduleExpressionError(`${text}: cron needs 6 fields (minutes hours day-of-month month day-of-week year), got ${fields.length}`);
  const [mins, hours, dom, mon, dow, year] = fields as [string, string, string, string, string, string];
  if ((dom === '?') === (dow === '?')) throw new ScheduleExpressionError(`${text}: exactly one of day-of-month and day-of-week must be "?"`);
  const m = field(mins, 0, 59, [], 'minutes', text);
  const h = field(hours, 0, 23, [], 'hours', text);
  const d = dom === '?' ? undefined : field(dom, 1, 31, [], 'day-of-month', text);
  const mo = field(mon, 1, 12, months, 'month', text, 1);
  const w = dow === '?' ? undefined : field(dow, 1, 7, weekdays, 'day-of-week', text, 1);
  const y = field(year, 1970, 2199, [], 'year', text);
  return {
    expression: text,
    slotsBetween(after, upTo, limit) {
      const slots: number[] = [];
      // Minute by minute is plain and bounded: a scheduler never asks for more than a day of catch-up.
      for (let t = Math.floor(after / minute) * minute + minute; t <= upTo && slots.length < limit; t += minute) {
        const at = new Date(t);
        if (
          m.has(at.getUTCMinutes()) &&
          h.has(at.getUTCHours()) &&
          mo.has(at.getUTCMonth() + 1) &&
          y.has(at.getUTCFullYear()) &&
          (d ? d.has(at.getUTCDate()) : true) &&
          (w ? w.has(at.getUTCDay() + 1) : true)
        ) {
          slots.push(t);
        }
      }
      return slots;
    },
  };
}

function field(text: string, min: number, max: number, names: string[], what: string, expression: string, nameBase = 0): Set<number> {
  const values = new Set<number>();
  const value = (token: string) => {
    const named = names.indexOf(token.toUpperCase());
    const n = named >= 0 ? named + nameBase : /^\d+$/.test(token) ? Number(token) : Number.NaN;
    if (!Number.isInteger(n) || n < min || n > max)
      throw new ScheduleExpressionError(`${expression}: ${what} ${JSON.stringify(token)} is not in ${min}–${max}`);
    return n;
  };
  for (const part of text.split(',')) {
    const [range, stepText] = part.split('/') as [string, string | undefined];
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1)
      throw new ScheduleExpressionError(`${expression}: ${what} step ${JSON.stringify(stepText)} must be a positive integer`);
    let from: number;
    let to: number;
    if (range === '*' || range === '?') [from, to] = [min, max];
    else if (range.includes('-')) {
      const [a, b] = range.split('-') as [string, string];
      [from, to] = [value(a), value(b)];
      if (from > to) throw new ScheduleExpressionError(`${expression}: ${what} range ${range} runs backwards`);
    } else [from, to] = [value(range), stepText === undefined ? value(range) : max];
    for (let n = from; n <= to; n += step) values.add(n);
  }
  return values;
}

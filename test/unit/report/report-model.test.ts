// The report's figures from tasks made by the task model's own transitions: segments and attempts, lanes
// per target, run time and detection delay (unknown where the backend gives no end time), percentiles,
// retries, cost, and the time window's flags.
import { describe, expect, it } from 'vitest';
import { reportFilters } from '../../../lib/cli/report-command.ts';
import { buildReport, percentile, segmentsOf } from '../../../lib/report/report-model.ts';
import { parseTimeBound } from '../../../lib/report/time-window.ts';
import type { TaskState } from '../../../lib/task/states.ts';
import { defaultTaskPolicy, newTask, type Task, taskIdFor, transition } from '../../../lib/task/task.ts';

const t0 = Date.parse('2026-12-01T08:00:00Z');
const s = 1_000;

/** A task through these transitions, each `[state, seconds after t0, changes]`. */
function lived(id: string, target: string, steps: Array<[TaskState, number, Partial<Task>?]>, extra: Partial<Task> = {}): Task {
  let task = newTask(
    { taskId: taskIdFor(id), requestId: id, requestIdSource: 'client', target, backend: `${target}-backend`, state: 'ACCEPTED', createdAt: t0, summary: {} },
    'accepted',
    defaultTaskPolicy,
  );
  for (const [to, at, changes] of steps) {
    task = transition(task, { to, reason: `to ${to}`, now: t0 + at * s, policy: defaultTaskPolicy, ...(changes ? { changes } : {}), by: 'operator' });
  }
  return { ...task, ...extra };
}

const cost = (r: number, w: number, calls: number, ms: number) => ({ readUnits: r, writeUnits: w, backendCalls: calls, lambdaMs: ms });

describe('a task on the timeline', () => {
  it('is its stretches of state from accepted to end, each with its attempt; a retry is a new attempt', () => {
    const task = lived('retried', 'linkis', [
      ['SUBMITTED', 2, { attempt: 1 }],
      ['RUNNING', 5],
      ['FAILED', 30],
      ['RETRY_WAIT', 31],
      ['RUNNING', 40, { attempt: 2 }],
      ['SUCCEEDED', 70],
    ]);
    expect(segmentsOf(task.history, task.finishedAt!)).toEqual([
      { state: 'ACCEPTED', from: t0, to: t0 + 2 * s, attempt: 0 },
      { state: 'SUBMITTED', from: t0 + 2 * s, to: t0 + 5 * s, attempt: 1 },
      { state: 'RUNNING', from: t0 + 5 * s, to: t0 + 30 * s, attempt: 1 },
      { state: 'FAILED', from: t0 + 30 * s, to: t0 + 31 * s, attempt: 1 },
      { state: 'RETRY_WAIT', from: t0 + 31 * s, to: t0 + 40 * s, attempt: 1 },
      { state: 'RUNNING', from: t0 + 40 * s, to: t0 + 70 * s, attempt: 2 },
    ]);
  });

  it('a request refused on arrival (made REJECTED) is a mark at that moment', () => {
    const refused = newTask(
      { taskId: taskIdFor('refused'), requestId: 'refused', requestIdSource: 'client', backend: '(unknown)', state: 'REJECTED', createdAt: t0, summary: {} },
      'invalid request',
      defaultTaskPolicy,
    );
    expect(segmentsOf(refused.history, t0)).toEqual([{ state: 'REJECTED', from: t0, to: t0, attempt: 0 }]);
  });

  it('an active task runs to now; a waiting stretch is its own', () => {
    const task = lived('waits', 'lindorm', [
      ['WAITING', 1],
      ['ACCEPTED', 20],
      ['SUBMITTED', 21],
    ]);
    const report = buildReport([{ task, history: task.history }], { now: t0 + 60 * s, filters: {}, truncated: false });
    const [row] = report.tasks;
    expect(row).toMatchObject({ outcome: 'active', endedAt: null, runMs: null, attempts: 1 });
    expect(row!.segments.map((x) => [x.state, (x.to - x.from) / s])).toEqual([
      ['ACCEPTED', 1],
      ['WAITING', 19],
      ['ACCEPTED', 1],
      ['SUBMITTED', 39],
    ]);
  });

  it('tasks of one target whose bars overlap take different lanes; one that starts after another ended reuses its lane', () => {
    const a = lived('a', 'cdm', [['REJECTED', 10]]);
    const b = { ...lived('b', 'cdm', [['REJECTED', 10]]), createdAt: t0 + 5 * s };
    b.history = [
      { ...b.history[0]!, at: t0 + 5 * s },
      { ...b.history[1]!, at: t0 + 12 * s },
    ];
    b.finishedAt = t0 + 12 * s;
    const c = { ...lived('c', 'cdm', []), createdAt: t0 + 11 * s };
    c.history = [{ ...c.history[0]!, at: t0 + 11 * s }];
    const report = buildReport(
      [a, b, c].map((task) => ({ task, history: task.history })),
      { now: t0 + 20 * s, filters: {}, truncated: false },
    );
    expect(report.tasks.map((t) => [t.requestId, t.lane])).toEqual([
      ['a', 0],
      ['b', 1],
      ['c', 0],
    ]);
    expect(report.targets).toEqual([{ name: 'cdm', lanes: 2 }]);
  });
});

describe('the detection delay', () => {
  it("is from the backend's end of the last run to the entry that recorded it", () => {
    const task = lived(
      'seen',
      'linkis',
      [
        ['SUBMITTED', 1],
        ['RUNNING', 2],
        ['SUCCEEDED', 50],
      ],
      { remoteEndedAt: t0 + 46 * s },
    );
    const [row] = buildReport([{ task, history: task.history }], { now: t0 + 60 * s, filters: {}, truncated: false }).tasks;
    expect(row).toMatchObject({ detectionDelayMs: 4 * s, runMs: 49 * s });
  });

  it('is unknown, saying why, where the backend does not say when its run ended; none for a task that never ran', () => {
    const silent = lived('silent', 'lindorm', [
      ['SUBMITTED', 1],
      ['RUNNING', 2],
      ['SUCCEEDED', 50],
    ]);
    const rejected = lived('rejected', 'lindorm', [['REJECTED', 1]]);
    const report = buildReport(
      [silent, rejected].map((task) => ({ task, history: task.history })),
      { now: t0 + 60 * s, filters: {}, truncated: false },
    );
    expect(report.tasks.find((t) => t.requestId === 'silent')).toMatchObject({
      detectionDelayMs: null,
      detectionUnknown: expect.stringMatching(/does not say/),
    });
    expect(report.tasks.find((t) => t.requestId === 'rejected')).toMatchObject({ detectionDelayMs: null, runMs: null });
    expect(report.tasks.find((t) => t.requestId === 'rejected')!.detectionUnknown).toBeUndefined();
    expect(report.summary.detectionDelayMs).toEqual({ count: 0, p50: null, p95: null, unknown: 1 });
  });

  it('an end time after the recorded end is not believed (clocks apart), within a second of slack', () => {
    const late = lived(
      'late',
      'cdm',
      [
        ['SUBMITTED', 1],
        ['SUCCEEDED', 10],
      ],
      { remoteEndedAt: t0 + 15 * s },
    );
    const close = lived(
      'close',
      'cdm',
      [
        ['SUBMITTED', 1],
        ['SUCCEEDED', 10],
      ],
      { remoteEndedAt: t0 + 10 * s + 400 },
    );
    const rows = buildReport(
      [late, close].map((task) => ({ task, history: task.history })),
      { now: t0 + 60 * s, filters: {}, truncated: false },
    ).tasks;
    expect(rows.find((t) => t.requestId === 'late')).toMatchObject({ detectionDelayMs: null, detectionUnknown: expect.stringMatching(/later than/) });
    expect(rows.find((t) => t.requestId === 'close')).toMatchObject({ detectionDelayMs: 0 });
  });
});

describe('the summary', () => {
  it('counts states, the success rate of the ended, p50/p95 run times, retries and cost', () => {
    const tasks = [
      ...Array.from({ length: 18 }, (_, i) =>
        lived(
          `ok-${i}`,
          'lindorm',
          [
            ['SUBMITTED', 1],
            ['SUCCEEDED', 1 + (i + 1) * 10],
          ],
          { cost: cost(2, 4, 3, 100) },
        ),
      ),
      lived(
        'retried',
        'linkis',
        [
          ['SUBMITTED', 1, { attempt: 1 }],
          ['FAILED', 5],
          ['RETRY_WAIT', 6],
          ['RUNNING', 8, { attempt: 2 }],
          ['SUCCEEDED', 400],
        ],
        {
          cost: cost(5, 9, 7, 300),
        },
      ),
      lived('failed', 'linkis', [
        ['SUBMITTED', 1, { attempt: 1 }],
        ['FAILED', 5],
        ['FAILED_FINAL', 6],
      ]),
      lived('running', 'cdm', [['SUBMITTED', 1]]),
    ];
    const { summary } = buildReport(
      tasks.map((task) => ({ task, history: task.history })),
      { now: t0 + 1000 * s, filters: {}, truncated: false },
    );
    expect(summary.tasks).toBe(21);
    expect(summary.byState).toEqual({ SUCCEEDED: 19, FAILED_FINAL: 1, SUBMITTED: 1 });
    expect(summary.byOutcome).toEqual({ succeeded: 19, failed: 1, active: 1 });
    expect(summary.successRate).toBeCloseTo(19 / 20);
    // Runs of 10…180 s, 399 s (the retried) and 5 s (the failed): 20 sorted; p50 the 10th, p95 the 19th.
    expect(summary.runMs).toEqual({ count: 20, p50: 90 * s, p95: 180 * s });
    expect(summary.retries).toEqual({ total: 1, tasks: 1 });
    expect(summary.cost).toEqual({
      total: cost(18 * 2 + 5, 18 * 4 + 9, 18 * 3 + 7, 18 * 100 + 300),
      perTask: cost(2.16, 4.26, 3.21, 111),
      tasks: 19,
    });
  });

  it('percentiles are nearest-rank: one value is every percentile, none is null', () => {
    expect(percentile([], 0.5)).toBeNull();
    expect(percentile([7], 0.95)).toBe(7);
    expect(percentile([1, 2, 3, 4], 0.5)).toBe(2);
    expect(percentile([1, 2, 3, 4], 0.95)).toBe(4);
  });
});

describe("the report's flags", () => {
  const now = Date.parse('2026-12-01T12:00:00Z');

  it('an age or an ISO time with its zone', () => {
    expect(parseTimeBound('since', '30m', now)).toBe(now - 30 * 60_000);
    expect(parseTimeBound('since', '1h', now)).toBe(now - 3_600_000);
    expect(parseTimeBound('since', '2d', now)).toBe(now - 2 * 86_400_000);
    expect(parseTimeBound('until', '2026-12-01T08:00:00Z', now)).toBe(Date.parse('2026-12-01T08:00:00Z'));
    expect(parseTimeBound('until', '2026-12-01', now)).toBe(Date.parse('2026-12-01T00:00:00Z'));
  });

  it('a bad flag is an error naming it and saying what it takes', () => {
    expect(() => reportFilters({ since: 'yesterday' }, now)).toThrow(/^--since: "yesterday" is neither an age .* nor an ISO time/);
    expect(() => reportFilters({ until: '2026-12-01T08:00' }, now)).toThrow(/^--until: .*with its zone/);
    expect(() => reportFilters({ since: '1h', until: '2h' }, now)).toThrow(/^--since .* is after --until/);
    expect(() => reportFilters({ state: 'RUNNING,DONE' }, now)).toThrow(/^--state: unknown state DONE/);
    expect(() => reportFilters({ max: '0' }, now)).toThrow(/^--max must be an integer from 1 to 20000, got "0"/);
    expect(() => reportFilters({ target: ' ' }, now)).toThrow(/^--target: give a target name/);
    expect(reportFilters({ since: '1h', target: 'linkis', state: 'failed_final,succeeded' }, now)).toEqual({
      filters: { since: now - 3_600_000, target: 'linkis', states: ['FAILED_FINAL', 'SUCCEEDED'] },
      maxTasks: 2000,
    });
  });
});

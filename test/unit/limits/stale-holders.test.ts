import { describe, expect, it } from 'vitest';
import { defaultTaskPolicy, newTask, type Task, taskIdFor } from '../../../lib/task/task.ts';
import { isStaleHolder, uncertainSlotMs } from '../../../lib/tracking/waiting-starter.ts';

const t0 = Date.parse('2026-12-01T08:00:00Z');
const task = (state: Task['state'], extra: Partial<Task> = {}): Task => ({
  ...newTask(
    { taskId: taskIdFor('s'), requestId: 's', requestIdSource: 'client', backend: 'b', state: 'ACCEPTED', createdAt: t0, summary: {} },
    'x',
    defaultTaskPolicy,
  ),
  state,
  ...extra,
});
const holder = (leaseUntil?: number) => ({ taskId: taskIdFor('s'), since: t0, ...(leaseUntil === undefined ? {} : { leaseUntil }) });

describe('which slots come back by themselves', () => {
  it('those of tasks gone, ended or deleted', () => {
    expect(isStaleHolder(undefined, holder(), t0)).toBe(true);
    expect(isStaleHolder(task('SUCCEEDED'), holder(), t0)).toBe(true);
    expect(isStaleHolder(task('RUNNING', { deletedAt: t0 }), holder(), t0)).toBe(true);
  });

  it('a reservation or a create that never left, once its lease is over', () => {
    expect(isStaleHolder(task('WAITING'), holder(t0 + 1000), t0)).toBe(false);
    expect(isStaleHolder(task('WAITING'), holder(t0 + 1000), t0 + 1001)).toBe(true);
    expect(isStaleHolder(task('ACCEPTED', { create: { attempts: 1 } }), holder(t0 + 1000), t0 + 1001)).toBe(true);
  });

  it('never a create in flight or a running job', () => {
    expect(isStaleHolder(task('ACCEPTED', { create: { attempts: 1, startedAt: t0, leaseUntil: t0 + 1000 } }), holder(t0 + 1000), t0 + 10 ** 9)).toBe(false);
    expect(isStaleHolder(task('RUNNING'), holder(t0), t0 + 10 ** 9)).toBe(false);
  });

  it('an UNCERTAIN task only once its run could no longer be going: its maximum duration, or a day', () => {
    const uncertain = task('UNCERTAIN', { create: { attempts: 1, startedAt: t0 }, maxDurationMs: 3_600_000 });
    expect(isStaleHolder(uncertain, holder(t0), t0 + 3_599_999)).toBe(false);
    expect(isStaleHolder(uncertain, holder(t0), t0 + 3_600_000)).toBe(true);
    const unbounded = task('UNCERTAIN', { create: { attempts: 1, startedAt: t0 } });
    expect(isStaleHolder(unbounded, holder(t0), t0 + uncertainSlotMs - 1)).toBe(false);
    expect(isStaleHolder(unbounded, holder(t0), t0 + uncertainSlotMs)).toBe(true);
  });
});

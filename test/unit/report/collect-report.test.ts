// The live page reports every few seconds: an ended task's log tail is read once per version, a running
// task's each time (its log still grows), and a tail that could not be read is tried again.
import { describe, expect, it } from 'vitest';
import type { Backend, LogChunk } from '../../../lib/backends/backend.ts';
import { BackendRegistry } from '../../../lib/backends/registry.ts';
import { collectReport, LogTailCache } from '../../../lib/report/collect-report.ts';
import type { TaskState } from '../../../lib/task/states.ts';
import { defaultTaskPolicy, newTask, type Task, taskIdFor, transition } from '../../../lib/task/task.ts';

const t0 = Date.parse('2026-12-01T08:00:00Z');

function task(id: string, steps: TaskState[]): Task {
  let t = newTask(
    {
      taskId: taskIdFor(id),
      requestId: id,
      requestIdSource: 'client',
      target: 'logged',
      backend: 'logged-backend',
      state: 'ACCEPTED',
      createdAt: t0,
      summary: {},
    },
    'accepted',
    defaultTaskPolicy,
  );
  steps.forEach((to, i) => {
    t = transition(t, {
      to,
      reason: `to ${to}`,
      now: t0 + (i + 1) * 1_000,
      policy: defaultTaskPolicy,
      by: 'operator',
      ...(to === 'SUBMITTED' ? { changes: { remote: { id } } } : {}),
    });
  });
  return t;
}

/** A backend whose log answers are counted (and can be made to fail); everything else is never called here. */
function loggingBackend() {
  const reads: string[] = [];
  let failing = false;
  const backend = {
    id: 'logged-backend',
    target: 'logged',
    readLog: async (ref: { id: string }, from: number): Promise<LogChunk> => {
      reads.push(ref.id);
      if (failing) throw new Error('log service down');
      return { text: `line of ${ref.id}\n`, next: from + 1, ended: true };
    },
  } as unknown as Backend;
  return { registry: new BackendRegistry([backend]), reads, fail: (on: boolean) => (failing = on) };
}

const storeOf = (tasks: Task[]) => ({
  listPage: async () => ({ tasks, more: false }),
  fullHistory: async (t: Task) => t.history,
});

describe('log tails for a report made again and again', () => {
  it('reads an ended task once per version, a task still going every time, and retries a tail that failed', async () => {
    const ended = task('ended', ['SUBMITTED', 'RUNNING', 'FAILED', 'FAILED_FINAL']);
    const retried = task('retried', ['SUBMITTED', 'RUNNING', 'FAILED', 'RETRY_WAIT', 'RUNNING']);
    const { registry, reads, fail } = loggingBackend();
    const cache = new LogTailCache();
    const report = (tasks: Task[]) =>
      collectReport(storeOf(tasks), {
        filters: {},
        maxTasks: 100,
        now: t0 + 60_000,
        logs: { backends: registry, tasks: 10, lines: 20, timeoutMs: 1_000, cache },
      });

    fail(true);
    const first = await report([ended, retried]);
    expect(first.tasks.find((t) => t.taskId === ended.taskId)?.log).toEqual({ unavailable: 'log service down' });
    fail(false);
    for (let i = 0; i < 3; i++) await report([ended, retried]);
    // The failed read is tried again once, then kept; the retried task (running again) is read each time.
    expect(reads.filter((r) => r === 'ended')).toHaveLength(2);
    expect(reads.filter((r) => r === 'retried')).toHaveLength(4);
    const last = await report([ended, retried]);
    expect(last.tasks.find((t) => t.taskId === ended.taskId)?.log).toEqual({ lines: ['line of ended'] });

    // A new version of the ended task (an operator reopened it, say) is read again.
    await report([{ ...ended, version: ended.version + 1 }]);
    expect(reads.filter((r) => r === 'ended')).toHaveLength(3);
  });
});

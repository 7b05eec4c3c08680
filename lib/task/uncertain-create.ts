import { transition, type Task, type TaskPolicy } from './task.ts';

/**
 * The one rule for a create whose outcome was never recorded: the submit path (on a redelivery) and the
 * poller (when no redelivery comes) both apply it, so the task reads the same whichever finds it first.
 */
export function unrecordedCreateReason(task: Task): string | undefined {
  const { startedAt, attempts } = task.create;
  if (startedAt === undefined) return undefined;
  return `create attempt ${attempts} started at ${new Date(startedAt).toISOString()} never recorded its outcome (the invocation died or timed out mid-call)`;
}

/** UNCERTAIN: the backend may hold a job for this request; only an operator can settle it. */
export function holdAsUncertain(task: Task, reason: string, now: number, policy: TaskPolicy): Task {
  return transition(task, {
    to: 'UNCERTAIN',
    reason: `${reason}; the backend may hold a job for this request: find it and settle the task (bulkpilot settle) before resubmitting`,
    now,
    policy,
    changes: { create: { attempts: task.create.attempts, lastError: reason }, error: { reason, source: 'bulkpilot', at: now } },
  });
}

import type { LookupResult, RemoteRef } from '../backends/backend.ts';
import { type Task, type TaskPolicy, transition } from './task.ts';

/**
 * The rules for a create whose outcome was never recorded, and for recording one that was: the submit
 * path (on a redelivery) and the poller (when no redelivery comes) both apply them, so the task reads the
 * same whichever finds it first.
 */
export function unrecordedCreateReason(task: Pick<Task, 'create'>): string | undefined {
  const { startedAt, attempts } = task.create;
  if (startedAt === undefined) return undefined;
  return `create attempt ${attempts} started at ${new Date(startedAt).toISOString()} never recorded its outcome (the invocation died or timed out mid-call)`;
}

/** Time allowed after a call's bound before the backend's own lookups are trusted to show its effect. */
export const lookupSettleMs = 30_000;

/**
 * How long the backend may keep failing to say whether a lost create made a job before an operator is asked:
 * past it the task is held UNCERTAIN, never created again on a guess, never left to be asked forever.
 */
export const lookupGiveUpMs = 6 * 60 * 60_000;

export function lookupGaveUp(createStartedAt: number, now: number): boolean {
  return now - createStartedAt >= lookupGiveUpMs;
}

/**
 * What a lookup for the job of a lost call means. A job found is adopted at once; "none" is believed only
 * once the call cannot still be under way at the backend (its bound and a settling time have passed).
 */
export function readLookup(
  result: LookupResult,
  call: { startedAt: number; boundMs: number },
  now: number,
): { adopt: RemoteRef } | { absent: string } | { wait: string } {
  if ('found' in result) return { adopt: result.found };
  if ('absent' in result) {
    return now >= call.startedAt + call.boundMs + lookupSettleMs
      ? { absent: result.reason }
      : { wait: `too early to trust that no job exists (${result.reason})` };
  }
  return { wait: result.unknown };
}

/** UNCERTAIN: the backend may hold a job for this request and cannot be asked; only an operator can settle it. */
export function holdAsUncertain(task: Task, reason: string, now: number, policy: TaskPolicy): Task {
  return transition(task, {
    to: 'UNCERTAIN',
    reason: `${reason}; the backend may hold a job for this request: find it and settle the task (bulkpilot settle) before resubmitting`,
    now,
    policy,
    changes: { create: { attempts: task.create.attempts, lastError: reason }, error: { reason, source: 'bulkpilot', at: now } },
  });
}

/** SUBMITTED with the job the backend created (answered, found by a lookup, or named by an operator). */
export function recordCreated(
  task: Task,
  job: { ref: RemoteRef; label: string },
  options: { reason: string; now: number; policy: TaskPolicy; dueAt: number; changes?: Partial<Task> },
): Task {
  const { now } = options;
  return transition(task, {
    to: 'SUBMITTED',
    reason: options.reason,
    now,
    policy: options.policy,
    changes: {
      remote: job.ref,
      remoteId: job.label,
      attempt: 1,
      submittedAt: now,
      // The run may have started as soon as its create reached the backend: a job found long after its lost
      // answer is held to its maximum duration from then, not from when bulkpilot learned of it.
      runStartedAt: Math.min(task.create.startedAt ?? now, now),
      create: { attempts: task.create.attempts, ...(task.create.possibleDuplicate ? { possibleDuplicate: true } : {}) },
      ...options.changes,
    },
    clear: ['error'],
    dueAt: options.dueAt,
  });
}

/**
 * The marker a create or rerun leaves with its job (where the backend keeps one), so a lookup can find the
 * job of a call whose answer was lost. Derived, never stored: the task's id and the attempt's number.
 */
export function createMarker(taskId: string, createAttempt: number): string {
  return `${taskId}.c${createAttempt}`;
}

export function rerunMarker(taskId: string, runAttempt: number): string {
  return `${taskId}.r${runAttempt}`;
}

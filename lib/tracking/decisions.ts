import type { BackendCapabilities, BackendTiming, RemoteRef, RemoteStatus, RemoteWarning } from '../backends/backend.ts';
import type { TaskState } from '../task/states.ts';
import type { AbortRequest, ClearableKey, PollBookkeeping, Task, TaskWarning } from '../task/task.ts';
import { unrecordedCreateReason } from '../task/uncertain-create.ts';
import { deadlineOf, errorBackoffMs, jittered, nextCheckDelayMs, type PollPolicy } from './poll-policy.ts';
import { isFollowedWithoutWrites } from './poll-schedule.ts';

/**
 * What the poller does with what a backend said: pure functions of the task, the observation and the
 * clock, so every rule of tracking is unit-tested without a store or a backend. The executor in
 * poll-task.ts carries a decision out (conditional writes first, calls with side effects after).
 */

/** What the backend said about a job, once per check (a re-decision after a lost race reuses it). */
export type Observation = { kind: 'status'; status: RemoteStatus } | { kind: 'not-found'; message: string } | { kind: 'error'; message: string };

export interface DecisionContext {
  now: number;
  poll: PollPolicy;
  random: () => number;
}

export type Decision =
  /** A state change. */
  | { kind: 'transition'; to: TaskState; reason: string; changes: Partial<Task>; clear?: ClearableKey[]; dueAt?: number }
  /** ABORTING is written, then the backend is asked to abort. */
  | { kind: 'abort-overdue'; reason: string; changes: Partial<Task>; dueAt: number }
  /** Bookkeeping of the same state is written (a "not found" streak cleared, warnings raised or gone). */
  | { kind: 'update'; changes: Partial<Task>; dueAt: number; raised?: TaskWarning[] }
  /** Only the next check time and the poll bookkeeping are stored. */
  | { kind: 'reschedule'; poll: PollBookkeeping; dueAt: number }
  /** The abort is repeated: its bookkeeping is written, then the call made. */
  | { kind: 'repeat-abort'; changes: Partial<Task>; dueAt: number }
  /** The claim of a new run is written, then the backend is asked to run the job again. */
  | { kind: 'rerun'; claim: { at: number; attempt: number }; changes: Partial<Task>; dueAt: number }
  /** The answer of a resubmit was lost: the backend is asked whether the new job exists before any new call. */
  | { kind: 'find-rerun'; claim: { at: number; attempt: number }; poll: PollBookkeeping }
  /** A create's answer was lost and the backend can look its job up. */
  | { kind: 'find-create' }
  /** A create's answer was lost and the backend cannot be asked: an operator settles it. */
  | { kind: 'hold-uncertain'; reason: string }
  /** Nothing new for a task followed without writes (the shard's checkpoint notes a near end). */
  | { kind: 'none'; nearEnd: boolean; stage: string }
  /** A failed status call of a task followed without writes: the shard's checkpoint counts it. */
  | { kind: 'no-answer' };

/** A task in SUBMITTED or RUNNING, as the due index or the item holds it. */
export type RunView = Pick<
  Task,
  'state' | 'stage' | 'runStartedAt' | 'submittedAt' | 'maxDurationMs' | 'lifecycle' | 'nearEnd' | 'counters' | 'warnings' | 'remote'
> & {
  poll?: Partial<PollBookkeeping> | undefined;
};

/** SUBMITTED or RUNNING: the run's end, a deadline passed, the first sign of running, or nothing new. */
export function decideRun(task: RunView, observation: Observation, ctx: DecisionContext): Decision {
  const { now, poll } = ctx;
  const deadline = deadlineOf(task, poll);
  const overdue = deadline !== undefined && now >= deadline;
  // Past its maximum duration the run is aborted even if the backend cannot say how it is doing.
  if (observation.kind === 'error') return overdue ? abortOverdue(task, { poll: checked(task, now) }, ctx) : { kind: 'no-answer' };
  if (observation.kind === 'not-found') return countNotFound(task, observation.message, ctx);
  const { status } = observation;
  const seen = seenChanges(status);
  const changes = { ...seen, poll: checked(task, now) };
  switch (status.phase) {
    case 'succeeded':
      return { kind: 'transition', to: 'SUCCEEDED', reason: `backend reports ${status.state}`, changes };
    case 'failed':
      return {
        kind: 'transition',
        to: 'FAILED',
        reason: `backend reports ${status.state}${status.stage ? ` at stage ${status.stage}` : ''}`,
        changes: {
          ...changes,
          error: { reason: status.message ?? `job ${status.state}${status.stage ? ` at stage ${status.stage}` : ''}`, source: 'backend', at: now },
        },
        dueAt: now + poll.failedGraceMs,
      };
    case 'aborted':
      return { kind: 'transition', to: 'ABORTED', reason: `aborted outside bulkpilot (backend reports ${status.state})`, changes };
  }
  if (overdue) return abortOverdue(task, changes, ctx);
  const warned = warningsChange(task.warnings, status.warnings, now);
  const withWarnings = warned ? { ...changes, ...warned.changes } : changes;
  if (task.state === 'SUBMITTED' && status.phase === 'running') {
    return {
      kind: 'transition',
      to: 'RUNNING',
      reason: `backend reports ${status.state}${status.stage ? ` at stage ${status.stage}` : ''}`,
      changes: withWarnings,
      ...(warned && !warned.changes.warnings ? { clear: ['warnings'] as ClearableKey[] } : {}),
      dueAt: now + nextCheckDelayMs({ ...task, ...seen }, now, poll, ctx.random),
    };
  }
  // Found again after "not found" answers (the streak must not count towards LOST later), warnings came or
  // went, or the backend now says more of where the job is (the place it landed, found after its create):
  // without storing that, every check would have to find it again, and the task would never move on.
  if ((task.poll?.notFound ?? 0) > 0 || warned || (status.ref !== undefined && !sameRef(status.ref, task.remote))) {
    return {
      kind: 'update',
      changes: withWarnings,
      dueAt: now + nextCheckDelayMs({ ...task, ...seen }, now, poll, ctx.random),
      ...(warned?.raised.length ? { raised: warned.raised } : {}),
    };
  }
  // Nothing new (a stage change alone is not stored: the shard's checkpoint follows near ends). The check
  // times come from the task's anchor, so no write is needed.
  return { kind: 'none', nearEnd: status.nearEnd === true, stage: status.stage ?? status.state };
}

/** Whether a status of a SUBMITTED or RUNNING task changes anything stored (the tick asks before reading the task). */
export function isNews(task: RunView, observation: Observation, ctx: DecisionContext): boolean {
  const decision = decideRun(task, observation, ctx);
  return decision.kind !== 'none' && decision.kind !== 'no-answer';
}

function abortOverdue(task: RunView, changes: Partial<Task>, ctx: DecisionContext): Decision {
  const { now, poll } = ctx;
  const minutes = Math.round((task.maxDurationMs ?? poll.defaultMaxDurationMs) / 60_000);
  const abort: AbortRequest = { reason: 'timeout', requestedAt: now, calls: 1, lastCallAt: now };
  const planned = task.lifecycle === 'continuous';
  return {
    kind: 'abort-overdue',
    reason: planned ? `reached its maximum duration of ${minutes} min; stopping` : `run exceeded its maximum duration of ${minutes} min; aborting`,
    changes: { ...changes, abort },
    dueAt: now + poll.abortingIntervalMs,
  };
}

/** ABORTING: the abort confirmed, overtaken by the job's own end, or repeated now and then while the job runs. */
export function decideAbort(task: Task, observation: Observation, ctx: DecisionContext): Decision {
  const { now, poll } = ctx;
  const timedOut = task.abort?.reason === 'timeout';
  const end = (reason: string, changes: Partial<Task>): Decision => {
    // A continuous job stopped at its planned end has done what was asked; a batch run past its deadline failed.
    if (timedOut && task.lifecycle === 'continuous')
      return { kind: 'transition', to: 'ABORTED', reason: `stopped at the end of its maximum duration: ${reason}`, changes };
    if (timedOut) {
      return {
        kind: 'transition',
        to: 'FAILED_FINAL',
        reason: `timed out: ${reason}`,
        changes: { ...changes, error: { reason: 'run exceeded its maximum duration', source: 'bulkpilot', at: now } },
      };
    }
    return { kind: 'transition', to: 'ABORTED', reason, changes };
  };
  if (observation.kind === 'not-found') return end('the backend no longer knows the job', { poll: checked(task, now) });
  if (observation.kind === 'error') return backOff(task, observation.message, ctx);
  const { status } = observation;
  const changes = { ...seenChanges(status), poll: checked(task, now) };
  if (status.phase === 'aborted') return end(`abort confirmed (backend reports ${status.state})`, changes);
  if (status.phase === 'failed') return end(`the job had failed before the abort took effect (${status.state})`, changes);
  if (status.phase === 'succeeded') return { kind: 'transition', to: 'SUCCEEDED', reason: 'the job succeeded before the abort took effect', changes };
  // Still running: the abort call may have been lost; repeat it now and then, never in a tight loop.
  const interval = poll.abortingIntervalMs;
  if (now - (task.abort?.lastCallAt ?? 0) >= 2 * interval) {
    const abort: AbortRequest = {
      reason: task.abort?.reason ?? 'operator',
      requestedAt: task.abort?.requestedAt ?? now,
      calls: (task.abort?.calls ?? 0) + 1,
      lastCallAt: now,
    };
    return { kind: 'repeat-abort', changes: { ...changes, abort }, dueAt: now + interval };
  }
  return { kind: 'reschedule', poll: changes.poll, dueAt: now + jittered(interval, poll.jitter, ctx.random) };
}

/** What the rerun decision needs to know of the backend. */
export interface RerunAbility {
  capabilities: BackendCapabilities;
  timing: BackendTiming;
  canFindCreated: boolean;
}

/**
 * How long a claim of a rerun call protects against a second call: the backend's own bound on the call,
 * plus a little for the writes around it. After that its answer is known to be lost.
 */
export function rerunClaimWindowMs(timing: BackendTiming): number {
  return timing.commandMs + 2_000;
}

/**
 * RETRY_WAIT, once its wait is over: the job may have ended or been run again meanwhile (from the
 * console, or by our own call whose answer was lost); otherwise it is run again. The claim of a call
 * belongs to one attempt: a recorded run frees the next attempt at once, and a claim whose answer was
 * lost blocks a second call only for the backend's bound on the call.
 */
export function decideRetryWait(task: Task, observation: Observation, ctx: DecisionContext, backend: RerunAbility): Decision {
  const { now, poll } = ctx;
  if (observation.kind !== 'status') return decideNoAnswer(task, observation, ctx);
  const { status } = observation;
  const changes = { ...seenChanges(status), poll: checked(task, now) };
  const attempt = (task.attempt ?? 1) + 1;
  const claim = task.retryCall?.attempt === attempt ? task.retryCall : undefined;
  switch (status.phase) {
    case 'succeeded':
      return { kind: 'transition', to: 'SUCCEEDED', reason: `backend reports ${status.state}`, changes, clear: ['retryCall'] };
    case 'aborted':
      // Stopped from the console while waiting for its retry: a person's abort is not undone, unless a
      // person asked for this very retry (bulkpilot retry of an ABORTED task).
      if (!task.operatorRetry) {
        return {
          kind: 'transition',
          to: 'ABORTED',
          reason: `aborted outside bulkpilot while waiting for a retry (backend reports ${status.state})`,
          changes,
          clear: ['retryCall'],
        };
      }
      break;
    case 'pending':
    case 'running':
      // A resubmit leaves the failed job as it was: only the new job could run. For the others, the job
      // runs again — retried from the console, or our earlier call took effect although its answer was lost.
      if (backend.capabilities.rerun === 'resubmit') break;
      return {
        kind: 'transition',
        to: 'RUNNING',
        reason: `backend already runs the job again (${status.state})`,
        changes: { ...changes, ...nextRun(attempt, now), operatorRetry: false },
        clear: ['retryCall', 'error'],
        dueAt: now + poll.firstCheckDelayMs,
      };
    case 'unknown':
      return { kind: 'reschedule', poll: changes.poll, dueAt: now + jittered(poll.abortingIntervalMs, poll.jitter, ctx.random) };
    case 'failed':
      break;
  }
  if (backend.capabilities.rerun === 'none') {
    return {
      kind: 'transition',
      to: 'FAILED_FINAL',
      reason: 'the backend cannot run a failed job again',
      changes: { ...changes, error: { reason: 'the backend cannot run a failed job again', source: 'bulkpilot', at: now } },
      clear: ['retryCall'],
    };
  }
  const window = rerunClaimWindowMs(backend.timing);
  if (claim && now < claim.at + window) return { kind: 'reschedule', poll: changes.poll, dueAt: claim.at + window };
  // A lost answer of a resubmit may have left a new job that nothing else would show: look for it first.
  if (claim && backend.capabilities.rerun === 'resubmit' && backend.canFindCreated) return { kind: 'find-rerun', claim, poll: changes.poll };
  return { kind: 'rerun', claim: { at: now, attempt }, changes, dueAt: now + window };
}

/** The bookkeeping of a run that has just started (by our call, or found running). */
export function nextRun(attempt: number, now: number): Pick<Task, 'attempt' | 'runStartedAt' | 'poll'> {
  return { attempt, runStartedAt: now, poll: { checks: 0, failures: 0, notFound: 0 } };
}

/** A check without an answer (status call failed) or with "not found" (counts towards LOST). */
export function decideNoAnswer(task: Pick<RunView, 'state' | 'poll'>, observation: Exclude<Observation, { kind: 'status' }>, ctx: DecisionContext): Decision {
  if (observation.kind === 'not-found') return countNotFound(task, observation.message, ctx);
  if (isFollowedWithoutWrites(task.state)) return { kind: 'no-answer' };
  return backOff(task, observation.message, ctx);
}

function backOff(task: Pick<RunView, 'poll'>, message: string, ctx: DecisionContext): Decision {
  const previous = { checks: 0, failures: 0, notFound: 0, ...task.poll };
  const poll: PollBookkeeping = { ...previous, checks: previous.checks + 1, lastCheckedAt: ctx.now, failures: previous.failures + 1, lastError: message };
  return { kind: 'reschedule', poll, dueAt: ctx.now + errorBackoffMs(poll.failures, ctx.poll, ctx.random) };
}

/** LOST needs several "not found" answers over a span of time: one 404 (a server failing over) proves nothing. */
function countNotFound(task: Pick<RunView, 'poll'>, message: string, ctx: DecisionContext): Decision {
  const { now, poll: policy } = ctx;
  const previous = { checks: 0, failures: 0, notFound: 0, ...task.poll };
  const notFoundSince = previous.notFoundSince ?? now;
  const poll: PollBookkeeping = { ...previous, checks: previous.checks + 1, lastCheckedAt: now, failures: 0, notFound: previous.notFound + 1, notFoundSince };
  if (poll.notFound >= policy.lostConfirmations && now - notFoundSince >= policy.lostMinSpanMs) {
    return {
      kind: 'transition',
      to: 'LOST',
      reason: `the backend did not know the job in ${poll.notFound} checks over ${Math.round((now - notFoundSince) / 60_000)} min: ${message}`,
      changes: { poll, error: { reason: message, source: 'backend', at: now } },
    };
  }
  const spacing = Math.max(policy.minIntervalMs, Math.ceil(policy.lostMinSpanMs / Math.max(1, policy.lostConfirmations - 1)));
  return { kind: 'reschedule', poll, dueAt: now + spacing };
}

/** ACCEPTED found by the poller: a create in flight, one whose answer was lost, or a message that never came back. */
export function decideStalledSubmission(task: Task, ctx: DecisionContext, backend: { canFindCreated: boolean } | undefined): Decision {
  const { now, poll } = ctx;
  const { create } = task;
  const none = task.poll ?? { checks: 0, failures: 0, notFound: 0 };
  if (create.startedAt !== undefined && (create.leaseUntil ?? 0) >= now) return { kind: 'reschedule', poll: none, dueAt: create.leaseUntil! + 1_000 };
  if (create.startedAt !== undefined) {
    if (backend?.canFindCreated) return { kind: 'find-create' };
    return { kind: 'hold-uncertain', reason: unrecordedCreateReason(task)! };
  }
  if (now - task.createdAt >= poll.stalledAcceptedMaxAgeMs) {
    const reason = 'its message never came back to be submitted (look in the import dead-letter queue); nothing was created at the backend';
    return { kind: 'transition', to: 'REJECTED', reason, changes: { error: { reason, source: 'bulkpilot', at: now } } };
  }
  return { kind: 'reschedule', poll: none, dueAt: now + poll.stalledAcceptedIntervalMs };
}

/** What a status tells a task to store whenever it is written. */
export function seenChanges(
  status: RemoteStatus,
): Pick<Task, 'remoteState' | 'stage' | 'progress' | 'nearEnd' | 'counters' | 'remoteEndedAt'> & { remote?: RemoteRef } {
  return {
    remoteState: status.state,
    ...(status.stage !== undefined ? { stage: status.stage } : {}),
    ...(status.progress !== undefined ? { progress: status.progress } : {}),
    nearEnd: status.nearEnd === true,
    ...(status.ref !== undefined ? { remote: status.ref } : {}),
    ...(status.counters !== undefined ? { counters: status.counters } : {}),
    ...(status.endedAt !== undefined ? { remoteEndedAt: status.endedAt } : {}),
  };
}

/**
 * The task's warnings after a status, when they changed: a warning is told apart by its code, keeps the
 * time it was first raised, and goes when the backend no longer reports it. `raised` are the new ones.
 */
export function warningsChange(
  stored: readonly TaskWarning[] | undefined,
  reported: readonly RemoteWarning[] | undefined,
  now: number,
): { changes: Pick<Task, 'warnings' | 'warnedAt'>; raised: TaskWarning[] } | undefined {
  const before = new Map((stored ?? []).map((w) => [w.code, w]));
  const after = reported ?? [];
  const same = after.length === before.size && after.every((w) => before.has(w.code));
  if (same) return undefined;
  const warnings = after.map((w) => ({ code: w.code, message: w.message, since: before.get(w.code)?.since ?? now }));
  const raised = warnings.filter((w) => !before.has(w.code));
  // An empty list is stored as no list, so a healthy task carries no attribute (replace removes undefined).
  return {
    changes: { warnings: warnings.length ? warnings : undefined, ...(raised.length ? { warnedAt: now } : {}) } as Pick<Task, 'warnings' | 'warnedAt'>,
    raised,
  };
}

export function checked(task: { poll?: Partial<PollBookkeeping> | undefined }, now: number): PollBookkeeping {
  return { checks: (task.poll?.checks ?? 0) + 1, lastCheckedAt: now, failures: 0, notFound: 0 };
}

function sameRef(a: Record<string, unknown>, b: Record<string, unknown> | undefined): boolean {
  if (!b) return false;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((k) => String(a[k]) === String(b[k]));
}

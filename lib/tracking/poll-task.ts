import { RemoteRefusedError, RemoteTaskNotFoundError, type Backend, type RemoteStatus } from '../backends/backend.ts';
import { TaskVersionConflictError } from '../store/task-store.ts';
import { transition, transitionPatch, update, type PollBookkeeping, type Task, type TransitionOptions } from '../task/task.ts';
import { holdAsUncertain, unrecordedCreateReason } from '../task/uncertain-create.ts';
import { deadlineOf, errorBackoffMs, jittered, nextCheckDelayMs } from './poll-policy.ts';
import { isFollowedWithoutWrites, type IndexedTask } from './poll-schedule.ts';
import { settleFailedTask } from './settle-failed.ts';
import type { TrackingDependencies } from './tracking-deps.ts';

/** A running task as the due index holds it: what the decisions about a running job need, without history. */
export type IndexEntryTask = IndexedTask & { history?: undefined };
const isIndexEntry = (task: Task | IndexEntryTask): task is IndexEntryTask => task.history === undefined;

/** A transition from an index entry could not be applied (the history is full): read the task and decide again. */
export class NeedsFullTaskError extends Error {
  constructor(taskId: string) {
    super(`task ${taskId}: its history is full; it is read and decided again`);
    this.name = 'NeedsFullTaskError';
  }
}

/** What the backend said about a job, once per check (a re-decision after a lost race reuses it). */
export type Observation = { kind: 'status'; status: RemoteStatus } | { kind: 'not-found'; message: string } | { kind: 'error'; message: string };

export type PollOutcome = 'changed' | 'unchanged' | 'info-failed' | 'not-found' | 'skipped';

/**
 * One due task: read it, ask the backend, decide, write. A write that loses a race re-reads the task and
 * decides again with the same observation; it never overwrites. Calls with side effects (abort, retry) are
 * made only by the state that owns them, after the write that records the intent.
 */
export async function pollTask(
  taskId: string,
  deps: TrackingDependencies,
  options: { evenIfNotDue?: boolean; observation?: Observation } = {},
): Promise<PollOutcome> {
  let observation: Observation | undefined = options.observation;
  for (let round = 0; round < 3; round++) {
    const task = await deps.store.get(taskId);
    const now = deps.clock.now();
    if (!task || task.dueAt === undefined || (task.dueAt > now && !options.evenIfNotDue)) return 'skipped';
    try {
      switch (task.state) {
        case 'ACCEPTED':
          return await checkStalledSubmission(task, deps);
        case 'FAILED':
          await settleFailedTask(task.taskId, deps);
          return 'changed';
        case 'SUBMITTED':
        case 'RUNNING':
        case 'ABORTING':
        case 'RETRY_WAIT': {
          const backend = deps.backends.get(task.backend);
          if (!backend || !task.remoteId) return 'skipped';
          observation ??= await observe(backend, task.remoteId);
          if (task.state === 'ABORTING') return await followAbort(task, observation, backend, deps);
          if (task.state === 'RETRY_WAIT') return await startRetry(task, observation, backend, deps);
          return await followRun(task, observation, backend, deps);
        }
        default:
          return 'skipped';
      }
    } catch (error) {
      if (!(error instanceof TaskVersionConflictError)) throw error;
      // The task moved on (a retry or abort may have been issued): look at the job again.
      observation = undefined;
      deps.logger.debug('lost a race; deciding again', { taskId });
    }
  }
  return 'skipped';
}

export async function observe(backend: Backend, remoteId: string): Promise<Observation> {
  try {
    return { kind: 'status', status: await backend.status(remoteId) };
  } catch (error) {
    if (error instanceof RemoteTaskNotFoundError) return { kind: 'not-found', message: error.message };
    return { kind: 'error', message: error instanceof Error ? error.message : String(error) };
  }
}

export async function followRun(task: Task | IndexEntryTask, observation: Observation, backend: Backend, deps: TrackingDependencies): Promise<PollOutcome> {
  const now = deps.clock.now();
  const deadline = deadlineOf(task, deps.settings.poll);
  const overdue = deadline !== undefined && now >= deadline;
  // Past its maximum duration the run is aborted even if the master cannot say how it is doing.
  if (observation.kind === 'error' && overdue) return abortOverdue(task, { poll: checked(task, now) }, backend, deps);
  if (observation.kind !== 'status') {
    if (isIndexEntry(task)) throw new NeedsFullTaskError(task.taskId);
    return noAnswer(task, observation, deps);
  }
  const { status } = observation;
  const seen = seenChanges(task, status);
  const poll = checked(task, now);
  switch (status.phase) {
    case 'succeeded':
      return commit(task, deps, { to: 'SUCCEEDED', reason: `backend reports ${status.state}`, changes: { ...seen, poll } });
    case 'failed':
      return commit(task, deps, {
        to: 'FAILED',
        reason: `backend reports ${status.state}${status.stage ? ` at stage ${status.stage}` : ''}`,
        changes: { ...seen, poll, error: { reason: status.message ?? `job ${status.state} at stage ${status.stage ?? '?'}`, source: 'backend', at: now } },
        dueAt: now + deps.settings.poll.failedGraceMs,
      });
    case 'aborted':
      return commit(task, deps, { to: 'ABORTED', reason: `aborted outside bulkpilot (backend reports ${status.state})`, changes: { ...seen, poll } });
  }
  if (overdue) return abortOverdue(task, { ...seen, poll }, backend, deps);
  if (task.state === 'SUBMITTED' && status.phase === 'running') {
    const dueAt = now + nextCheckDelayMs({ ...task, ...seen }, now, deps.settings.poll, deps.random);
    return commit(task, deps, {
      to: 'RUNNING',
      reason: `backend reports ${status.state}${status.stage ? ` at stage ${status.stage}` : ''}`,
      changes: { ...seen, poll },
      dueAt,
    });
  }
  // Found again after "not found" answers: the streak must not count towards LOST later.
  if ((task.poll?.notFound ?? 0) > 0) {
    if (isIndexEntry(task)) throw new NeedsFullTaskError(task.taskId);
    await deps.store.replace(
      update(task, now, deps.settings.taskPolicy, { ...seen, poll }, now + nextCheckDelayMs({ ...task, ...seen }, now, deps.settings.poll, deps.random)),
    );
    return 'changed';
  }
  // Nothing new (a stage change alone is not stored: the shard's checkpoint follows near-end stages). The
  // check times come from the task's anchor, so no write is needed.
  return 'unchanged';
}

async function abortOverdue(task: Task | IndexEntryTask, changes: Partial<Task>, backend: Backend, deps: TrackingDependencies): Promise<PollOutcome> {
  const now = deps.clock.now();
  const minutes = Math.round((task.maxDurationMs ?? deps.settings.poll.defaultMaxDurationMs) / 60_000);
  await commit(task, deps, {
    to: 'ABORTING',
    reason: `run exceeded its maximum duration of ${minutes} min; aborting`,
    changes: { ...changes, abort: { reason: 'timeout', requestedAt: now, calls: 1, lastCallAt: now } },
    dueAt: now + deps.settings.poll.abortingIntervalMs,
  });
  await callAbort(task, backend, deps);
  return 'changed';
}

async function followAbort(task: Task, observation: Observation, backend: Backend, deps: TrackingDependencies): Promise<PollOutcome> {
  const now = deps.clock.now();
  const timedOut = task.abort?.reason === 'timeout';
  const end = (reason: string, changes: Partial<Task>) =>
    commit(
      task,
      deps,
      timedOut
        ? {
            to: 'FAILED_FINAL',
            reason: `timed out: ${reason}`,
            changes: { ...changes, error: { reason: 'run exceeded its maximum duration', source: 'bulkpilot', at: now } },
          }
        : { to: 'ABORTED', reason, changes },
    );
  if (observation.kind === 'not-found') return end('the backend no longer knows the job', { poll: checked(task, now) });
  if (observation.kind === 'error') return noAnswer(task, observation, deps);
  const { status } = observation;
  const changes = { ...seenChanges(task, status), poll: checked(task, now) };
  if (status.phase === 'aborted') return end(`abort confirmed (backend reports ${status.state})`, changes);
  if (status.phase === 'failed') return end(`the job had failed before the abort took effect (${status.state})`, changes);
  if (status.phase === 'succeeded') return commit(task, deps, { to: 'SUCCEEDED', reason: `the job succeeded before the abort took effect`, changes });
  // Still running: the abort call may have been lost; repeat it now and then, never in a tight loop.
  const interval = deps.settings.poll.abortingIntervalMs;
  if (now - (task.abort?.lastCallAt ?? 0) >= 2 * interval) {
    const abort = {
      reason: task.abort?.reason ?? 'operator',
      requestedAt: task.abort?.requestedAt ?? now,
      calls: (task.abort?.calls ?? 0) + 1,
      lastCallAt: now,
    } as const;
    await deps.store.replace(update(task, now, deps.settings.taskPolicy, { ...changes, abort }, now + interval));
    await callAbort(task, backend, deps);
    return 'changed';
  }
  await deps.store.reschedule({ ...task, poll: changes.poll, dueAt: now + jittered(interval, deps.settings.poll.jitter, deps.random) });
  return 'unchanged';
}

async function startRetry(task: Task, observation: Observation, backend: Backend, deps: TrackingDependencies): Promise<PollOutcome> {
  const now = deps.clock.now();
  const policy = deps.settings.poll;
  if (observation.kind !== 'status') return noAnswer(task, observation, deps);
  const { status } = observation;
  const changes = { ...seenChanges(task, status), poll: checked(task, now) };
  const nextRun = { attempt: (task.attempt ?? 1) + 1, runStartedAt: now, poll: { checks: 0, failures: 0, notFound: 0 } };
  switch (status.phase) {
    case 'succeeded':
      return commit(task, deps, { to: 'SUCCEEDED', reason: `backend reports ${status.state}`, changes });
    case 'aborted':
      // Stopped from the console while waiting for its retry: a person's abort is not undone, unless a
      // person asked for this very retry (bulkpilot retry of an ABORTED task).
      if (!task.operatorRetry)
        return commit(task, deps, { to: 'ABORTED', reason: `aborted outside bulkpilot while waiting for a retry (backend reports ${status.state})`, changes });
      break;
    case 'running':
      // Retried from the console, or our earlier retry call took effect although its answer was lost.
      return commit(task, deps, {
        to: 'RUNNING',
        reason: `backend already runs the job again (${status.state})`,
        changes: { ...changes, ...nextRun, operatorRetry: false },
        dueAt: now + policy.firstCheckDelayMs,
      });
    case 'unknown':
      await deps.store.reschedule({ ...task, poll: changes.poll, dueAt: now + jittered(policy.abortingIntervalMs, policy.jitter, deps.random) });
      return 'unchanged';
    case 'failed':
      break;
  }
  // The claim is written before the call, conditionally: of two actors (a tick and an operator's retry),
  // only one calls. A claim left by a call whose answer was lost is honoured for a while, then renewed.
  if (task.retryCall && now - task.retryCall.at < 2 * policy.abortingIntervalMs) {
    await deps.store.reschedule({ ...task, poll: changes.poll, dueAt: task.retryCall.at + 2 * policy.abortingIntervalMs });
    return 'unchanged';
  }
  const claimed = update(
    task,
    now,
    deps.settings.taskPolicy,
    { ...changes, retryCall: { at: now, attempt: nextRun.attempt } },
    now + 2 * policy.abortingIntervalMs,
  );
  await deps.store.replace(claimed);
  try {
    await backend.retry(task.remoteId!);
  } catch (error) {
    if (error instanceof RemoteTaskNotFoundError) return noAnswer(claimed, { kind: 'not-found', message: error.message }, deps);
    if (error instanceof RemoteRefusedError) {
      return commit(claimed, deps, {
        to: 'FAILED_FINAL',
        reason: `the backend refused to retry the job: ${error.backendMessage}`,
        changes: { error: { reason: `retry refused: ${error.backendMessage}`, source: 'backend', at: now } },
      });
    }
    // No answer: the next check (after the claim's wait) sees whether the job runs again.
    deps.logger.warn('retry call failed; the next check sees whether it took effect', { taskId: task.taskId, remoteId: task.remoteId, error });
    return 'info-failed';
  }
  deps.metrics?.count('TasksRetried');
  return recordStartedRetry(claimed, nextRun, deps);
}

/**
 * The master's retry was called and answered: the new run exists whatever happened to the task meanwhile.
 * A lost race (an operator's "retry now" landing during the call) must not send the decision round again —
 * a re-decision would see the claim, wait, and call retry a second time for the same wait. While the task
 * still holds this very claim, the run is recorded on it; if it moved on (aborted, deleted), its new owner
 * decides.
 */
async function recordStartedRetry(claimed: Task, nextRun: Pick<Task, 'attempt' | 'runStartedAt' | 'poll'>, deps: TrackingDependencies): Promise<PollOutcome> {
  const claim = claimed.retryCall!;
  let task = claimed;
  for (let round = 0; round < 3; round++) {
    try {
      return await commit(task, deps, {
        to: 'RUNNING',
        reason: `retry ${nextRun.attempt} started at the backend`,
        changes: { ...nextRun, operatorRetry: false },
        dueAt: deps.clock.now() + deps.settings.poll.firstCheckDelayMs,
      });
    } catch (error) {
      if (!(error instanceof TaskVersionConflictError)) throw error;
      const current = error.current;
      if (!current || current.state !== 'RETRY_WAIT' || current.retryCall?.at !== claim.at || current.retryCall.attempt !== claim.attempt) {
        deps.logger.warn('retry started at the backend, but the task moved on meanwhile; its new state decides', {
          taskId: claimed.taskId,
          remoteId: claimed.remoteId,
          state: current?.state,
        });
        return 'changed';
      }
      task = current;
    }
  }
  throw new TaskVersionConflictError(claimed.taskId, task.version, task);
}

/** A check without an answer (status call failed) or with "not found" (counts towards LOST). */
async function noAnswer(task: Task, observation: Exclude<Observation, { kind: 'status' }>, deps: TrackingDependencies): Promise<PollOutcome> {
  const now = deps.clock.now();
  const policy = deps.settings.poll;
  const previous = task.poll ?? { checks: 0, failures: 0, notFound: 0 };
  if (observation.kind === 'error' && isFollowedWithoutWrites(task.state)) return 'info-failed'; // the tick's checkpoint counts it
  if (observation.kind === 'error') {
    const poll: PollBookkeeping = {
      ...previous,
      checks: previous.checks + 1,
      lastCheckedAt: now,
      failures: previous.failures + 1,
      lastError: observation.message,
    };
    await deps.store.reschedule({ ...task, poll, dueAt: now + errorBackoffMs(poll.failures, policy, deps.random) });
    return 'info-failed';
  }
  const notFoundSince = previous.notFoundSince ?? now;
  const poll: PollBookkeeping = { ...previous, checks: previous.checks + 1, lastCheckedAt: now, failures: 0, notFound: previous.notFound + 1, notFoundSince };
  if (poll.notFound >= policy.lostConfirmations && now - notFoundSince >= policy.lostMinSpanMs) {
    await commit(task, deps, {
      to: 'LOST',
      reason: `the backend did not know the job in ${poll.notFound} checks over ${Math.round((now - notFoundSince) / 60_000)} min: ${observation.message}`,
      changes: { poll, error: { reason: observation.message, source: 'backend', at: now } },
    });
    return 'changed';
  }
  const spacing = Math.max(policy.minIntervalMs, Math.ceil(policy.lostMinSpanMs / Math.max(1, policy.lostConfirmations - 1)));
  await deps.store.reschedule({ ...task, poll, dueAt: now + spacing });
  return 'not-found';
}

/** A submission whose create never recorded an outcome and whose message did not come back to settle it. */
async function checkStalledSubmission(task: Task, deps: TrackingDependencies): Promise<PollOutcome> {
  const now = deps.clock.now();
  const { create } = task;
  if (create.startedAt !== undefined && (create.leaseUntil ?? 0) >= now) {
    await deps.store.reschedule({ ...task, dueAt: create.leaseUntil! + 1_000 });
    return 'unchanged';
  }
  const unrecorded = unrecordedCreateReason(task);
  if (unrecorded !== undefined) {
    await deps.store.replace(holdAsUncertain(task, unrecorded, now, deps.settings.taskPolicy));
    deps.logger.error('create outcome unknown: task held as UNCERTAIN for an operator', {
      taskId: task.taskId,
      requestId: task.requestId,
      backend: task.backend,
      reason: unrecorded,
    });
    deps.metrics?.count('TasksUncertain');
    return 'changed';
  }
  if (create.startedAt === undefined && now - task.createdAt >= deps.settings.poll.stalledAcceptedMaxAgeMs) {
    const reason = `its message never came back to be submitted (look in the import dead-letter queue); nothing was created at the backend`;
    return commit(task, deps, { to: 'REJECTED', reason, changes: { error: { reason, source: 'bulkpilot', at: now } } });
  }
  await deps.store.reschedule({ ...task, dueAt: now + deps.settings.poll.stalledAcceptedIntervalMs });
  return 'unchanged';
}

async function callAbort(task: Pick<Task, 'taskId' | 'remoteId'>, backend: Backend, deps: TrackingDependencies): Promise<void> {
  try {
    await backend.abort(task.remoteId!);
  } catch (error) {
    // The next check sees whether the job still runs and calls again if so.
    deps.logger.warn('abort call failed; it is repeated while the job runs', { taskId: task.taskId, remoteId: task.remoteId, error });
  }
}

async function commit(task: Task | IndexEntryTask, deps: TrackingDependencies, options: Omit<TransitionOptions, 'now' | 'policy'>): Promise<PollOutcome> {
  const transitionOptions = { ...options, now: deps.clock.now(), policy: deps.settings.taskPolicy };
  let next: Pick<Task, 'state'>;
  if (isIndexEntry(task)) {
    // Known by its index entry only: one conditional update, no read (a full history needs the read).
    const patch = transitionPatch(task, transitionOptions);
    if (!(await deps.store.applyTransition(patch))) throw new NeedsFullTaskError(task.taskId);
    next = { state: options.to };
  } else {
    const full = transition(task, transitionOptions);
    await deps.store.replace(full);
    next = full;
  }
  // Terminal states are counted once, by the notify function; FAILED is counted here.
  if (next.state === 'FAILED') deps.metrics?.count('TasksFailed');
  deps.logger.info('task state changed', {
    taskId: task.taskId,
    requestId: task.requestId,
    backend: task.backend,
    remoteId: task.remoteId,
    from: task.state,
    to: next.state,
    reason: options.reason,
  });
  return 'changed';
}

function seenChanges(task: Pick<Task, 'stage'>, status: RemoteStatus): Pick<Task, 'remoteState' | 'stage'> {
  return { remoteState: status.state, ...(status.stage !== undefined ? { stage: status.stage } : task.stage !== undefined ? { stage: task.stage } : {}) };
}

function checked(task: { poll?: Partial<PollBookkeeping> | undefined }, now: number): PollBookkeeping {
  return { checks: (task.poll?.checks ?? 0) + 1, lastCheckedAt: now, failures: 0, notFound: 0 };
}

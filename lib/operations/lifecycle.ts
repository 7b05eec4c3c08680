import { type Backend, type RemoteRef, RemoteRefusedError, RemoteTaskNotFoundError } from '../backends/backend.ts';
import { TaskVersionConflictError } from '../store/task-store.ts';
import { isTerminal } from '../task/states.ts';
import { type Task, transition, update } from '../task/task.ts';
import { recordCreated } from '../task/uncertain-create.ts';
import { pollTask, refOf } from '../tracking/poll-task.ts';
import type { TrackingDependencies } from '../tracking/tracking-deps.ts';
import { BackendUnavailableError, OperationRefusedError } from './errors.ts';
import { findTask } from './find-task.ts';

/**
 * What an operator can do to a task. Each operation reads the task, checks that its state allows it,
 * writes its intent conditionally on the version read (so it is safe beside the poller and the retry
 * function; a lost race is retried from a fresh read), and only then calls the backend.
 */
export interface OperationResult {
  task: Task;
  /** One line for people: what happened, and what follows on its own. */
  message: string;
}

const activeStates = new Set(['SUBMITTED', 'RUNNING', 'RETRY_WAIT', 'FAILED', 'ABORTING']);

export async function abortTask(id: string, deps: TrackingDependencies): Promise<OperationResult> {
  return withFreshRead(id, deps, async (task) => {
    // Waiting for a slot: no job exists yet; the task leaves the line (its slots, if reserved, come back).
    if (task.state === 'WAITING') {
      const aborted = transition(task, {
        to: 'ABORTED',
        reason: 'aborted by an operator while waiting for a slot',
        now: deps.clock.now(),
        policy: deps.settings.taskPolicy,
        by: 'operator',
      });
      delete aborted.requestBody;
      await deps.store.replace(aborted);
      return { task: aborted, message: `task ${task.taskId}: left the waiting line, now ABORTED` };
    }
    const { backend, ref } = requireJob(task, deps, 'abort');
    if (!activeStates.has(task.state)) throw new OperationRefusedError(`task ${task.taskId} is ${task.state}: there is nothing to abort`);
    await requireReachable(backend, ref, task);
    if (task.state === 'ABORTING') {
      await callLoudly(() => backend.abort(ref), task, 'the abort is recorded and the poller repeats it while the job runs');
      return settle(task.taskId, deps, 'abort asked again');
    }
    await recordAbortIntent(task, 'abort requested by an operator', deps);
    await callLoudly(() => backend.abort(ref), task, 'the abort is recorded and the poller repeats it while the job runs');
    return settle(task.taskId, deps, 'abort requested');
  });
}

export async function retryTask(id: string, deps: TrackingDependencies): Promise<OperationResult> {
  return withFreshRead(id, deps, async (task) => {
    const { backend, ref } = requireJob(task, deps, 'retry');
    const reasons: Partial<Record<Task['state'], string>> = {
      SUCCEEDED: 'it succeeded; there is nothing to retry',
      REJECTED: 'a rejected request is never retried: fix it and submit it with a new requestId',
      LOST: 'the backend no longer knows its job; submit the request again with a new requestId',
      UNCERTAIN: 'settle it first (bulkpilot settle)',
      ACCEPTED: 'it is being submitted',
      SUBMITTED: 'it is running',
      RUNNING: 'it is running',
      ABORTING: 'an abort is in progress',
    };
    const refusal = reasons[task.state];
    if (refusal) throw new OperationRefusedError(`task ${task.taskId} is ${task.state}: ${refusal}`);
    if (task.deletedAt) throw new OperationRefusedError(`task ${task.taskId} was deleted: its job is gone from the backend`);
    if (backend.capabilities.rerun === 'none')
      throw new OperationRefusedError(
        `task ${task.taskId}: backend ${backend.id} cannot run a failed job again; submit the request again with a new requestId`,
      );
    await requireReachable(backend, ref, task);
    const now = deps.clock.now();
    if (task.state === 'RETRY_WAIT') {
      // Already waiting for its retry: bring the retry forward instead of starting a new round.
      await deps.store.replace(update(task, now, deps.settings.taskPolicy, { nextAttemptAt: now }, now));
      return settle(task.taskId, deps, 'retry brought forward');
    }
    // A manual retry starts a fresh round: the retry policy counts attempts from here.
    await deps.store.replace(
      transition(task, {
        to: 'RETRY_WAIT',
        reason: 'manual retry requested by an operator (fresh attempts)',
        now,
        policy: deps.settings.taskPolicy,
        by: 'operator',
        changes: { attempt: 0, nextAttemptAt: now, operatorRetry: true },
        dueAt: now,
      }),
    );
    return settle(task.taskId, deps, 'retry requested');
  });
}

/**
 * Deletes the job at the backend and marks the task deleted. The record is kept (until its TTL) rather
 * than removed: it still holds the requestId, so a late redelivery of the original message cannot start
 * the same load again, and the history stays readable.
 */
export async function deleteTask(id: string, deps: TrackingDependencies, options: { force?: boolean } = {}): Promise<OperationResult> {
  return withFreshRead(id, deps, async (task) => {
    if (task.deletedAt) return { task, message: `task ${task.taskId} was already deleted` };
    if (task.state === 'WAITING')
      throw new OperationRefusedError(`task ${task.taskId} is WAITING for a slot: abort it first (it leaves the line), then delete`);
    if (task.state === 'ACCEPTED' || task.state === 'UNCERTAIN') {
      throw new OperationRefusedError(
        `task ${task.taskId} is ${task.state}: it has no known job at the backend; ${task.state === 'UNCERTAIN' ? 'settle it first (bulkpilot settle)' : 'wait for its submission'}`,
      );
    }
    const active = activeStates.has(task.state);
    if (active && !options.force) {
      throw new OperationRefusedError(`task ${task.taskId} is ${task.state}: abort it first, or delete with --force (aborts, then deletes)`);
    }
    const backend = task.remoteId || task.remote ? deps.backends.forTask(task) : undefined;
    if ((task.remoteId || task.remote) && !backend)
      throw new OperationRefusedError(`task ${task.taskId}: its target ${task.target ?? task.backend} is not configured here`);
    const ref = backend ? refOf(task, backend) : undefined;
    if (backend && ref) await requireReachable(backend, ref, task);
    if (active && backend && ref) {
      // The intent first, as for an abort: the poller then follows the abort whatever happens below.
      await recordAbortIntent(task, 'delete --force requested by an operator: aborting first', deps);
      await callQuietly(() => backend.abort(ref));
    }
    if (backend?.delete && ref) {
      try {
        await backend.delete(ref);
      } catch (error) {
        if (error instanceof RemoteRefusedError && active) {
          throw new BackendUnavailableError(
            `task ${task.taskId}: aborted, but the backend refused the delete (${error.backendMessage}); the task stays ABORTING and is followed to ABORTED — delete it again then`,
          );
        }
        if (!(error instanceof RemoteTaskNotFoundError)) throw error; // already gone at the backend
      }
    }
    const where = !ref
      ? ''
      : backend?.delete
        ? ` (job ${task.remoteId} deleted at the backend)`
        : ` (backend ${backend?.id} keeps its jobs: job ${task.remoteId} stays in its history)`;
    return markDeleted(task.taskId, deps, `task ${task.taskId} deleted${where}`);
  });
}

/**
 * Records a delete that already happened at the backend. A lost race (the poller saw the abort land)
 * re-reads and writes again, but never repeats the backend calls: withFreshRead would.
 */
async function markDeleted(taskId: string, deps: TrackingDependencies, done: string): Promise<OperationResult> {
  const policy = deps.settings.taskPolicy;
  for (let round = 0; ; round++) {
    const current = await findTask(deps.store, taskId);
    const now = deps.clock.now();
    const retention = { expiresAt: Math.floor(now / 1000) + policy.retentionDays * 86_400 };
    const next = isTerminal(current.state)
      ? update(current, now, policy, { deletedAt: now })
      : transition(current, {
          to: 'ABORTED',
          reason: 'deleted by an operator (--force): aborted and deleted at the backend',
          now,
          policy,
          changes: { deletedAt: now },
        });
    try {
      await deps.store.replace({ ...next, ...retention });
      return { task: { ...next, ...retention }, message: `${done}; its record is kept until ${new Date(retention.expiresAt * 1000).toISOString()}` };
    } catch (error) {
      if (!(error instanceof TaskVersionConflictError)) throw error;
      // Not a conflict to the caller: withFreshRead would call the backend again.
      if (round >= 2)
        throw new OperationRefusedError(`task ${taskId}: its job is deleted at the backend, but the task kept changing; run delete again to mark it`);
    }
  }
}

/** Settles an UNCERTAIN task: the operator found its job (its id as the backend shows it), or gives it up. */
export async function settleTask(id: string, deps: TrackingDependencies, decision: { job: string } | { giveUp: true }): Promise<OperationResult> {
  return withFreshRead(id, deps, async (task) => {
    if (task.state !== 'UNCERTAIN') throw new OperationRefusedError(`task ${task.taskId} is ${task.state}: only an UNCERTAIN task needs settling`);
    const now = deps.clock.now();
    const policy = deps.settings.taskPolicy;
    if ('giveUp' in decision) {
      const next = transition(task, { to: 'FAILED_FINAL', reason: 'given up by an operator after an uncertain create', now, policy });
      await deps.store.replace(next);
      return { task: next, message: `task ${task.taskId} given up (FAILED_FINAL)` };
    }
    const backend = deps.backends.forTask(task);
    if (!backend) throw new OperationRefusedError(`task ${task.taskId}: its target ${task.target ?? task.backend} is not configured here`);
    let ref: RemoteRef;
    try {
      ref = backend.parseRef(decision.job);
    } catch (error) {
      throw new OperationRefusedError(`--job: ${(error as Error).message}`);
    }
    const label = backend.describeRef(ref);
    const status = await backend.status(ref).catch((error: unknown) => {
      if (error instanceof RemoteTaskNotFoundError) throw new OperationRefusedError(`the backend does not know ${label}; check the id`);
      throw error;
    });
    const next = recordCreated(
      task,
      { ref, label },
      {
        reason: `settled by an operator: the job is ${label} (backend reports ${status.state})`,
        now,
        policy,
        dueAt: now,
        changes: { remoteState: status.state },
      },
    );
    await deps.store.replace(next);
    return settle(task.taskId, deps, `settled as ${label}`);
  });
}

/** ABORTING with an operator's abort, written before the backend is asked (a task already ABORTING stays). */
async function recordAbortIntent(task: Task, reason: string, deps: TrackingDependencies): Promise<void> {
  if (task.state === 'ABORTING') return;
  const now = deps.clock.now();
  await deps.store.replace(
    transition(task, {
      to: 'ABORTING',
      reason,
      now,
      policy: deps.settings.taskPolicy,
      changes: { abort: { reason: 'operator', requestedAt: now, calls: 1, lastCallAt: now } },
      dueAt: now + deps.settings.poll.abortingIntervalMs,
    }),
  );
}

function requireJob(task: Task, deps: TrackingDependencies, what: string): { backend: Backend; ref: RemoteRef } {
  if (!task.remoteId && !task.remote) throw new OperationRefusedError(`task ${task.taskId} is ${task.state} and has no job at the backend to ${what}`);
  const backend = deps.backends.forTask(task);
  if (!backend) throw new OperationRefusedError(`task ${task.taskId}: its target ${task.target ?? task.backend} is not configured here`);
  return { backend, ref: refOf(task, backend)! };
}

/** Checks the task at once instead of waiting for the poller, so the operator sees the outcome. */
async function settle(taskId: string, deps: TrackingDependencies, what: string): Promise<OperationResult> {
  await pollTask(taskId, deps, { evenIfNotDue: true });
  const task = (await deps.store.get(taskId))!;
  const follows = isTerminal(task.state) ? '' : '; the poller follows it from here';
  return { task, message: `task ${taskId}: ${what}, now ${task.state}${follows}` };
}

/** Asks the backend before anything is written, so an unreachable backend leaves the task as it was. */
async function requireReachable(backend: Backend, ref: RemoteRef, task: Task): Promise<void> {
  try {
    await backend.status(ref);
  } catch (error) {
    if (error instanceof RemoteTaskNotFoundError || error instanceof RemoteRefusedError) return;
    throw new BackendUnavailableError(
      `cannot reach the backend for task ${task.taskId}; nothing was changed: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}

/**
 * Abort calls are repeatable: a refusal (the job is not running) is left to the check that follows. A
 * failure to reach the backend after the intent was written is reported, saying what happens next.
 */
async function callLoudly(call: () => Promise<void>, task: Task, next: string): Promise<void> {
  try {
    await call();
  } catch (error) {
    if (error instanceof RemoteRefusedError || error instanceof RemoteTaskNotFoundError) return;
    throw new BackendUnavailableError(`task ${task.taskId}: the backend call failed (${error instanceof Error ? error.message : String(error)}); ${next}`, {
      cause: error,
    });
  }
}

/** For delete --force: the abort only clears the way; the delete that follows reports any failure. */
async function callQuietly(call: () => Promise<void>): Promise<void> {
  try {
    await call();
  } catch {
    // the delete call right after says whether the job could be removed
  }
}

async function withFreshRead(id: string, deps: TrackingDependencies, operation: (task: Task) => Promise<OperationResult>): Promise<OperationResult> {
  for (let round = 0; ; round++) {
    const task = await findTask(deps.store, id);
    try {
      return await operation(task);
    } catch (error) {
      if (!(error instanceof TaskVersionConflictError) || round >= 2) throw error;
    }
  }
}

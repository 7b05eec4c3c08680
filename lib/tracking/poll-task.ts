import { type Backend, type RemoteRef, RemoteRefusedError, RemoteTaskNotFoundError } from '../backends/backend.ts';
import { TaskVersionConflictError } from '../store/task-store.ts';
import { type Task, type TransitionOptions, transition, transitionPatch, update } from '../task/task.ts';
import { createMarker, holdAsUncertain, lookupGaveUp, readLookup, recordCreated, rerunMarker } from '../task/uncertain-create.ts';
import {
  type Decision,
  type DecisionContext,
  decideAbort,
  decideNoAnswer,
  decideRetryWait,
  decideRun,
  decideStalledSubmission,
  nextRun,
  type Observation,
  rerunClaimWindowMs,
} from './decisions.ts';
import type { IndexedTask } from './poll-schedule.ts';
import { settleFailedTask } from './settle-failed.ts';
import type { TrackingDependencies } from './tracking-deps.ts';

export type { Observation } from './decisions.ts';

/** A running task as the due index holds it: what the decisions about a running job need, without history. */
export type IndexEntryTask = IndexedTask & { history?: undefined };
const isIndexEntry = (task: Task | IndexEntryTask): task is IndexEntryTask => task.history === undefined;

/** A decision from an index entry that needs the whole task (its history is full, or it writes more than a transition). */
export class NeedsFullTaskError extends Error {
  constructor(taskId: string) {
    super(`task ${taskId}: it is read and decided again`);
    this.name = 'NeedsFullTaskError';
  }
}

export type PollOutcome = 'changed' | 'unchanged' | 'no-answer' | 'not-found' | 'skipped';

export interface PollCallOptions {
  evenIfNotDue?: boolean;
  observation?: Observation;
  /** Cuts every backend call at the invocation's deadline. */
  signal?: AbortSignal;
}

/**
 * One due task: read it, ask the backend, decide, write. A write that loses a race re-reads the task and
 * decides again with the same observation; it never overwrites. Calls with side effects (abort, rerun) are
 * made only by the state that owns them, after the write that records the intent.
 */
export async function pollTask(taskId: string, deps: TrackingDependencies, options: PollCallOptions = {}): Promise<PollOutcome> {
  let observation: Observation | undefined = options.observation;
  for (let round = 0; round < 3; round++) {
    const task = await deps.store.get(taskId);
    const now = deps.clock.now();
    if (!task || task.dueAt === undefined || (task.dueAt > now && !options.evenIfNotDue)) return 'skipped';
    const backend = deps.backends.forTask(task);
    try {
      switch (task.state) {
        case 'ACCEPTED':
          return await apply(
            task,
            decideStalledSubmission(task, context(deps), backend ? { canFindCreated: backend.findCreated !== undefined } : undefined),
            backend,
            undefined,
            deps,
            options.signal,
          );
        case 'FAILED':
          await settleFailedTask(task.taskId, deps);
          return 'changed';
        case 'SUBMITTED':
        case 'RUNNING':
        case 'ABORTING':
        case 'RETRY_WAIT': {
          const ref = backend ? refOf(task, backend) : undefined;
          if (!backend || !ref) return 'skipped';
          observation ??= await observe(backend, ref, options.signal, task.counters);
          const ctx = context(deps);
          const decision =
            task.state === 'ABORTING'
              ? decideAbort(task, observation, ctx)
              : task.state === 'RETRY_WAIT'
                ? decideRetryWait(task, observation, ctx, {
                    capabilities: backend.capabilities,
                    timing: backend.timing,
                    canFindCreated: backend.findCreated !== undefined,
                  })
                : decideRun(task, observation, ctx);
          return await apply(task, decision, backend, observation, deps, options.signal);
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

/** The reference of a task's job (tasks written before references were records carry only its id). */
export function refOf(task: Pick<Task, 'remote' | 'remoteId'>, backend: Backend): RemoteRef | undefined {
  if (task.remote) return task.remote;
  return task.remoteId ? backend.parseRef(task.remoteId) : undefined;
}

/** One status call; `counters` are the task's stored ones, for a backend that judges health by their change. */
export async function observe(backend: Backend, ref: RemoteRef, signal?: AbortSignal, counters?: Record<string, number>): Promise<Observation> {
  try {
    return { kind: 'status', status: await backend.status(ref, { ...(signal ? { signal } : {}), ...(counters ? { previous: { counters } } : {}) }) };
  } catch (error) {
    if (error instanceof RemoteTaskNotFoundError) return { kind: 'not-found', message: error.message };
    return { kind: 'error', message: error instanceof Error ? error.message : String(error) };
  }
}

export function context(deps: TrackingDependencies): DecisionContext {
  return { now: deps.clock.now(), poll: deps.settings.poll, random: deps.random };
}

/**
 * Carries a decision out. A task known only by its index entry takes only a transition (one conditional
 * update); anything else needs the task read (NeedsFullTaskError).
 */
export async function apply(
  task: Task | IndexEntryTask,
  decision: Decision,
  backend: Backend | undefined,
  observation: Observation | undefined,
  deps: TrackingDependencies,
  signal: AbortSignal | undefined,
): Promise<PollOutcome> {
  const quiet: PollOutcome = observation?.kind === 'error' ? 'no-answer' : observation?.kind === 'not-found' ? 'not-found' : 'unchanged';
  switch (decision.kind) {
    case 'none':
      return 'unchanged';
    case 'no-answer':
      return 'no-answer';
    case 'transition':
      return commit(task, deps, {
        to: decision.to,
        reason: decision.reason,
        changes: decision.changes,
        ...(decision.clear ? { clear: decision.clear } : {}),
        ...(decision.dueAt === undefined ? {} : { dueAt: decision.dueAt }),
      });
    case 'abort-overdue':
      await commit(task, deps, { to: 'ABORTING', reason: decision.reason, changes: decision.changes, dueAt: decision.dueAt });
      await callAbort(task, backend!, deps, signal);
      return 'changed';
  }
  if (isIndexEntry(task)) throw new NeedsFullTaskError(task.taskId);
  const now = deps.clock.now();
  const policy = deps.settings.taskPolicy;
  switch (decision.kind) {
    case 'update': {
      // A reference that says more now (the job's cluster, found) gives the job id people see, too.
      const label = decision.changes.remote && backend ? backend.describeRef(decision.changes.remote) : undefined;
      await deps.store.replace(update(task, now, policy, { ...decision.changes, ...(label ? { remoteId: label } : {}) }, decision.dueAt));
      for (const warning of decision.raised ?? []) {
        deps.metrics?.count('TaskWarnings', 1, dimensionsOf(task));
        deps.logger.warn('the backend says the job is not doing its work', {
          taskId: task.taskId,
          requestId: task.requestId,
          remoteId: task.remoteId,
          warning,
        });
      }
      return 'changed';
    }
    case 'reschedule':
      await deps.store.reschedule({ ...task, poll: decision.poll, dueAt: decision.dueAt });
      return quiet;
    case 'repeat-abort':
      await deps.store.replace(update(task, now, policy, decision.changes, decision.dueAt));
      await callAbort(task, backend!, deps, signal);
      return 'changed';
    case 'rerun':
      return rerun(task, decision, backend!, deps, signal);
    case 'find-rerun':
      return findRerun(task, decision, backend!, deps, signal);
    case 'find-create':
      return findCreate(task, backend!, deps, signal);
    case 'hold-uncertain':
      await deps.store.replace(holdAsUncertain(task, decision.reason, now, policy));
      deps.logger.error('create outcome unknown: task held as UNCERTAIN for an operator', {
        taskId: task.taskId,
        requestId: task.requestId,
        target: task.target,
        reason: decision.reason,
      });
      deps.metrics?.count('TasksUncertain', 1, dimensionsOf(task));
      return 'changed';
  }
}

/** The claim is written before the call, conditionally: of two actors (a tick and an operator's retry), only one calls. */
async function rerun(
  task: Task,
  decision: Extract<Decision, { kind: 'rerun' }>,
  backend: Backend,
  deps: TrackingDependencies,
  signal: AbortSignal | undefined,
): Promise<PollOutcome> {
  const now = deps.clock.now();
  const claimed = update(task, now, deps.settings.taskPolicy, { ...decision.changes, retryCall: decision.claim }, decision.dueAt);
  await deps.store.replace(claimed);
  let ref: RemoteRef;
  try {
    ref = await backend.rerun!(
      refOf(task, backend)!,
      task.params,
      { marker: rerunMarker(task.taskId, decision.claim.attempt), startedAt: now },
      signal ? { signal } : {},
    );
  } catch (error) {
    if (error instanceof RemoteTaskNotFoundError) {
      const observation = { kind: 'not-found' as const, message: error.message };
      return apply(claimed, decideNoAnswer(claimed, observation, context(deps)), backend, observation, deps, signal);
    }
    if (error instanceof RemoteRefusedError) {
      return commit(claimed, deps, {
        to: 'FAILED_FINAL',
        reason: `the backend refused to run the job again: ${error.backendMessage}`,
        changes: { error: { reason: `retry refused: ${error.backendMessage}`, source: 'backend', at: now } },
        clear: ['retryCall'],
      });
    }
    // No answer: the next check (after the claim's window) sees whether it took effect.
    deps.logger.warn('retry call failed; the next check sees whether it took effect', { taskId: task.taskId, remoteId: task.remoteId, error });
    return 'no-answer';
  }
  deps.metrics?.count('TasksRetried', 1, dimensionsOf(task));
  return recordStartedRun(claimed, ref, backend, deps, runReason(`retry ${decision.claim.attempt} started at the backend`, task, backend.describeRef(ref)));
}

/** Names the run's job; a resubmit's new job and the one it replaces both, so the history keeps every run. */
function runReason(what: string, task: Pick<Task, 'remoteId'>, label: string, after = ''): string {
  if (!task.remoteId || task.remoteId === label) return `${what} (${label})${after}`;
  return `${what} as ${label}${after} (a new job; ${task.remoteId} is kept as it ended)`;
}

/** A resubmit whose answer was lost: adopt the new job if the backend has it, call again once it proves there is none. */
async function findRerun(
  task: Task,
  decision: Extract<Decision, { kind: 'find-rerun' }>,
  backend: Backend,
  deps: TrackingDependencies,
  signal: AbortSignal | undefined,
): Promise<PollOutcome> {
  const { claim } = decision;
  const result = await lookUp(backend, task.params, rerunMarker(task.taskId, claim.attempt), claim.at, signal);
  const now = deps.clock.now();
  const reading = readLookup(result, { startedAt: claim.at, boundMs: backend.timing.commandMs }, now);
  if ('adopt' in reading)
    return recordStartedRun(
      task,
      reading.adopt,
      backend,
      deps,
      runReason(`retry ${claim.attempt} found at the backend`, task, backend.describeRef(reading.adopt), ' after its answer was lost'),
    );
  if ('absent' in reading) {
    deps.logger.warn('the lost retry created nothing; retrying again', { taskId: task.taskId, attempt: claim.attempt, reason: reading.absent });
    return rerun(
      task,
      { kind: 'rerun', claim: { at: now, attempt: claim.attempt }, changes: { poll: decision.poll }, dueAt: now + rerunClaimWindowMs(backend.timing) },
      backend,
      deps,
      signal,
    );
  }
  await deps.store.reschedule({ ...task, poll: decision.poll, dueAt: now + deps.settings.poll.abortingIntervalMs });
  return 'unchanged';
}

/** A create whose answer was lost, and whose message did not come back first: the backend is asked for its job. */
async function findCreate(task: Task, backend: Backend, deps: TrackingDependencies, signal: AbortSignal | undefined): Promise<PollOutcome> {
  const startedAt = task.create.startedAt!;
  const result = await lookUp(backend, task.params, createMarker(task.taskId, task.create.attempts), startedAt, signal);
  const now = deps.clock.now();
  const policy = deps.settings.taskPolicy;
  const reading = readLookup(result, { startedAt, boundMs: backend.timing.createMs }, now);
  if ('adopt' in reading) {
    const label = backend.describeRef(reading.adopt);
    await deps.store.replace(
      recordCreated(
        task,
        { ref: reading.adopt, label },
        { reason: `created at the backend as ${label} (found after its answer was lost)`, now, policy, dueAt: now + deps.settings.poll.firstCheckDelayMs },
      ),
    );
    deps.logger.info('lost create found at the backend', { taskId: task.taskId, remoteId: label });
    return 'changed';
  }
  if ('absent' in reading) {
    // Nothing was created: the claim is released, and the message's next delivery creates the job.
    await deps.store.replace(
      update(
        task,
        now,
        policy,
        { create: { attempts: task.create.attempts, lastError: `the lost create made no job (${reading.absent})` } },
        now + deps.settings.poll.stalledAcceptedIntervalMs,
      ),
    );
    return 'changed';
  }
  if (lookupGaveUp(startedAt, now)) {
    const reason = `the backend could not say for ${Math.round((now - startedAt) / 3_600_000)} h whether create attempt ${task.create.attempts} made a job (${reading.wait})`;
    await deps.store.replace(holdAsUncertain(task, reason, now, policy));
    deps.logger.error('create outcome unknown: task held as UNCERTAIN for an operator', {
      taskId: task.taskId,
      requestId: task.requestId,
      target: task.target,
      reason,
    });
    deps.metrics?.count('TasksUncertain', 1, dimensionsOf(task));
    return 'changed';
  }
  await deps.store.reschedule({ ...task, dueAt: now + deps.settings.poll.abortingIntervalMs });
  return 'unchanged';
}

async function lookUp(backend: Backend, params: unknown, marker: string, startedAt: number, signal: AbortSignal | undefined) {
  try {
    return await backend.findCreated!(params, { marker, startedAt }, signal ? { signal } : {});
  } catch (error) {
    return { unknown: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * The backend runs the job again and said so: the new run exists whatever happened to the task meanwhile.
 * A lost race (an operator's "retry now" landing during the call) must not send the decision round again —
 * a re-decision would call a second time for the same attempt. While the task still holds this very claim,
 * the run is recorded on it; if it moved on (aborted, deleted), its new owner decides.
 */
async function recordStartedRun(claimed: Task, ref: RemoteRef, backend: Backend, deps: TrackingDependencies, reason: string): Promise<PollOutcome> {
  const claim = claimed.retryCall!;
  // The run began when the call was claimed: a run found after its lost answer keeps its deadline from then.
  const run = { ...nextRun(claim.attempt, Math.min(claim.at, deps.clock.now())), remote: ref, remoteId: backend.describeRef(ref), operatorRetry: false };
  let task = claimed;
  for (let round = 0; round < 3; round++) {
    try {
      return await commit(task, deps, {
        to: 'RUNNING',
        reason,
        changes: run,
        // A new run: the last run's failure, backend state and stage are history now, not its present.
        clear: ['retryCall', 'error', 'remoteState', 'stage', 'progress', 'nearEnd'],
        dueAt: deps.clock.now() + deps.settings.poll.firstCheckDelayMs,
      });
    } catch (error) {
      if (!(error instanceof TaskVersionConflictError)) throw error;
      const current = error.current;
      if (!current || current.state !== 'RETRY_WAIT' || current.retryCall?.at !== claim.at || current.retryCall.attempt !== claim.attempt) {
        deps.logger.warn('the job runs again at the backend, but the task moved on meanwhile; its new state decides', {
          taskId: claimed.taskId,
          remoteId: run.remoteId,
          state: current?.state,
        });
        return 'changed';
      }
      task = current;
    }
  }
  throw new TaskVersionConflictError(claimed.taskId, task.version, task);
}

async function callAbort(
  task: Pick<Task, 'taskId' | 'remote' | 'remoteId'>,
  backend: Backend,
  deps: TrackingDependencies,
  signal: AbortSignal | undefined,
): Promise<void> {
  try {
    await backend.abort(refOf(task, backend)!, signal ? { signal } : {});
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
  if (next.state === 'FAILED') deps.metrics?.count('TasksFailed', 1, dimensionsOf(task));
  deps.logger.info('task state changed', {
    taskId: task.taskId,
    requestId: task.requestId,
    target: task.target,
    backend: task.backend,
    remoteId: options.changes?.remoteId ?? task.remoteId,
    from: task.state,
    to: next.state,
    reason: options.reason,
  });
  return 'changed';
}

export function dimensionsOf(task: { target?: string | undefined }): { target: string } | undefined {
  return task.target === undefined ? undefined : { target: task.target };
}

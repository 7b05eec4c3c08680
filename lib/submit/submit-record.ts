import { randomUUID } from 'node:crypto';
import type { Backend } from '../backends/backend.ts';
import type { BackendRegistry } from '../backends/registry.ts';
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import type { MetricsSink } from '../observability/metrics.ts';
import { attributeTo, type CostLedger } from '../cost/cost-ledger.ts';
import { parseImportRequest, requestIdOfInvalid, type ImportRequest } from '../request/import-request.ts';
import { RequestValidationError } from '../request/validation-error.ts';
import { TaskVersionConflictError, type TaskStore } from '../store/task-store.ts';
import { newTask, taskIdFor, transition, update, type Task, type TaskPolicy } from '../task/task.ts';
import { holdAsUncertain, unrecordedCreateReason } from '../task/uncertain-create.ts';
import type { DeadLetterSink } from './dead-letter.ts';
import { RetryLaterError, type QueueRecord } from './queue-record.ts';

export interface SubmitSettings {
  /**
   * What to do when a create may have reached the backend but its answer was lost: `hold` (default) parks
   * the task in UNCERTAIN for an operator; `resubmit` creates again and flags the task as a possible duplicate.
   */
  ambiguousCreatePolicy: 'hold' | 'resubmit';
  /** Time allowed around a create call for the writes before and after it. */
  leaseMarginMs: number;
  /** When the poller first looks at a submitted task. */
  firstCheckDelayMs: number;
  taskPolicy: TaskPolicy;
}

export const defaultSubmitSettings: Omit<SubmitSettings, 'taskPolicy'> = {
  ambiguousCreatePolicy: 'hold',
  leaseMarginMs: 5_000,
  firstCheckDelayMs: 30_000,
};

export interface SubmitDependencies {
  store: TaskStore;
  backends: BackendRegistry;
  deadLetters: DeadLetterSink;
  clock: Clock;
  logger: Logger;
  metrics?: MetricsSink;
  ledger?: CostLedger;
  settings: SubmitSettings;
}

export interface InvocationBudget {
  remainingMs(): number;
}

export type SubmitOutcome =
  | { kind: 'submitted'; taskId: string; remoteId: string }
  | { kind: 'duplicate'; taskId: string; state: string }
  | { kind: 'rejected'; taskId: string | undefined; field: string | undefined; reason: string }
  | { kind: 'uncertain'; taskId: string; reason: string };

/** Most a rejected message's text kept on its task; the dead-letter queue keeps it whole. */
const maxRawMessageChars = 16 * 1024;

/**
 * One import request from the queue, end to end. The order of writes is what makes it idempotent:
 *   1. intent and claim, in one write: the task is created ACCEPTED (conditional on absence — the requestId
 *      claims it) with `create.startedAt` and a lease covering the call;
 *   2. create at the backend;
 *   3. the remote id is written (SUBMITTED) or the failure recorded.
 * A redelivery finds the task and resumes at the right step. A death between 1 and 3 leaves a claim without
 * an outcome: a later delivery sees the expired lease and never creates silently again. (A separate claim
 * write would not narrow that window — a death between a claim and its call is as unknowable — and would
 * cost one more write per task.) A redelivery after a create that failed before leaving claims again.
 * Throws RetryLaterError when SQS should deliver the message again.
 */
export async function submitRecord(record: QueueRecord, budget: InvocationBudget, deps: SubmitDependencies): Promise<SubmitOutcome> {
  let request: ImportRequest;
  try {
    request = parseImportRequest(record.body, deps.backends);
  } catch (error) {
    if (error instanceof RequestValidationError) return rejectInvalid(record, error, deps);
    throw error;
  }
  const backend = deps.backends.get(request.backend)!;
  const taskId = taskIdFor(request.requestId);
  const log = deps.logger.child({ taskId, requestId: request.requestId, backend: request.backend, messageId: record.messageId });
  return attributeTo(deps.ledger, taskId, () => claimAndCreate(taskId, request, backend, record, budget, deps, log));
}

async function claimAndCreate(
  taskId: string,
  request: ImportRequest,
  backend: Backend,
  record: QueueRecord,
  budget: InvocationBudget,
  deps: SubmitDependencies,
  log: Logger,
): Promise<SubmitOutcome> {
  const now = deps.clock.now();

  // Never start a create that this invocation might not live to record: that is the ambiguous window.
  const needed = backend.maxCreateMs + deps.settings.leaseMarginMs;
  const claim = { attempts: 1, startedAt: now, leaseUntil: now + needed, token: randomUUID() };
  const intent = newTask(
    {
      taskId,
      requestId: request.requestId,
      requestIdSource: request.requestIdSource,
      backend: request.backend,
      state: 'ACCEPTED',
      createdAt: now,
      contentHash: request.contentHash,
      params: request.params,
      summary: backend.summarize(request.params),
      create: claim,
      ...(request.options.maxDurationMs !== undefined ? { maxDurationMs: request.options.maxDurationMs } : {}),
      ...(request.options.retry !== undefined ? { retry: request.options.retry } : {}),
    },
    'import request received',
    deps.settings.taskPolicy,
    // If this invocation dies before recording the outcome, the poller finds the task here and reports it.
    now + needed + 1_000,
  );
  if (budget.remainingMs() < needed) throw tooLittleTime(taskId, budget, needed);
  const written = await deps.store.createIfAbsent(intent);
  if (written.created) return createAtBackend(intent, request, backend, record, deps, log);
  const existing = written.existing;
  // Our own intent: its first answer was lost and the SDK's retry found the item it had written.
  if (existing.state === 'ACCEPTED' && existing.version === 1 && existing.create.token === claim.token)
    return createAtBackend(existing, request, backend, record, deps, log);
  if (existing.contentHash !== request.contentHash) {
    const reason = `requestId ${JSON.stringify(request.requestId)} is already used by task ${taskId} (${existing.state}) for a different request; use a new requestId`;
    log.warn('request rejected: requestId reused with different content', { existingState: existing.state });
    await deps.deadLetters.send({ body: record.body, reason, field: 'requestId', taskId, sourceMessageId: record.messageId });
    return { kind: 'rejected', taskId, field: 'requestId', reason };
  }
  if (existing.state === 'REJECTED') {
    // Its letter may not have been sent (the send failed after the write): send it again — a duplicate
    // letter is harmless, a missing one loses the request.
    const reason = `refused by the backend: ${existing.error?.reason ?? 'see the task'}`;
    await deps.deadLetters.send({ body: record.body, reason, taskId, sourceMessageId: record.messageId });
    log.warn('delivery of a rejected request dead-lettered again', { reason });
    return { kind: 'rejected', taskId, field: existing.error?.field, reason };
  }
  if (existing.state !== 'ACCEPTED') {
    log.info('duplicate delivery ignored', { state: existing.state, remoteId: existing.remoteId });
    return { kind: 'duplicate', taskId, state: existing.state };
  }
  return claimAgain(existing, request, backend, record, budget, deps, log);
}

function tooLittleTime(taskId: string, budget: InvocationBudget, needed: number): RetryLaterError {
  return new RetryLaterError(`task ${taskId}: ${budget.remainingMs()} ms left in this invocation, a create needs up to ${needed} ms`);
}

/** A redelivery of a request whose task is still ACCEPTED: a create in progress, lost, or failed before leaving. */
async function claimAgain(
  task: Task,
  request: ImportRequest,
  backend: Backend,
  record: QueueRecord,
  budget: InvocationBudget,
  deps: SubmitDependencies,
  log: Logger,
): Promise<SubmitOutcome> {
  const now = deps.clock.now();
  if (task.create.startedAt !== undefined) {
    if ((task.create.leaseUntil ?? 0) > now) {
      throw new RetryLaterError(`task ${task.taskId}: a create started at ${new Date(task.create.startedAt).toISOString()} is still in progress`);
    }
    return settleAmbiguous(task, unrecordedCreateReason(task)!, deps, log);
  }
  const needed = backend.maxCreateMs + deps.settings.leaseMarginMs;
  if (budget.remainingMs() < needed) throw tooLittleTime(task.taskId, budget, needed);
  const claimed = update(
    task,
    now,
    deps.settings.taskPolicy,
    {
      create: { ...task.create, attempts: task.create.attempts + 1, startedAt: now, leaseUntil: now + needed, token: randomUUID() },
    },
    now + needed + 1_000,
  );
  try {
    await deps.store.replace(claimed);
  } catch (error) {
    if (!(error instanceof TaskVersionConflictError)) throw error;
    // Our own claim, its first answer lost: go on. Anyone else's: come back later.
    if (error.current?.version === claimed.version && error.current.create.token === claimed.create.token)
      return createAtBackend(error.current, request, backend, record, deps, log);
    throw new RetryLaterError(`task ${task.taskId}: another delivery claimed the create first`, { cause: error });
  }
  return createAtBackend(claimed, request, backend, record, deps, log);
}

/** Calls the backend for a task whose claim is written, and records the outcome. */
async function createAtBackend(
  claimed: Task,
  request: ImportRequest,
  backend: Backend,
  record: QueueRecord,
  deps: SubmitDependencies,
  log: Logger,
): Promise<SubmitOutcome> {
  const { clock, store, settings } = deps;
  const policy = settings.taskPolicy;
  const task = claimed;
  let now: number;
  let remoteId: string;
  try {
    remoteId = (await backend.create(request.params, { signal: AbortSignal.timeout(backend.maxCreateMs) })).remoteId;
  } catch (error) {
    const failure = backend.classifyCreateFailure(error);
    now = clock.now();
    log.warn('create failed', { attempt: claimed.create.attempts, failure: failure.kind, reason: failure.reason });
    if (failure.kind === 'refused') {
      const rejected = transition(claimed, {
        to: 'REJECTED',
        reason: `refused by the backend: ${failure.reason}`,
        now,
        policy,
        changes: { create: { attempts: claimed.create.attempts, lastError: failure.reason }, error: { reason: failure.reason, source: 'backend', at: now } },
      });
      await store.replace(rejected);
      await deps.deadLetters.send({
        body: record.body,
        reason: `refused by the backend: ${failure.reason}`,
        taskId: task.taskId,
        sourceMessageId: record.messageId,
      });
      return { kind: 'rejected', taskId: task.taskId, field: undefined, reason: failure.reason };
    }
    if (failure.kind === 'not-created') {
      await store.replace(
        update(
          claimed,
          now,
          policy,
          {
            create: { attempts: claimed.create.attempts, lastError: failure.reason, ...(claimed.create.possibleDuplicate ? { possibleDuplicate: true } : {}) },
          },
          now,
        ),
      );
      throw new RetryLaterError(`task ${task.taskId}: create failed before reaching the backend, will be retried: ${failure.reason}`, { cause: error });
    }
    return settleAmbiguous(claimed, `create attempt ${claimed.create.attempts} got no usable answer: ${failure.reason}`, deps, log);
  }

  now = clock.now();
  const submitted = transition(claimed, {
    to: 'SUBMITTED',
    reason: `created at the backend as ${remoteId}`,
    now,
    policy,
    changes: {
      remoteId,
      attempt: 1,
      submittedAt: now,
      runStartedAt: now,
      create: { attempts: claimed.create.attempts, ...(claimed.create.possibleDuplicate ? { possibleDuplicate: true } : {}) },
    },
    dueAt: now + settings.firstCheckDelayMs,
  });
  try {
    await store.replace(submitted);
  } catch (error) {
    // The job exists but the task does not say so. This line is the only place its id survives: it lets an
    // operator settle the UNCERTAIN task a redelivery will produce.
    log.error('create succeeded but the remote id could not be recorded', { remoteId, error });
    throw new RetryLaterError(`task ${task.taskId}: created ${remoteId} but could not record it`, { cause: error });
  }
  log.info('task submitted', { remoteId, attempt: claimed.create.attempts });
  deps.metrics?.count('TasksSubmitted');
  return { kind: 'submitted', taskId: task.taskId, remoteId };
}

async function settleAmbiguous(task: Task, reason: string, deps: SubmitDependencies, log: Logger): Promise<SubmitOutcome> {
  const now = deps.clock.now();
  const policy = deps.settings.taskPolicy;
  if (deps.settings.ambiguousCreatePolicy === 'resubmit') {
    await deps.store.replace(
      update(
        task,
        now,
        policy,
        {
          create: { attempts: task.create.attempts, lastError: reason, possibleDuplicate: true },
          history: [
            ...task.history,
            { at: now, from: 'ACCEPTED', to: 'ACCEPTED', reason: `resubmitting after an ambiguous create (a duplicate job may exist): ${reason}` },
          ],
        },
        now,
      ),
    );
    log.warn('ambiguous create: resubmitting, a duplicate job may exist', { reason });
    throw new RetryLaterError(`task ${task.taskId}: resubmitting after an ambiguous create`);
  }
  await deps.store.replace(holdAsUncertain(task, reason, now, policy));
  log.error('create outcome unknown: task held as UNCERTAIN for an operator', { reason });
  deps.metrics?.count('TasksUncertain');
  return { kind: 'uncertain', taskId: task.taskId, reason };
}

/** A message that can never succeed: recorded as a REJECTED task, then dead-lettered at once with its reason. */
async function rejectInvalid(record: QueueRecord, error: RequestValidationError, deps: SubmitDependencies): Promise<SubmitOutcome> {
  const now = deps.clock.now();
  const requestId = requestIdOfInvalid(record.body);
  const taskId = taskIdFor(requestId);
  const log = deps.logger.child({ taskId, requestId, messageId: record.messageId });
  const rejected = newTask(
    {
      taskId,
      requestId,
      requestIdSource: requestId.startsWith('auto-') ? 'derived' : 'client',
      backend: backendFieldOf(record.body) ?? '(unknown)',
      state: 'REJECTED',
      createdAt: now,
      rawMessage: record.body.length > maxRawMessageChars ? record.body.slice(0, maxRawMessageChars) + '…(truncated)' : record.body,
      summary: {},
      error: { field: error.field, reason: error.reason, source: 'validation', at: now },
    },
    `invalid request: ${error.message}`,
    deps.settings.taskPolicy,
  );
  const written = await deps.store.createIfAbsent(rejected);
  // An invalid message reusing the requestId of a real task must not touch that task; the letter says so.
  const clash = !written.created && written.existing.state !== 'REJECTED';
  const reason = clash ? `${error.message} (task ${taskId} of this requestId is a different, valid request and was left as is)` : error.message;
  log.warn('invalid import request rejected', { field: error.field, reason: error.reason });
  await deps.deadLetters.send({ body: record.body, reason, field: error.field, sourceMessageId: record.messageId, ...(clash ? {} : { taskId }) });
  return { kind: 'rejected', taskId: clash ? undefined : taskId, field: error.field, reason: error.message };
}

function backendFieldOf(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { backend?: unknown };
    return typeof parsed?.backend === 'string' ? parsed.backend.slice(0, 64) : undefined;
  } catch {
    return undefined;
  }
}

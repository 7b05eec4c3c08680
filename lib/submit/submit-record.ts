import { randomUUID } from 'node:crypto';
import type { Backend } from '../backends/backend.ts';
import type { BackendRegistry } from '../backends/registry.ts';
import type { Clock } from '../clock.ts';
import { attributeTo, type CostLedger } from '../cost/cost-ledger.ts';
import { scopesOf } from '../limits/scopes.ts';
import type { SlotStore } from '../limits/slots.ts';
import type { Logger } from '../logger.ts';
import type { MetricsSink } from '../observability/metrics.ts';
import { type ImportRequest, parseImportRequest, type RequestTargets, requestIdOfInvalid } from '../request/import-request.ts';
import { RequestValidationError } from '../request/validation-error.ts';
import { type TaskStore, TaskVersionConflictError } from '../store/task-store.ts';
import { newTask, type Task, type TaskPolicy, taskIdFor, transition, update } from '../task/task.ts';
import { createMarker, holdAsUncertain, readLookup, recordCreated } from '../task/uncertain-create.ts';
import type { DeadLetterSink } from './dead-letter.ts';
import { decideCreateFailure, decideExisting, decideUnknownOutcome } from './decisions.ts';
import { type QueueRecord, RetryLaterError, sourceFileOf } from './queue-record.ts';

export interface SubmitSettings {
  /**
   * What to do when a create may have reached a backend that cannot be asked for its job, and its answer
   * was lost: `hold` (default) parks the task in UNCERTAIN for an operator; `resubmit` creates again and
   * flags the task as a possible duplicate. A backend that can look its jobs up is asked instead.
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
  /** Where requests may go (validation: target, backend, the backend's fields). */
  targets: RequestTargets;
  /** The connected targets. */
  backends: BackendRegistry;
  deadLetters: DeadLetterSink;
  clock: Clock;
  logger: Logger;
  metrics?: MetricsSink;
  ledger?: CostLedger;
  settings: SubmitSettings;
  /** Concurrency slots, for targets with limits (a target without needs none). */
  slots?: SlotStore;
}

export interface InvocationBudget {
  remainingMs(): number;
}

export type SubmitOutcome =
  | { kind: 'submitted'; taskId: string; remoteId: string }
  | { kind: 'duplicate'; taskId: string; state: string }
  | { kind: 'rejected'; taskId: string | undefined; field: string | undefined; reason: string }
  | { kind: 'uncertain'; taskId: string; reason: string }
  /** Its target or destination is full: the task waits its turn (its message is done with). */
  | { kind: 'waiting'; taskId: string; reason: string };

/** Most a rejected message's text kept on its task; the dead-letter queue keeps it whole. */
const maxRawMessageChars = 16 * 1024;

/**
 * One import request from the queue, end to end. The order of writes is what makes it idempotent:
 *   1. intent and claim, in one write: the task is created ACCEPTED (conditional on absence — the requestId
 *      claims it) with `create.startedAt` and a lease covering the call;
 *   2. create at the backend;
 *   3. the job's reference is written (SUBMITTED) or the failure recorded.
 * A redelivery finds the task and resumes at the right step. A death between 1 and 3 leaves a claim without
 * an outcome: a later delivery sees the expired lease and never creates blindly again — it asks the backend
 * for the job where it can, and holds the task for an operator where it cannot. A redelivery after a create
 * that failed before leaving claims again. Throws RetryLaterError when SQS should deliver the message again.
 */
export async function submitRecord(record: QueueRecord, budget: InvocationBudget, deps: SubmitDependencies): Promise<SubmitOutcome> {
  let request: ImportRequest;
  try {
    request = parseImportRequest(record.body, deps.targets);
  } catch (error) {
    if (error instanceof RequestValidationError) return rejectInvalid(record, error, deps);
    throw error;
  }
  const backend = deps.backends.get(request.target);
  if (!backend) throw new RetryLaterError(`target ${request.target} is not connected in this function`);
  const taskId = taskIdFor(request.requestId);
  const log = deps.logger.child({ taskId, requestId: request.requestId, target: request.target, messageId: record.messageId });
  return attributeTo(deps.ledger, taskId, () => claimAndCreate(taskId, request, backend, record, budget, deps, log));
}

interface Submission {
  request: ImportRequest;
  backend: Backend;
  record: QueueRecord;
  deps: SubmitDependencies;
  log: Logger;
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
  const job: Submission = { request, backend, record, deps, log };
  // Never start a create that this invocation might not live to record: that is the ambiguous window.
  const needed = backend.timing.createMs + deps.settings.leaseMarginMs;
  const claim = { attempts: 1, startedAt: now, leaseUntil: now + needed, token: randomUUID() };
  const intent = newTask(
    {
      taskId,
      requestId: request.requestId,
      requestIdSource: request.requestIdSource,
      target: request.target,
      backend: request.backend,
      ...(backend.capabilities.lifecycle === 'continuous' ? { lifecycle: 'continuous' as const } : {}),
      state: 'ACCEPTED',
      createdAt: now,
      contentHash: request.contentHash,
      params: request.params,
      summary: request.summary,
      ...sourceFileOf(record),
      ...limitFields(request),
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
  if (written.created) return createAtBackend(intent, job);
  const existing = written.existing;
  const decision = decideExisting(existing, request, claim.token, deps.clock.now());
  switch (decision.kind) {
    case 'own-intent':
      return createAtBackend(existing, job);
    case 'reused':
      log.warn('request rejected: requestId reused with different content', { existingState: existing.state });
      await deps.deadLetters.send({ body: record.body, reason: decision.reason, field: 'requestId', taskId, sourceMessageId: record.messageId });
      return { kind: 'rejected', taskId, field: 'requestId', reason: decision.reason };
    case 'rejected-again':
      await deps.deadLetters.send({ body: record.body, reason: decision.reason, taskId, sourceMessageId: record.messageId });
      log.warn('delivery of a rejected request dead-lettered again', { reason: decision.reason });
      return { kind: 'rejected', taskId, field: decision.field, reason: decision.reason };
    case 'duplicate':
      log.info('duplicate delivery ignored', { state: existing.state, remoteId: existing.remoteId });
      return { kind: 'duplicate', taskId, state: existing.state };
    case 'in-progress':
      throw new RetryLaterError(decision.reason);
    case 'unrecorded':
      return unknownOutcome(existing, decision.reason, job, budget);
    case 'claim-again':
      return claimAgain(existing, job, budget);
    case 'start-waiting':
      return startWaiting(existing, job, budget);
  }
}

function tooLittleTime(taskId: string, budget: InvocationBudget, needed: number): RetryLaterError {
  return new RetryLaterError(`task ${taskId}: ${budget.remainingMs()} ms left in this invocation, a create needs up to ${needed} ms`);
}

/** A redelivery of a request whose task is ACCEPTED without a claim: the last create failed before leaving. */
async function claimAgain(
  task: Task,
  job: Submission,
  budget: InvocationBudget,
  options: { possibleDuplicate?: boolean; note?: string } = {},
): Promise<SubmitOutcome> {
  const { deps, backend } = job;
  const now = deps.clock.now();
  const needed = backend.timing.createMs + deps.settings.leaseMarginMs;
  if (budget.remainingMs() < needed) throw tooLittleTime(task.taskId, budget, needed);
  const claimed = update(
    task,
    now,
    deps.settings.taskPolicy,
    {
      create: {
        ...task.create,
        attempts: task.create.attempts + 1,
        startedAt: now,
        leaseUntil: now + needed,
        token: randomUUID(),
        ...(options.possibleDuplicate ? { possibleDuplicate: true } : {}),
      },
      ...(options.note ? { history: [...task.history, { at: now, from: 'ACCEPTED' as const, to: 'ACCEPTED' as const, reason: options.note }] } : {}),
    },
    now + needed + 1_000,
  );
  try {
    await deps.store.replace(claimed);
  } catch (error) {
    if (!(error instanceof TaskVersionConflictError)) throw error;
    // Our own claim, its first answer lost: go on. Anyone else's: come back later.
    if (error.current?.version === claimed.version && error.current.create.token === claimed.create.token) return createAtBackend(error.current, job);
    throw new RetryLaterError(`task ${task.taskId}: another delivery claimed the create first`, { cause: error });
  }
  return createAtBackend(claimed, job);
}

/**
 * A waiting task's request, sent again (a slot freed, or a redelivery): claimed as any request is — WAITING
 * to ACCEPTED with the claim, one conditional write — then created once its slots are taken (or back in line).
 */
async function startWaiting(task: Task, job: Submission, budget: InvocationBudget): Promise<SubmitOutcome> {
  const { deps, backend, log } = job;
  const now = deps.clock.now();
  const needed = backend.timing.createMs + deps.settings.leaseMarginMs;
  if (budget.remainingMs() < needed) throw tooLittleTime(task.taskId, budget, needed);
  const waited = now - (task.waitingSince ?? task.createdAt);
  // The slots first: a copy of a waiting request that finds its target still full changes nothing.
  const scopes = scopesOf(job.request.target, job.request.destinationKey, job.request.limits);
  if (scopes.length && deps.slots) {
    const taken = await deps.slots.acquire(task.taskId, scopes, { since: now, leaseUntil: now + needed, scopes: scopes.map((s) => s.id) });
    if (taken.kind === 'full') {
      log.info('still waiting for a slot', { scope: taken.scope });
      return { kind: 'waiting', taskId: task.taskId, reason: `${taken.scope} is full (${taken.holders} of ${taken.max} running): still waiting` };
    }
  }
  const claimed = transition(task, {
    to: 'ACCEPTED',
    reason: `a slot is free: starting after ${Math.round(waited / 1000)} s in line`,
    now,
    policy: deps.settings.taskPolicy,
    changes: { create: { ...task.create, attempts: task.create.attempts + 1, startedAt: now, leaseUntil: now + needed, token: randomUUID() } },
    dueAt: now + needed + 1_000,
  });
  delete claimed.requestBody;
  try {
    await deps.store.replace(claimed);
  } catch (error) {
    if (!(error instanceof TaskVersionConflictError)) throw error;
    throw new RetryLaterError(`task ${task.taskId}: another delivery started it first`, { cause: error });
  }
  log.info('waiting task started', { waitedMs: waited });
  deps.metrics?.milliseconds('TaskWaitDuration', waited, { target: job.request.target });
  // Its slots were taken above, before the claim: not asked for again.
  return createAtBackend(claimed, job, { slotsTaken: scopes.length > 0 && deps.slots !== undefined });
}

/** Calls the backend for a task whose claim is written, and records the outcome. */
async function createAtBackend(claimed: Task, job: Submission, options: { slotsTaken?: boolean } = {}): Promise<SubmitOutcome> {
  const { deps, backend, record, log, request } = job;
  const { clock, store, settings } = deps;
  const policy = settings.taskPolicy;
  // A limited target: the create goes out only with a slot of the target and of the destination in hand.
  const full = options.slotsTaken ? undefined : await takeSlots(claimed, job);
  if (full) return full;
  const context = { marker: createMarker(claimed.taskId, claimed.create.attempts), startedAt: claimed.create.startedAt ?? clock.now() };
  let ref: Awaited<ReturnType<Backend['create']>>;
  try {
    ref = await backend.create(request.params, context, { signal: AbortSignal.timeout(backend.timing.createMs) });
  } catch (error) {
    const failure = backend.classifyCreateFailure(error);
    const decision = decideCreateFailure(failure, claimed.create.attempts);
    const now = clock.now();
    log.warn('create failed', { attempt: claimed.create.attempts, failure: failure.kind, reason: failure.reason });
    switch (decision.kind) {
      case 'reject': {
        const rejected = transition(claimed, {
          to: 'REJECTED',
          reason: `refused by the backend: ${decision.reason}`,
          now,
          policy,
          changes: {
            create: { attempts: claimed.create.attempts, lastError: decision.reason },
            error: { reason: decision.reason, source: 'backend', at: now },
          },
        });
        await store.replace(rejected);
        await deps.deadLetters.send({
          body: record.body,
          reason: `refused by the backend: ${decision.reason}`,
          taskId: claimed.taskId,
          sourceMessageId: record.messageId,
        });
        return { kind: 'rejected', taskId: claimed.taskId, field: undefined, reason: decision.reason };
      }
      case 'retry-later':
        await store.replace(
          update(
            claimed,
            now,
            policy,
            {
              create: {
                attempts: claimed.create.attempts,
                lastError: decision.reason,
                ...(claimed.create.possibleDuplicate ? { possibleDuplicate: true } : {}),
              },
            },
            now,
          ),
        );
        throw new RetryLaterError(`task ${claimed.taskId}: create failed before reaching the backend, will be retried: ${decision.reason}`, { cause: error });
      case 'unknown-outcome':
        return unknownOutcome(claimed, decision.reason, job, undefined);
    }
  }
  return recordSubmitted(claimed, ref, job, `created at the backend as ${backend.describeRef(ref)}`);
}

async function recordSubmitted(task: Task, ref: Awaited<ReturnType<Backend['create']>>, job: Submission, reason: string): Promise<SubmitOutcome> {
  const { deps, backend, log } = job;
  const now = deps.clock.now();
  const label = backend.describeRef(ref);
  const submitted = recordCreated(task, { ref, label }, { reason, now, policy: deps.settings.taskPolicy, dueAt: now + deps.settings.firstCheckDelayMs });
  try {
    await deps.store.replace(submitted);
  } catch (error) {
    // The job exists but the task does not say so. This line is the only place its reference survives for a
    // backend without a lookup: it lets an operator settle the UNCERTAIN task a redelivery will produce.
    log.error('create succeeded but the remote id could not be recorded', { remoteId: label, remote: ref, error });
    throw new RetryLaterError(`task ${task.taskId}: created ${label} but could not record it`, { cause: error });
  }
  log.info('task submitted', { remoteId: label, attempt: task.create.attempts });
  deps.metrics?.count('TasksSubmitted', 1, { target: job.request.target });
  return { kind: 'submitted', taskId: task.taskId, remoteId: label };
}

/**
 * A create that may have reached the backend without its answer reaching us (`budget` is undefined right
 * after the call: a lookup then only adopts a job it finds, since the call may still be under way there).
 */
async function unknownOutcome(task: Task, reason: string, job: Submission, budget: InvocationBudget | undefined): Promise<SubmitOutcome> {
  const { deps, backend, log } = job;
  const now = deps.clock.now();
  const policy = deps.settings.taskPolicy;
  const decision = decideUnknownOutcome(backend.findCreated !== undefined, deps.settings.ambiguousCreatePolicy);
  if (decision.kind === 'look-up') {
    const startedAt = task.create.startedAt ?? now;
    const result = await backend.findCreated!(
      job.request.params,
      { marker: createMarker(task.taskId, task.create.attempts), startedAt },
      { signal: AbortSignal.timeout(backend.timing.commandMs) },
    ).catch((error: unknown) => ({ unknown: error instanceof Error ? error.message : String(error) }));
    const reading = readLookup(result, { startedAt, boundMs: backend.timing.createMs }, now);
    if ('adopt' in reading)
      return recordSubmitted(task, reading.adopt, job, `created at the backend as ${backend.describeRef(reading.adopt)} (found after its answer was lost)`);
    if ('absent' in reading && budget) {
      log.warn('the lost create made no job; creating again', { reason: reading.absent });
      return claimAgain(task, job, budget, { note: `the lookup found no job of create attempt ${task.create.attempts} (${reading.absent}); creating again` });
    }
    // Not yet knowable: the claim stays, so the next delivery (or the poller) asks again.
    await deps.store.replace(update(task, now, policy, { create: { ...task.create, lastError: reason } }));
    log.warn('create outcome unknown; the backend is asked again later', { reason, lookup: 'wait' in reading ? reading.wait : reading.absent });
    throw new RetryLaterError(`task ${task.taskId}: ${reason}; the backend is asked for the job again later`);
  }
  if (decision.kind === 'resubmit') {
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
  deps.metrics?.count('TasksUncertain', 1, { target: job.request.target });
  return { kind: 'uncertain', taskId: task.taskId, reason };
}

/** A message that can never succeed: recorded as a REJECTED task, then dead-lettered at once with its reason. */
async function rejectInvalid(record: QueueRecord, error: RequestValidationError, deps: SubmitDependencies): Promise<SubmitOutcome> {
  const now = deps.clock.now();
  const requestId = requestIdOfInvalid(record.body);
  const taskId = taskIdFor(requestId);
  const log = deps.logger.child({ taskId, requestId, messageId: record.messageId });
  const named = namedFieldsOf(record.body);
  const rejected = newTask(
    {
      taskId,
      requestId,
      requestIdSource: requestId.startsWith('auto-') ? 'derived' : 'client',
      ...(named.target ? { target: named.target } : {}),
      backend: named.backend ?? '(unknown)',
      state: 'REJECTED',
      createdAt: now,
      finishedAt: now,
      ...sourceFileOf(record),
      rawMessage: record.body.length > maxRawMessageChars ? `${record.body.slice(0, maxRawMessageChars)}…(truncated)` : record.body,
      summary: {},
      error: { field: error.field, reason: error.reason, ...storedErrors(error), source: 'validation', at: now },
    },
    `invalid request: ${error.message}`,
    deps.settings.taskPolicy,
  );
  const written = await deps.store.createIfAbsent(rejected);
  // An invalid message reusing the requestId of a real task must not touch that task; the letter says so.
  const clash = !written.created && written.existing.state !== 'REJECTED';
  const reason = clash ? `${error.message} (task ${taskId} of this requestId is a different, valid request and was left as is)` : error.message;
  log.warn('invalid import request rejected', { field: error.field, reason: error.reason, errors: error.errors.length });
  await deps.deadLetters.send({ body: record.body, reason, field: error.field, sourceMessageId: record.messageId, ...(clash ? {} : { taskId }) });
  return { kind: 'rejected', taskId: clash ? undefined : taskId, field: error.field, reason: error.message };
}

/** The target and backend a message names, when they can be read, for the REJECTED task of an invalid one. */
function namedFieldsOf(body: string): { target?: string; backend?: string } {
  try {
    const parsed = JSON.parse(body) as { target?: unknown; backend?: unknown };
    return {
      ...(typeof parsed?.target === 'string' ? { target: parsed.target.slice(0, 64) } : {}),
      ...(typeof parsed?.backend === 'string' ? { backend: parsed.backend.slice(0, 64) } : {}),
    };
  } catch {
    return {};
  }
}

/** Most mistakes a REJECTED task keeps (the dead letter's reason has the message): the item stays small. */
const maxStoredErrors = 20;

/** The list of a request's mistakes, for its task, when it has more than one: capped, each part clipped. */
function storedErrors(error: RequestValidationError): { errors?: Array<{ field: string; reason: string }>; moreErrors?: number } {
  if (error.errors.length < 2) return {};
  const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max)}…` : text);
  const errors = error.errors.slice(0, maxStoredErrors).map((e) => ({ field: clip(e.field, 256), reason: clip(e.reason, 1000) }));
  const more = error.errors.length - errors.length;
  return { errors, ...(more > 0 ? { moreErrors: more } : {}) };
}

/** The fields a task of a limited target carries: its priority, destination and the slots it takes. */
function limitFields(request: ImportRequest): Partial<Task> {
  const scopes = scopesOf(request.target, request.destinationKey, request.limits);
  return {
    ...(request.options.priority !== undefined ? { priority: request.options.priority } : {}),
    ...(scopes.length ? { destinationKey: request.destinationKey, slotScopes: scopes.map((s) => s.id) } : {}),
  };
}

/**
 * Takes the task's slots before its create. With them (or with none needed) it returns undefined; when its
 * target or destination is full, the task goes into the waiting line (WAITING, the request kept to be sent
 * again when a slot frees) and the message is done with: no redelivery loop.
 */
async function takeSlots(claimed: Task, job: Submission): Promise<SubmitOutcome | undefined> {
  const { deps, request, record, log } = job;
  const scopes = scopesOf(request.target, request.destinationKey, request.limits);
  if (scopes.length === 0 || !deps.slots) return undefined;
  const now = deps.clock.now();
  const taken = await deps.slots.acquire(claimed.taskId, scopes, {
    since: now,
    // If this create dies before it is recorded, the slot comes back after the claim's lease.
    ...(claimed.create.leaseUntil !== undefined ? { leaseUntil: claimed.create.leaseUntil } : {}),
    scopes: scopes.map((s) => s.id),
  });
  if (taken.kind === 'held') return undefined;
  const reason = `${taken.scope} is full (${taken.holders} of ${taken.max} running): waiting for a slot`;
  const waiting = transition(claimed, {
    to: 'WAITING',
    reason,
    now,
    policy: deps.settings.taskPolicy,
    changes: {
      // The claim was never used: no create left for this attempt.
      create: { attempts: Math.max(0, claimed.create.attempts - 1) },
      requestBody: record.body,
      waitingSince: claimed.waitingSince ?? now,
    },
  });
  try {
    await deps.store.replace(waiting);
  } catch (error) {
    if (!(error instanceof TaskVersionConflictError)) throw error;
    throw new RetryLaterError(`task ${claimed.taskId}: moved on while it was put in the waiting line`, { cause: error });
  }
  log.info('task waits for a slot', { scope: taken.scope, holders: taken.holders, max: taken.max });
  // One task more in the line; `TasksWaiting` is the line's length, as each poll reads it.
  deps.metrics?.count('TasksQueued', 1, { target: request.target });
  return { kind: 'waiting', taskId: claimed.taskId, reason };
}

import type { RemoteRef, TaskSummary } from '../backends/backend.ts';
import type { TaskCost } from '../cost/cost-ledger.ts';
import { sha256Hex } from '../request/canonical-json.ts';
import { canTransition, IllegalTransitionError, isTerminal, scheduledStates, type TaskState } from './states.ts';

export interface HistoryEntry {
  at: number;
  from: TaskState | null;
  to: TaskState;
  reason: string;
}

export interface TaskWarning {
  code: string;
  message: string;
  since: number;
}

export interface TaskError {
  /** The request field at fault, for validation errors (the first, when there are several). */
  field?: string;
  reason: string;
  /** A request with several mistakes: each of them, the first being `field`/`reason` (at most 20 are kept). */
  errors?: Array<{ field: string; reason: string }>;
  /** How many more mistakes there were than `errors` keeps. */
  moreErrors?: number;
  source: 'validation' | 'backend' | 'bulkpilot';
  at: number;
}

/** Bookkeeping of the create call: what makes "never start the same load twice" checkable. */
export interface CreateAttempt {
  attempts: number;
  /** Set just before the create call leaves; cleared once its outcome is recorded. */
  startedAt?: number;
  /** Until then the attempt is presumed alive; after it, a set `startedAt` means it died mid-call. */
  leaseUntil?: number;
  /** Names the delivery that wrote the claim: its own write, echoed back by a retried request, is not another's. */
  token?: string;
  lastError?: string;
  /** Set when a create was repeated after an ambiguous one (policy `resubmit`): a duplicate job may exist. */
  possibleDuplicate?: boolean;
}

/** What the poller knows of its own recent checks; kept on the task so any invocation can continue it. */
export interface PollBookkeeping {
  checks: number;
  lastCheckedAt?: number;
  /** Consecutive status calls that failed (timeout, 5xx, malformed): never a reason to fail the task. */
  failures: number;
  lastError?: string;
  /** Consecutive answers that the backend does not know the task, and since when. */
  notFound: number;
  notFoundSince?: number;
}

export interface AbortRequest {
  reason: 'operator' | 'timeout';
  requestedAt: number;
  /** Abort calls made so far; the call is repeated while the backend still reports the job running. */
  calls: number;
  lastCallAt?: number;
}

/** Per-request overrides of the retry policy (the rest comes from configuration). */
export interface RetryOverrides {
  maxAttempts?: number;
  baseDelayMs?: number;
  multiplier?: number;
  maxDelayMs?: number;
}

export interface Task {
  taskId: string;
  requestId: string;
  requestIdSource: 'client' | 'derived';
  /** The named target the request went to (absent on tasks written before targets existed). */
  target?: string;
  backend: string;
  /** `continuous` jobs never succeed (a dump task): no default deadline applies. */
  lifecycle?: 'continuous';
  state: TaskState;
  /** Every write is conditional on this; it grows by one per write. */
  version: number;
  createdAt: number;
  updatedAt: number;
  contentHash?: string;
  params?: unknown;
  /** For a message that could not be parsed: its text (truncated), so nothing is lost. */
  rawMessage?: string;
  summary: TaskSummary;
  /** Its place in a full target's waiting line (higher first) and the key of where its data goes. */
  priority?: number;
  destinationKey?: string;
  /** While WAITING: the request as it came (sent again when a slot frees), and since when it waits. */
  requestBody?: string;
  waitingSince?: number;
  /** The concurrency slots a task of a limited target takes to run (given back when it ends). */
  slotScopes?: string[];
  /** For a task a file arrival started: the object's key (what `bulkpilot status <key>` finds) and bucket. */
  sourceFile?: string;
  sourceBucket?: string;
  /** The backend's reference to the job (its own ids, as the API names them). */
  remote?: RemoteRef;
  /** The job's id as the backend's console shows it: what operators search and type. */
  remoteId?: string;
  remoteState?: string;
  stage?: string;
  /** Share done (0–1) when last written, where the backend reports it. */
  progress?: number;
  /** The backend said the run is about to end when the task was last written: checks come closer. */
  nearEnd?: boolean;
  /** When the last run that ended ended, by the backend's own record, where it reports one (the report's detection delay). */
  remoteEndedAt?: number;
  /** The job's own counters (rows, bytes, discarded records…) when last written. */
  counters?: Record<string, number>;
  /** What the backend says is wrong with a job it calls running, each since when; absent when healthy. */
  warnings?: TaskWarning[];
  /** When the latest warning was raised: the notify function announces each raise once it sees it change. */
  warnedAt?: number;
  create: CreateAttempt;
  /** Run number at the backend: 1 once submitted, one more per retry. */
  attempt?: number;
  submittedAt?: number;
  /** Start of the current run (submission or last retry): the maximum duration counts from here. */
  runStartedAt?: number;
  finishedAt?: number;
  maxDurationMs?: number;
  retry?: RetryOverrides;
  /** When a task in RETRY_WAIT gets its retry. */
  nextAttemptAt?: number;
  /** An operator asked for this retry: the backend's job may be ABORTED and is still to be retried. */
  operatorRetry?: boolean;
  /**
   * Written just before the backend is asked to run the job again, for the run `attempt` will be; removed
   * when that run is recorded. Another actor seeing it does not call again for the same attempt.
   */
  retryCall?: { at: number; attempt: number };
  poll?: PollBookkeeping;
  abort?: AbortRequest;
  /** Version whose terminal state was announced: a redelivered stream record does not announce it again. */
  notifiedVersion?: number;
  /** What the orchestration consumed (see CostLedger); recorded with each write. */
  cost?: TaskCost;
  /** Set when an operator deleted the task: the backend's job is gone, the record stays as a tombstone. */
  deletedAt?: number;
  error?: TaskError;
  history: HistoryEntry[];
  /**
   * History entries moved out of the item to keep it small (the first entry always stays): they live in
   * history pages beside the task (`bulkpilot history` reads them all), 25 to a page, in order.
   */
  historyDropped?: number;
  /** Not stored: the entries this write moves out of the item, for the store to append to their pages. */
  historyMoved?: HistoryEntry[];
  /** Sparse due index: present only while the task is in a scheduled state. */
  dueShard?: number;
  dueAt?: number;
  /** DynamoDB TTL (epoch seconds), set once the task is terminal. */
  expiresAt?: number;
}

export interface TaskPolicy {
  historyLimit: number;
  shards: number;
  retentionDays: number;
}

export const defaultTaskPolicy: TaskPolicy = { historyLimit: 50, shards: 4, retentionDays: 30 };

/** A fixed-length, URL-safe id derived from the idempotency key: the same request always maps to one task. */
export function taskIdFor(requestId: string): string {
  return `t-${sha256Hex(requestId).slice(0, 24)}`;
}

export function shardOf(taskId: string, shards: number): number {
  let hash = 2166136261;
  for (let i = 0; i < taskId.length; i++) hash = Math.imul(hash ^ taskId.charCodeAt(i), 16777619);
  return (hash >>> 0) % shards;
}

export function newTask(
  fields: Omit<Task, 'version' | 'updatedAt' | 'history' | 'create'> & { create?: CreateAttempt },
  reason: string,
  policy: TaskPolicy,
  dueAt?: number,
): Task {
  const task: Task = {
    ...fields,
    version: 1,
    updatedAt: fields.createdAt,
    create: fields.create ?? { attempts: 0 },
    history: [{ at: fields.createdAt, from: null, to: fields.state, reason }],
  };
  return schedule(task, policy, fields.createdAt, dueAt);
}

export interface TransitionOptions {
  to: TaskState;
  reason: string;
  now: number;
  policy: TaskPolicy;
  changes?: Partial<Task>;
  /** When the task is next due; defaults to the current due time, or now. */
  dueAt?: number;
  /** Operators may reopen some terminal states (a manual retry); the system never does. */
  by?: 'system' | 'operator';
  /** Attributes that no longer apply (a claim whose run is recorded): removed from the task. */
  clear?: ReadonlyArray<ClearableKey>;
}

/** What a transition may remove; the bookkeeping of states, never identity or history. */
export type ClearableKey = 'retryCall' | 'nextAttemptAt' | 'operatorRetry' | 'abort' | 'error' | 'nearEnd' | 'progress' | 'warnings' | 'remoteState' | 'stage';

/**
 * The next version of a task after a transition: history appended (bounded), due-index attributes set or
 * removed, TTL set on terminal states. Pure; the store writes it conditionally on the old version.
 */
export function transition(task: Task, options: TransitionOptions): Task {
  const { to, reason, now, policy } = options;
  if (!canTransition(task.state, to, options.by)) throw new IllegalTransitionError(task.taskId, task.state, to);
  const history = [...task.history, { at: now, from: task.state, to, reason }];
  let dropped = task.historyDropped ?? 0;
  const moved: HistoryEntry[] = [];
  while (history.length > policy.historyLimit) {
    moved.push(...history.splice(1, 1));
    dropped++;
  }
  const next: Task = { ...task, ...options.changes, state: to, version: task.version + 1, updatedAt: now, history };
  delete next.historyMoved;
  if (moved.length) next.historyMoved = moved;
  for (const key of options.clear ?? []) delete next[key];
  if (dropped > 0) next.historyDropped = dropped;
  if (isTerminal(to)) next.finishedAt = now;
  else delete next.finishedAt;
  return schedule(next, policy, now, options.dueAt);
}

/**
 * A transition as attribute changes, for a store that applies it without reading the task first: the poller
 * knows a running task only by its index entry. The same rules as `transition` (it is computed by it); the
 * store appends the history entry and applies it only while the version matches and the history has room
 * (a full history needs the read-modify-write of `transition`).
 */
export interface TransitionPatch {
  taskId: string;
  expectedVersion: number;
  set: Record<string, unknown>;
  remove: string[];
  historyEntry: HistoryEntry;
  historyLimit: number;
}

export function transitionPatch(
  entry: Pick<Task, 'taskId' | 'state' | 'version'> & { dueAt?: number | undefined },
  options: TransitionOptions,
): TransitionPatch {
  const next = transition(
    {
      taskId: entry.taskId,
      state: entry.state,
      version: entry.version,
      ...(entry.dueAt === undefined ? {} : { dueAt: entry.dueAt }),
      history: [],
    } as unknown as Task,
    options,
  );
  const set: Record<string, unknown> = { state: next.state, version: next.version, updatedAt: next.updatedAt };
  for (const [key, value] of Object.entries(options.changes ?? {})) if (value !== undefined) set[key] = value;
  const remove: string[] = [...(options.clear ?? [])];
  for (const key of ['finishedAt', 'dueShard', 'dueAt', 'expiresAt'] as const) {
    if (next[key] === undefined) remove.push(key);
    else set[key] = next[key];
  }
  return { taskId: entry.taskId, expectedVersion: entry.version, set, remove, historyEntry: next.history.at(-1)!, historyLimit: options.policy.historyLimit };
}

/** The next version of a task without a state change (lease, stage, error bookkeeping). */
export function update(task: Task, now: number, policy: TaskPolicy, changes: Partial<Task>, dueAt?: number): Task {
  const next = { ...task, ...changes, version: task.version + 1, updatedAt: now };
  delete next.historyMoved;
  return schedule(next, policy, now, dueAt);
}

function schedule(task: Task, policy: TaskPolicy, now: number, dueAt: number | undefined): Task {
  const next = { ...task };
  delete next.dueShard;
  delete next.dueAt;
  delete next.expiresAt;
  if (scheduledStates.has(next.state)) {
    next.dueShard = shardOf(next.taskId, policy.shards);
    next.dueAt = dueAt ?? task.dueAt ?? now;
  }
  if (isTerminal(next.state)) next.expiresAt = Math.floor(now / 1000) + policy.retentionDays * 86_400;
  return next;
}

/** Entries per history page: a page item stays far below DynamoDB's 400 KB with the longest reasons. */
export const historyPageSize = 25;

/** The page (from 1) that holds the n-th entry moved out of the item (from 0). */
export function historyPageOf(movedIndex: number): number {
  return Math.floor(movedIndex / historyPageSize) + 1;
}

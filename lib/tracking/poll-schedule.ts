import type { RemoteRef } from '../backends/backend.ts';
import type { TaskState } from '../task/states.ts';
import { observeRun, predictedGapMs, type RunMemory, type StageProfile } from './end-prediction.ts';
import { checkIntervalMs, deadlineOf, errorBackoffMs, jittered, type PollPolicy } from './poll-policy.ts';

/**
 * When a task is checked, decided from what the due index holds and the shard's checkpoint — never from a
 * write per check. A running job's check times are a pure function of its anchor (`dueAt`, written with its
 * last state change), its run start and its id (for jitter), so every invocation derives the same times and
 * a check that finds nothing new needs no write. What a check learns that the index cannot hold (a near-end
 * stage, failed status calls) lives in one small checkpoint item per shard, written once per tick.
 */

/** A task as the due index returns it. */
export interface IndexedTask {
  taskId: string;
  state: TaskState;
  version: number;
  target?: string;
  backend: string;
  lifecycle?: 'continuous';
  /** Anchor of the check times: the first check after the task's last write. */
  dueAt: number;
  remote?: RemoteRef;
  remoteId?: string;
  remoteState?: string;
  stage?: string;
  nearEnd?: boolean;
  counters?: Record<string, number>;
  warnings?: Array<{ code: string; message: string; since: number }>;
  requestId?: string;
  submittedAt?: number;
  runStartedAt?: number;
  maxDurationMs?: number;
  /** A "not found" streak being confirmed (stored on the task: each one is news). */
  poll?: { checks?: number; notFound?: number };
}

/** What the poller of one shard remembers between ticks. */
export interface ShardCheckpoint {
  /** Every check time up to here was served or is pending (undefined before the first complete tick). */
  checkedThrough?: number;
  /** When the index was last read whole: an anchor after it belongs to a task no pass has seen yet. */
  readThrough?: number;
  /** Check times a tick could not serve in its time: served first by the next. */
  pending: Record<string, number>;
  /** Tasks whose last check the backend called near its end: checked on every pass (`stage`: what it showed). */
  nearEnd: Record<string, { stage: string; at: number }>;
  /** Tasks whose status calls fail: retried with backoff, and shown to operators. */
  failing: Record<string, { failures: number; at: number; error: string }>;
  /** Running tasks whose end is predicted (end-prediction.ts): their last check, progress or stages, predicted end. */
  runs?: Record<string, RunMemory>;
  /** Per target: the stage shares its past runs taught (for backends that report stages, not progress). */
  profiles?: Record<string, StageProfile>;
}

export const emptyCheckpoint = (): ShardCheckpoint => ({ nearEnd: {}, failing: {}, pending: {}, runs: {}, profiles: {} });

/**
 * What a check says about when the run will end (end-prediction.ts), kept in the checkpoint; a run that
 * succeeded teaches its target's stage profile. The poller and the benchmark's simulation both call this.
 */
export function rememberRun(
  checkpoint: ShardCheckpoint,
  task: Pick<IndexedTask, 'taskId' | 'target' | 'backend' | 'runStartedAt' | 'submittedAt'>,
  at: number,
  status: { phase: string; progress?: number; stage?: string },
): void {
  checkpoint.runs ??= {};
  checkpoint.profiles ??= {};
  const { runs, profiles } = checkpoint;
  const key = task.target ?? task.backend;
  const seen = observeRun(runs[task.taskId], task.runStartedAt ?? task.submittedAt ?? at, at, status, profiles[key]);
  if (seen.memory) runs[task.taskId] = seen.memory;
  else delete runs[task.taskId];
  if (seen.profile) profiles[key] = seen.profile;
}

/** States whose checks without news write nothing (the others always write when checked). */
export function isFollowedWithoutWrites(state: TaskState): boolean {
  return state === 'SUBMITTED' || state === 'RUNNING';
}

/** A stable draw in [0, 1) per task and check number: the same jitter in every invocation. */
export function stableUnit(taskId: string, n: number): number {
  let hash = 2166136261 ^ n;
  for (let i = 0; i < taskId.length; i++) hash = Math.imul(hash ^ taskId.charCodeAt(i), 16777619);
  hash = Math.imul(hash ^ (hash >>> 15), 2246822507);
  hash = Math.imul(hash ^ (hash >>> 13), 3266489909);
  return ((hash ^ (hash >>> 16)) >>> 0) / 4294967296;
}

/** Gap after the n-th check, at `at`, of a run that started at `start`: the polling rule with stable jitter. */
export function runningGapMs(taskId: string, n: number, at: number, start: number, nearEnd: boolean, policy: PollPolicy): number {
  return Math.max(
    1_000,
    jittered(checkIntervalMs(at - start, nearEnd, policy), policy.jitter, () => stableUnit(taskId, n)),
  );
}

/**
 * The check time this tick serves for the task, or undefined when none falls in (`checkedThrough`, now].
 * Without a checkpoint (first tick of a shard) any task whose anchor has passed is served.
 */
export function dueCheckTime(task: IndexedTask, checkpoint: ShardCheckpoint, now: number, policy: PollPolicy, memo?: ScheduleMemo): number | undefined {
  if (task.dueAt > now) return undefined;
  if (!isFollowedWithoutWrites(task.state)) return task.dueAt; // checked when due; the check writes the next time
  const pending = checkpoint.pending[task.taskId];
  if (pending !== undefined) return pending;
  const deadline = deadlineOf(task, policy);
  const failing = checkpoint.failing[task.taskId];
  if (failing) {
    // Backing off from a failing backend never delays the deadline: a run past it is aborted unasked.
    let at = failing.at + errorGapMs(task.taskId, failing.failures, policy);
    if (deadline !== undefined && deadline > failing.at) at = Math.min(at, deadline);
    return at <= now ? at : undefined;
  }
  const near = checkpoint.nearEnd[task.taskId];
  const memory = checkpoint.runs?.[task.taskId];
  // A predicted end from progress wins over a backend's "near the end" (a share threshold, which on a long
  // run would mean checking every pass for an hour); a stage that says so (no number) keeps every pass.
  if (memory?.end !== undefined && (memory.progress !== undefined || !near)) {
    let at = memory.at + predictedGapMs(memory.at, memory.end, policy);
    if (deadline !== undefined && deadline > memory.at) at = Math.min(at, deadline);
    return at <= now + passToleranceMs ? Math.min(now, at) : undefined;
  }
  if (near) return near.at + policy.nearEndIntervalMs <= now + passToleranceMs ? Math.min(now, near.at + policy.nearEndIntervalMs) : undefined;
  const after = checkpoint.checkedThrough;
  if (after === undefined || task.dueAt > (checkpoint.readThrough ?? after)) return task.dueAt;
  if (deadline !== undefined && deadline > after && deadline <= now) return deadline;
  const start = task.runStartedAt ?? task.submittedAt ?? task.dueAt;
  // At most a few hundred steps from the anchor (gaps grow with the run's age up to maxIntervalMs); a caller
  // asking again for the same task with a later window passes a memo and continues where it stopped.
  const nearEnd = task.nearEnd === true;
  const resume = memo !== undefined && memo.anchor === task.dueAt && memo.nearEnd === nearEnd && memo.after <= after;
  let at = resume ? memo.at : task.dueAt;
  let n = resume ? memo.n : 0;
  for (; at <= after; n++) at += runningGapMs(task.taskId, n, at, start, nearEnd, policy);
  if (memo) Object.assign(memo, { anchor: task.dueAt, nearEnd, after, at, n });
  return at <= now ? at : undefined;
}

/** Where a task's check times were last followed to (see dueCheckTime). */
export interface ScheduleMemo {
  anchor?: number;
  nearEnd?: boolean;
  /** The window start the memo was made for; windows only move forward. */
  after: number;
  /** The first check time after it, and how many gaps led there. */
  at: number;
  n: number;
}

/** Passes of one invocation are not exactly `nearEndIntervalMs` apart: a check a little early still counts. */
const passToleranceMs = 2_000;

/** Backoff after consecutive failed status calls (the policy's error backoff), with stable jitter. */
export function errorGapMs(taskId: string, failures: number, policy: PollPolicy): number {
  return errorBackoffMs(failures, policy, () => stableUnit(taskId, 1_000 + failures));
}

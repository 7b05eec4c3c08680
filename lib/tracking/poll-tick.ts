import type { TargetLimits } from '../backends/backend.ts';
import { Semaphore } from '../concurrency.ts';
import { attributeTo } from '../cost/cost-ledger.ts';
import { type PollCheckpointStore, TaskVersionConflictError } from '../store/task-store.ts';
import { decideRun } from './decisions.ts';
import { dueCheckTime, type IndexedTask, isFollowedWithoutWrites, rememberRun, type ShardCheckpoint } from './poll-schedule.ts';
import { apply, context, NeedsFullTaskError, observe, type PollOutcome, pollTask, refOf } from './poll-task.ts';
import type { TrackingDependencies } from './tracking-deps.ts';
import { type StarterDependencies, type StarterReport, startWaitingTasks } from './waiting-starter.ts';

export interface TickOptions {
  /** Who holds the shard leases (the invocation's request id). */
  owner: string;
  remainingMs(): number;
  /**
   * Stop taking a target's tasks when less than its margin is left: its backend's longest status call and
   * the write after it. Without this option each target's margin comes from its backend's declared timing.
   */
  marginMs?: number;
  /** Status calls in flight to one target. */
  concurrencyPerTarget: number;
  pageSize: number;
  /** Cuts every backend call at the invocation's deadline (a late abort or rerun call never outlives the Lambda). */
  signal?: AbortSignal;
  /**
   * Further passes over the same tasks within this invocation, this far apart, until `passesUntil` (clock
   * time): checks finer than the one-minute schedule, without reading the index again. One pass without.
   */
  passIntervalMs?: number;
  passesUntil?: number;
}

export const defaultTickOptions = { concurrencyPerTarget: 16, pageSize: 500 };

/** The write (and its one conflict re-read) after a status call, on top of the backend's call bound. */
const writeMarginMs = 2_000;

/** How much time a check of one target's task needs; the poll handler's pass window follows the largest. */
export function marginMsFor(deps: Pick<TrackingDependencies, 'backends'>, target: string | undefined): number {
  const backend = target === undefined ? undefined : deps.backends.get(target);
  return (backend?.timing.statusMs ?? Math.max(0, ...deps.backends.all().map((b) => b.timing.statusMs))) + writeMarginMs;
}

export function largestMarginMs(deps: Pick<TrackingDependencies, 'backends'>): number {
  return Math.max(writeMarginMs, ...deps.backends.all().map((b) => b.timing.statusMs + writeMarginMs));
}

export interface TickReport {
  shards: number;
  /** Shards another invocation was working on: skipped, so no task is processed twice at once. */
  shardsBusy: number;
  passes: number;
  checked: number;
  outcomes: Record<PollOutcome | 'error', number>;
  /** Due tasks seen but not processed before the time budget ran out: the next tick takes them. */
  leftForNextTick: number;
}

/**
 * Entries a checkpoint keeps per kind; beyond it the oldest fall back to the plain schedule. With errors
 * cut to 100 characters, three full maps stay near 250 KB, under DynamoDB's 400 KB item limit.
 */
const maxCheckpointEntries = 1_000;
/**
 * Run memories (predicted ends) a shard keeps: up to ~180 B each (a staged run's sightings), so 800 stay under
 * 150 KB beside the other maps. Beyond it, the runs checked longest ago use the age-based rule; more shards
 * (TASK_INDEX_SHARDS) keep more.
 */
export const maxRunMemories = 800;
const shortError = (message: string) => (message.length > 100 ? `${message.slice(0, 99)}…` : message);

/**
 * One scheduled run of the poller. Reads the shard's active tasks from the sparse index (never a scan, never
 * the task items), decides from each entry and the shard's checkpoint which are due, asks the backend, and
 * writes a task only when the backend said something new. Each shard is worked under a lease (overlapping
 * invocations split the work); its checkpoint is saved once at the end. Pages are fed into one bounded queue
 * of calls per backend, so a slow page never holds the next one back. Stops taking work when the
 * invocation's time runs low; what was left is served by the next tick.
 */
export async function pollTick(deps: TrackingDependencies & { checkpoints: PollCheckpointStore }, options: TickOptions): Promise<TickReport> {
  const shards = deps.settings.taskPolicy.shards;
  const report: TickReport = {
    shards,
    shardsBusy: 0,
    passes: 0,
    checked: 0,
    outcomes: { changed: 0, unchanged: 0, 'no-answer': 0, 'not-found': 0, skipped: 0, error: 0 },
    leftForNextTick: 0,
  };
  const limiters = new Map<string, Semaphore>();
  const limiterFor = (key: string) => {
    let limiter = limiters.get(key);
    if (!limiter) {
      limiter = new Semaphore(options.concurrencyPerTarget);
      limiters.set(key, limiter);
    }
    return limiter;
  };
  const targetOf = (task: IndexedTask) => deps.backends.forTask(task)?.target ?? task.target ?? task.backend;
  const margins = new Map<string, number>();
  const marginOf = (target: string) => {
    let margin = margins.get(target);
    if (margin === undefined) {
      margin = options.marginMs ?? marginMsFor(deps, target);
      margins.set(target, margin);
    }
    return margin;
  };
  const passMargin = options.marginMs ?? largestMarginMs(deps);
  const timeLeft = (target?: string) => options.remainingMs() > (target === undefined ? passMargin : marginOf(target));

  const workShard = async (shard: number) => {
    const start = deps.clock.now();
    const leaseUntil = start + Math.max(1_000, options.remainingMs());
    const checkpoint = await deps.checkpoints.claimShard(shard, options.owner, start, leaseUntil);
    if (!checkpoint) {
      report.shardsBusy++;
      return;
    }
    const tasks = new Map<string, IndexedTask>();
    let readComplete = false;

    const pass = async (passAt: number, view: ShardCheckpoint, incoming: AsyncIterable<IndexedTask[]> | Iterable<IndexedTask[]>) => {
      const work: Array<Promise<void>> = [];
      try {
        for await (const page of incoming) {
          for (const task of page) {
            tasks.set(task.taskId, task);
            const dueAt = dueCheckTime(task, view, passAt, deps.settings.poll);
            if (dueAt !== undefined) {
              const target = targetOf(task);
              work.push(limiterFor(target).run(() => serve(task, target, dueAt, passAt)));
            }
          }
        }
      } finally {
        // Every check started is finished before the checkpoint is saved, even when a page read failed.
        await Promise.allSettled(work);
        report.passes++;
      }
    };

    const serve = async (task: IndexedTask, target: string, dueAt: number, passAt: number) => {
      const followed = isFollowedWithoutWrites(task.state);
      if (!timeLeft(target)) {
        report.leftForNextTick++;
        // Its check time is behind the saved checkpoint now: remembered, so the next tick serves it first.
        if (followed) checkpoint.pending[task.taskId] = dueAt;
        return;
      }
      report.checked++;
      // How late the check is against its time: the poll-lag alarm watches the maximum.
      deps.metrics?.milliseconds('PollLag', Math.max(0, deps.clock.now() - dueAt), { target });
      delete checkpoint.pending[task.taskId];
      try {
        const outcome = await attributeTo(deps.ledger, task.taskId, () => checkTask(task, checkpoint, passAt, deps, options.signal));
        report.outcomes[outcome]++;
        // Written (or a state whose check writes its next time): the entry read from the index is stale.
        if (outcome === 'changed' || !followed) tasks.delete(task.taskId);
      } catch (error) {
        report.outcomes.error++;
        // Backed off like a failing status call, so one broken task cannot take every tick's time.
        if (followed) noteFailure(checkpoint, task.taskId, passAt, error instanceof Error ? error.message : String(error));
        deps.logger.error('poll of a task failed; it is checked again later', { taskId: task.taskId, error });
      }
    };

    try {
      await pass(start, { ...checkpoint }, deps.store.queryActive(shard, start, options.pageSize));
      readComplete = true;
      // Check times up to the read are served (or remembered as pending); so are new anchors up to it.
      checkpoint.checkedThrough = checkpoint.readThrough = start;
      // Later passes: the tasks already read, finer than a tick (near-end stages, young runs).
      for (let previous = start; options.passIntervalMs && options.passesUntil !== undefined; ) {
        const at = previous + options.passIntervalMs;
        if (at > options.passesUntil || !timeLeft()) break;
        await deps.clock.sleep(Math.max(0, at - deps.clock.now()));
        const passAt = deps.clock.now();
        await pass(passAt, { ...checkpoint, checkedThrough: previous }, [[...tasks.values()]]);
        checkpoint.checkedThrough = previous = passAt;
      }
    } finally {
      // A failed read leaves the window open (the next tick serves it) and keeps every entry.
      if (readComplete) prune(checkpoint, tasks);
      await deps.checkpoints.saveShard(shard, options.owner, checkpoint);
    }
  };

  // A shard that fails (a throttled query, a lease write) must not end the invocation under the others'
  // feet: each is settled on its own, and what it left is served by the next tick.
  const results = await Promise.allSettled(Array.from({ length: shards }, (_, shard) => workShard(shard)));
  for (const [shard, result] of results.entries()) {
    if (result.status === 'rejected') {
      report.outcomes.error++;
      deps.logger.error('poll of a shard failed; its tasks stay due for the next tick', { shard, error: result.reason });
    }
  }
  return report;
}

/**
 * One due task. A running job whose status brings nothing new costs the status call and nothing else: the
 * checkpoint (in memory, saved once per tick) notes a near end or a failed call. Anything new — or a state
 * whose checks always write — goes through pollTask, which reads the task and writes conditionally.
 */
async function checkTask(
  task: IndexedTask,
  checkpoint: ShardCheckpoint,
  passAt: number,
  deps: TrackingDependencies,
  signal: AbortSignal | undefined,
): Promise<PollOutcome> {
  const backend = deps.backends.forTask(task);
  const ref = backend ? refOf(task, backend) : undefined;
  if (!isFollowedWithoutWrites(task.state) || !backend || !ref) return pollTask(task.taskId, deps, signal ? { signal } : {});
  const observation = await observe(backend, ref, signal, task.counters);
  const decision = decideRun(task, observation, context(deps));
  if (decision.kind === 'no-answer') {
    const failures = noteFailure(checkpoint, task.taskId, passAt, observation.kind === 'error' ? observation.message : '');
    deps.logger.warn('status call failed; the task is checked again later', {
      taskId: task.taskId,
      requestId: task.requestId,
      target: backend.target,
      remoteId: task.remoteId,
      failures,
      error: observation.kind === 'error' ? observation.message : undefined,
    });
    return 'no-answer';
  }
  delete checkpoint.failing[task.taskId];
  if (observation.kind === 'status') rememberRun(checkpoint, task, passAt, observation.status);
  if (decision.kind === 'none') {
    if (decision.nearEnd) checkpoint.nearEnd[task.taskId] = { stage: decision.stage, at: passAt };
    else delete checkpoint.nearEnd[task.taskId];
    return 'unchanged';
  }
  delete checkpoint.nearEnd[task.taskId];
  // News: decided on the index entry and written in one conditional update; a lost race or a full history
  // falls back to reading the task (with the same observation, so the backend is not asked twice).
  try {
    return await apply(task, decision, backend, observation, deps, signal);
  } catch (error) {
    if (!(error instanceof TaskVersionConflictError) && !(error instanceof NeedsFullTaskError)) throw error;
    return pollTask(task.taskId, deps, { observation, ...(signal ? { signal } : {}) });
  }
}

/** Counts one more failed check of a task in the checkpoint (its backoff grows); returns the count. */
function noteFailure(checkpoint: ShardCheckpoint, taskId: string, at: number, message: string): number {
  const failures = (checkpoint.failing[taskId]?.failures ?? 0) + 1;
  checkpoint.failing[taskId] = { failures, at, error: shortError(message) };
  return failures;
}

/** Entries of tasks that left the shard's index go; the checkpoint item stays small. */
function prune(checkpoint: ShardCheckpoint, tasks: Map<string, IndexedTask>): void {
  const keep = <T>(entries: Record<string, T>, at: (entry: T) => number, most = maxCheckpointEntries) =>
    Object.fromEntries(
      Object.entries(entries)
        .filter(([taskId]) => tasks.has(taskId))
        .sort((a, b) => at(b[1]) - at(a[1]))
        .slice(0, most),
    );
  checkpoint.nearEnd = keep(checkpoint.nearEnd, (e) => e.at);
  checkpoint.failing = keep(checkpoint.failing, (e) => e.at);
  checkpoint.runs = keep(checkpoint.runs ?? {}, (e) => e.at, maxRunMemories);
  // The oldest pending check times are kept: they waited longest.
  checkpoint.pending = keep(checkpoint.pending, (at) => -at);
}

/**
 * One poll invocation: the tick, then the waiting lines of limited targets (freed slots go to the next in
 * line). A deployment without limits has no `lines`.
 */
export async function pollInvocation(
  deps: TrackingDependencies & { checkpoints: PollCheckpointStore },
  options: TickOptions,
  lines?: { limited: ReadonlyArray<{ name: string; limits?: TargetLimits | undefined }>; starter: StarterDependencies },
): Promise<TickReport & { lines?: StarterReport }> {
  const report = await pollTick(deps, options);
  return lines ? { ...report, lines: await startWaitingTasks(lines.limited, lines.starter) } : report;
}

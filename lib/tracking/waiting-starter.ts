import type { TargetLimits } from '../backends/backend.ts';
import type { Clock } from '../clock.ts';
import { scopesOf } from '../limits/scopes.ts';
import type { SlotHolder, SlotStore } from '../limits/slots.ts';
import { nextToStart, type WaitingEntry } from '../limits/waiting-line.ts';
import type { Logger } from '../logger.ts';
import type { MetricsSink } from '../observability/metrics.ts';
import type { TaskStore } from '../store/task-store.ts';
import { isTerminal } from '../task/states.ts';
import type { Task } from '../task/task.ts';
import type { ImportQueue } from '../triggers/import-queue.ts';

export interface StarterDependencies {
  store: TaskStore;
  slots: SlotStore;
  queue: ImportQueue;
  clock: Clock;
  logger: Logger;
  metrics?: MetricsSink;
}

export interface StarterReport {
  started: number;
  released: number;
  waiting: number;
}

/** How long a slot reserved for a waiting task stays reserved without its start message arriving. */
export const reservationMs = 10 * 60_000;
/** Most waiting tasks read per target and tick: the head of the line. */
const lineHead = 100;

/** How long an UNCERTAIN task's slot is kept when the task sets no maximum duration: the default deadline. */
export const uncertainSlotMs = 24 * 60 * 60_000;

/**
 * A slot that no task uses any more: its task is gone, ended or deleted, or it was only reserved (a waiting
 * task's start, a create that failed before leaving) and its lease ran out. A create in flight and a running
 * job keep theirs. An UNCERTAIN task's job may be running: it keeps its slot until its run could no longer
 * be (its maximum duration since the create, the deadline bulkpilot would have enforced), then the slot
 * comes back by itself even if nobody settles the task.
 */
export function isStaleHolder(task: Task | undefined, holder: SlotHolder, now: number): boolean {
  if (!task || task.deletedAt !== undefined || isTerminal(task.state)) return true;
  const leased = holder.leaseUntil === undefined || holder.leaseUntil >= now;
  if (task.state === 'WAITING') return !leased;
  if (task.state === 'ACCEPTED' && task.create.startedAt === undefined) return !leased;
  if (task.state === 'UNCERTAIN') return now >= (task.create.startedAt ?? holder.since) + (task.maxDurationMs ?? uncertainSlotMs);
  return false;
}

/**
 * Once per poll, for each limited target with a waiting line: gives back the slots nobody uses (a crashed
 * create's comes back after its lease), then starts the head of the waiting line into the free slots — priority first, then
 * arrival, a full destination skipped — by reserving the task's slots and sending its request to the import
 * queue again. The submit path does the rest (claim, create, record), idempotent as for any request.
 */
export async function startWaitingTasks(
  targets: ReadonlyArray<{ name: string; limits?: TargetLimits | undefined }>,
  deps: StarterDependencies,
): Promise<StarterReport> {
  const report: StarterReport = { started: 0, released: 0, waiting: 0 };
  for (const target of targets) {
    const limits = target.limits;
    if (!limits || (limits.maxConcurrent === undefined && limits.maxConcurrentPerDestination === undefined)) continue;
    const now = deps.clock.now();
    const scope = scopesOf(target.name, undefined, limits)[0]!;
    const line = (await deps.store.listPage({ states: ['WAITING'], target: target.name }, lineHead, 1)).tasks.filter((t) => !t.deletedAt);
    report.waiting += line.length;
    deps.metrics?.count('TasksWaiting', line.length, { target: target.name });
    // Nobody waits: a slot nobody uses harms no one yet, and reading every holder's task each minute would
    // cost a read per running job per minute. It is given back when a task waits for it.
    if (line.length === 0) continue;
    const holders = await deps.slots.holders(scope.id);
    let running = holders.length;
    const holding = await Promise.all(holders.map((holder) => deps.store.get(holder.taskId)));
    for (const [k, holder] of holders.entries()) {
      if (!isStaleHolder(holding[k], holder, now)) continue;
      await deps.slots.release(holder.taskId, holder.scopes ?? [scope.id]);
      deps.logger.warn('slot given back: its task no longer uses it', { target: target.name, taskId: holder.taskId });
      report.released++;
      running--;
    }
    // How long the head of the line has waited: what the alarm on a line that stopped moving watches.
    const oldest = Math.min(...line.map((t) => t.waitingSince ?? t.createdAt));
    deps.metrics?.milliseconds('WaitingLineAge', now - oldest, { target: target.name });
    const free = (limits.maxConcurrent ?? Number.POSITIVE_INFINITY) - running;
    const entries: WaitingEntry[] = line.map((t) => ({
      taskId: t.taskId,
      priority: t.priority ?? 0,
      arrivedAt: t.waitingSince ?? t.createdAt,
      destination: t.destinationKey ?? '',
    }));
    const freeAt = new Map<string, number>();
    if (limits.maxConcurrentPerDestination !== undefined) {
      await Promise.all(
        [...new Set(entries.map((e) => e.destination))].map(async (destination) => {
          const dest = scopesOf(target.name, destination, limits)[1]!;
          freeAt.set(destination, dest.max - (await deps.slots.holders(dest.id)).length);
        }),
      );
    }
    for (const entry of nextToStart(entries, free, (d) => freeAt.get(d) ?? Number.POSITIVE_INFINITY)) {
      const task = line.find((t) => t.taskId === entry.taskId)!;
      if (!task.requestBody) {
        deps.logger.error('waiting task has no request to send again', { taskId: task.taskId });
        continue;
      }
      const scopes = scopesOf(target.name, task.destinationKey, limits);
      const taken = await deps.slots.acquire(task.taskId, scopes, { since: now, leaseUntil: now + reservationMs, scopes: scopes.map((s) => s.id) });
      if (taken.kind !== 'held') continue; // a race took the slot first: the next tick tries again
      await deps.queue.enqueue([{ body: task.requestBody, ...(task.sourceFile ? { sourceFile: `s3://${task.sourceBucket}/${task.sourceFile}` } : {}) }]);
      deps.logger.info('waiting task sent to start', { target: target.name, taskId: task.taskId, priority: entry.priority });
      report.started++;
    }
  }
  return report;
}

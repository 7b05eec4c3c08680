import type { CostLedger } from '../cost/cost-ledger.ts';
import type { Logger } from '../logger.ts';
import { type MetricsSink, transitionMetric } from '../observability/metrics.ts';
import type { TaskStore } from '../store/task-store.ts';
import { isTerminal } from '../task/states.ts';
import type { Task } from '../task/task.ts';

/** What an operator is told when a task ends, or when a running task's backend says it is not doing its work. */
export interface TaskSummary {
  /**
   * `ended`: the task reached a terminal state; `warning`: a running task raised a warning;
   * `needs-operator`: the task is UNCERTAIN (its create's outcome is unknown) and waits for `bulkpilot settle`.
   */
  event: 'ended' | 'warning' | 'needs-operator';
  taskId: string;
  requestId: string;
  target: string | null;
  backend: string;
  state: string;
  /** The job's id as the backend shows it, and its whole reference. */
  remoteId: string | null;
  remote: Record<string, string | number> | null;
  source: string | null;
  destination: string | null;
  attempts: number;
  durationMs: number;
  lastError: string | null;
  reason: string;
  finishedAt: string;
  /** The job's counters when last written (rows, bytes, discarded records…), and what is wrong with it. */
  counters: Record<string, number> | null;
  warnings: Array<{ code: string; message: string; since: string }> | null;
  /** What an operator should do, for a task that needs one. */
  action?: string;
}

export interface Notification {
  subject: string;
  summary: TaskSummary;
}

export interface NotificationPublisher {
  publish(notification: Notification): Promise<void>;
}

export function summarize(task: Task, event: TaskSummary['event'] = 'ended'): TaskSummary {
  const finishedAt = task.finishedAt ?? task.updatedAt;
  return {
    event,
    taskId: task.taskId,
    requestId: task.requestId,
    target: task.target ?? null,
    backend: task.backend,
    state: task.state,
    remoteId: task.remoteId ?? null,
    remote: task.remote ?? null,
    source: task.summary.source ?? null,
    destination: task.summary.destination ?? null,
    attempts: task.attempt ?? 0,
    durationMs: finishedAt - task.createdAt,
    lastError: task.error?.reason ?? null,
    reason: task.history.at(-1)?.reason ?? '',
    finishedAt: new Date(finishedAt).toISOString(),
    counters: task.counters ?? null,
    warnings: task.warnings?.map((w) => ({ code: w.code, message: w.message, since: new Date(w.since).toISOString() })) ?? null,
  };
}

/**
 * Announces a task's terminal state once. The mark is written after the publish: a crash between the two
 * announces twice (at least once beats at most once for an operator), but a stream record that is simply
 * delivered again finds the mark and publishes nothing.
 */
export async function announceTerminal(
  task: Task,
  deps: { store: TaskStore; publisher: NotificationPublisher; logger: Logger; metrics?: MetricsSink; ledger?: CostLedger },
): Promise<boolean> {
  if (!isTerminal(task.state) || (task.notifiedVersion ?? 0) >= task.version) return false;
  const current = await deps.store.get(task.taskId);
  // Reopened (manual retry) or already announced since this image was taken: the newer image speaks.
  if (!current || current.version !== task.version || (current.notifiedVersion ?? 0) >= task.version) return false;
  const summary = summarize(current);
  const what = summary.destination ?? summary.requestId;
  await deps.publisher.publish({ subject: `bulkpilot: ${summary.state} ${what}`.slice(0, 99), summary });
  await deps.store.markNotified(task.taskId, task.version);
  const metric = transitionMetric[current.state];
  const dimensions = current.target === undefined ? undefined : { target: current.target };
  if (metric) deps.metrics?.count(metric, 1, dimensions);
  deps.metrics?.milliseconds('TaskDuration', summary.durationMs, dimensions);
  deps.logger.info('terminal state announced', { taskId: task.taskId, requestId: task.requestId, state: task.state, remoteId: task.remoteId });
  return true;
}

/**
 * Announces the warnings a running task raised (its backend says the job is not doing its work): once per
 * raise, told by `warnedAt`. A stream record delivered again announces again (at least once); a newer
 * image that no longer carries the raise announces nothing.
 */
export async function announceWarnings(
  task: Task,
  deps: { store: TaskStore; publisher: NotificationPublisher; logger: Logger; metrics?: MetricsSink },
): Promise<boolean> {
  const current = await deps.store.get(task.taskId);
  if (!current || current.warnedAt !== task.warnedAt || !current.warnings?.length || isTerminal(current.state)) return false;
  const summary = summarize(current, 'warning');
  const raised = current.warnings.filter((w) => w.since === current.warnedAt);
  const what = summary.destination ?? summary.requestId;
  await deps.publisher.publish({ subject: `bulkpilot: WARNING ${what}: ${(raised[0] ?? current.warnings[0]!).message}`.slice(0, 99), summary });
  deps.logger.warn('task warning announced', { taskId: task.taskId, requestId: task.requestId, remoteId: task.remoteId, warnings: current.warnings });
  return true;
}

/**
 * Tells operators that a task needs one: its create's outcome is unknown, nothing will happen until it is
 * settled. Once per entry into UNCERTAIN (at least once: a stream record delivered again tells again).
 */
export async function announceUncertain(
  task: Task,
  deps: { store: TaskStore; publisher: NotificationPublisher; logger: Logger; metrics?: MetricsSink },
): Promise<boolean> {
  const current = await deps.store.get(task.taskId);
  if (!current || current.state !== 'UNCERTAIN' || current.version !== task.version) return false;
  const summary = {
    ...summarize(current, 'needs-operator'),
    action: `find the job at the backend (bulkpilot status ${current.taskId}; docs/operating.md, "Settling an UNCERTAIN task"), then bulkpilot settle ${current.taskId} --job <its id>, or --give-up if it does not exist`,
  };
  const what = summary.destination ?? summary.requestId;
  await deps.publisher.publish({ subject: `bulkpilot: UNCERTAIN ${what}: settle it`.slice(0, 99), summary });
  deps.logger.warn('uncertain task announced', { taskId: task.taskId, requestId: task.requestId, reason: summary.reason });
  return true;
}

import type { CostLedger } from '../cost/cost-ledger.ts';
import type { Logger } from '../logger.ts';
import { type MetricsSink, transitionMetric } from '../observability/metrics.ts';
import type { TaskStore } from '../store/task-store.ts';
import { isTerminal } from '../task/states.ts';
import type { Task } from '../task/task.ts';

/** What an operator is told when a task ends. */
export interface TaskSummary {
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
}

export interface Notification {
  subject: string;
  summary: TaskSummary;
}

export interface NotificationPublisher {
  publish(notification: Notification): Promise<void>;
}

export function summarize(task: Task): TaskSummary {
  const finishedAt = task.finishedAt ?? task.updatedAt;
  return {
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

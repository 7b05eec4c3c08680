import { TaskVersionConflictError } from '../store/task-store.ts';
import { type Task, transition } from '../task/task.ts';
import { decideAfterFailure } from './retry-policy.ts';
import type { TrackingDependencies } from './tracking-deps.ts';

/**
 * Applies the retry policy to a FAILED task: RETRY_WAIT until `nextAttemptAt` (the poller then calls the
 * backend's retry), or FAILED_FINAL. Never sleeps. Called by the retry function on the stream, and by the
 * poller for a task left FAILED too long. Safe to run twice: only a task still FAILED is touched.
 */
export async function settleFailedTask(taskId: string, deps: TrackingDependencies): Promise<Task | undefined> {
  for (let round = 0; round < 3; round++) {
    const task = await deps.store.get(taskId);
    if (!task || task.state !== 'FAILED') return undefined;
    const now = deps.clock.now();
    const rerun = deps.rerunKindOf?.(task) ?? deps.backends.forTask(task)?.capabilities.rerun;
    const decision = decideAfterFailure(task, deps.settings.retry, now, deps.random, rerun);
    const next =
      decision.to === 'RETRY_WAIT'
        ? transition(task, {
            to: 'RETRY_WAIT',
            reason: decision.reason,
            now,
            policy: deps.settings.taskPolicy,
            changes: { nextAttemptAt: decision.nextAttemptAt },
            dueAt: decision.nextAttemptAt,
          })
        : transition(task, { to: 'FAILED_FINAL', reason: decision.reason, now, policy: deps.settings.taskPolicy });
    try {
      await deps.store.replace(next);
      deps.logger.info('failed task settled', { taskId, state: next.state, attempt: task.attempt, nextAttemptAt: next.nextAttemptAt });
      return next;
    } catch (error) {
      if (!(error instanceof TaskVersionConflictError)) throw error;
    }
  }
  throw new Error(`task ${taskId}: could not settle its failure after 3 conflicting writes`);
}

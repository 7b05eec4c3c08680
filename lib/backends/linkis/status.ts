import type { RemotePhase } from '../backend.ts';

/** The status enum (SchedulerEventState, jobhistory TaskStatus: identical) and what it means. */
const phaseOf: Record<string, RemotePhase> = {
  Inited: 'pending',
  WaitForRetry: 'pending',
  Scheduled: 'pending',
  Running: 'running',
  Succeed: 'succeeded',
  Failed: 'failed',
  Timeout: 'failed',
  Cancelled: 'aborted',
};

export function linkisPhase(status: string): RemotePhase {
  return phaseOf[status] ?? 'unknown';
}

/** Completed (SchedulerEventState.isCompleted): once seen, a kill must never be sent (it can flip Succeed to Cancelled). */
export function isCompleted(status: string): boolean {
  return status === 'Succeed' || status === 'Failed' || status === 'Cancelled' || status === 'Timeout';
}

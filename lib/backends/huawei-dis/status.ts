import type { RemotePhase } from '../backend.ts';

/**
 * A dump task's state (go3 model_transfer_task.go): it never succeeds. STARTING is starting, RUNNING is
 * healthy, PAUSED is stopped (a stop, or someone's at the console), ERROR and ABNORMAL are failures (the
 * retry policy starts it again), DELETE is on its way out; anything else is kept verbatim, never terminal.
 */
export function disPhase(state: string): RemotePhase {
  switch (state) {
    case 'STARTING':
      return 'pending';
    case 'RUNNING':
      return 'running';
    case 'PAUSED':
    case 'DELETE':
      return 'aborted';
    case 'ERROR':
    case 'ABNORMAL':
      return 'failed';
    default:
      return 'unknown';
  }
}

import type { RemotePhase } from '../backend.ts';

/** [I] No state enumeration is published; these are the values seen in the docs and the sibling LTS API. */
const phaseOf: Record<string, RemotePhase> = {
  RUNNING: 'running',
  SUCCEEDED: 'succeeded',
  SUCCESS: 'succeeded',
  FAILED: 'failed',
  ABORTED: 'aborted',
  KILLED: 'aborted',
  CANCELLED: 'aborted',
};

/** What a proc's `state` means; any other value is kept verbatim and is never terminal. */
export function lindormPhase(state: string): RemotePhase {
  return phaseOf[state.toUpperCase()] ?? 'unknown';
}

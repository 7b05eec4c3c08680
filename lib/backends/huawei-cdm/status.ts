import type { RemotePhase } from '../backend.ts';
import type { CdmSubmission } from './submission.ts';

/**
 * A submission's status as bulkpilot reads it (backends-real §2.3, §2.6a): NEW, PENDING and BOOTING are the
 * run starting; FAILED, FAILURE_ON_SUBMIT and a progress of -1 are a failure, or a stop when the
 * error-summary says so; NEVER_EXECUTED and UNKNOWN (and anything new) are kept verbatim, never terminal.
 */
export function cdmPhase(submission: CdmSubmission, stoppedPattern: RegExp): RemotePhase {
  switch (submission.status) {
    case 'NEW':
    case 'PENDING':
    case 'BOOTING':
      return 'pending';
    case 'RUNNING':
      return submission.progress === -1 ? 'failed' : 'running';
    case 'SUCCEEDED':
      return 'succeeded';
    // [I] A CN FAQ lists a "stopped" status; the API's enum has none.
    case 'STOPPED':
    case 'stopped':
      return 'aborted';
    case 'FAILED':
    case 'FAILURE_ON_SUBMIT':
      return stoppedPattern.test(submission.errorSummary ?? '') ? 'aborted' : 'failed';
    default:
      return submission.progress === -1 && submission.status !== 'UNKNOWN' && submission.status !== 'NEVER_EXECUTED' ? 'failed' : 'unknown';
  }
}

import type { CreateFailure } from '../backends/backend.ts';
import type { Task } from '../task/task.ts';
import { unrecordedCreateReason } from '../task/uncertain-create.ts';

/**
 * What the submit path does with what it finds: pure functions, so the rules that make submission
 * idempotent are unit-tested without a queue, a store or a backend. submit-record.ts carries them out.
 */

/** A delivery found the task of its requestId already written. */
export type ExistingDecision =
  /** Our own intent: its first answer was lost and the SDK's retry found the item it had written. */
  | { kind: 'own-intent' }
  /** The requestId names a different request: this one is refused, the task left as it is. */
  | { kind: 'reused'; reason: string }
  /** The request was refused before: its letter is sent again (a duplicate letter is harmless, a missing one loses it). */
  | { kind: 'rejected-again'; reason: string; field: string | undefined }
  /** Submitted (or past that) already: nothing to do. */
  | { kind: 'duplicate' }
  /** Another delivery's create is in flight: come back later. */
  | { kind: 'in-progress'; reason: string }
  /** A create started and never recorded its outcome. */
  | { kind: 'unrecorded'; reason: string }
  /** ACCEPTED without a claim (a create that failed before leaving): claim and create. */
  | { kind: 'claim-again' }
  /** WAITING for a slot (this is its request sent again as one frees): take the slot, claim and create. */
  | { kind: 'start-waiting' };

export function decideExisting(existing: Task, request: { requestId: string; contentHash: string }, ownClaimToken: string, now: number): ExistingDecision {
  if (existing.state === 'ACCEPTED' && existing.version === 1 && existing.create.token === ownClaimToken) return { kind: 'own-intent' };
  if (existing.contentHash !== request.contentHash) {
    return {
      kind: 'reused',
      reason: `requestId ${JSON.stringify(request.requestId)} is already used by task ${existing.taskId} (${existing.state}) for a different request; use a new requestId`,
    };
  }
  if (existing.state === 'REJECTED')
    return { kind: 'rejected-again', reason: `refused by the backend: ${existing.error?.reason ?? 'see the task'}`, field: existing.error?.field };
  if (existing.state === 'WAITING') return { kind: 'start-waiting' };
  if (existing.state !== 'ACCEPTED') return { kind: 'duplicate' };
  const { startedAt, leaseUntil } = existing.create;
  if (startedAt !== undefined && (leaseUntil ?? 0) > now) {
    return { kind: 'in-progress', reason: `task ${existing.taskId}: a create started at ${new Date(startedAt).toISOString()} is still in progress` };
  }
  if (startedAt !== undefined) return { kind: 'unrecorded', reason: unrecordedCreateReason(existing)! };
  return { kind: 'claim-again' };
}

/**
 * A create whose outcome is unknown: look its job up where the backend can be asked; where it cannot,
 * hold it for an operator (`hold`) or create again and flag a possible duplicate (`resubmit`).
 */
export type UnknownOutcomeDecision = { kind: 'look-up' } | { kind: 'hold' } | { kind: 'resubmit' };

export function decideUnknownOutcome(canFindCreated: boolean, policy: 'hold' | 'resubmit'): UnknownOutcomeDecision {
  if (canFindCreated) return { kind: 'look-up' };
  return { kind: policy };
}

/** What a failed create leads to. */
export type CreateFailureDecision =
  | { kind: 'reject'; reason: string }
  /** Nothing was created: the claim is released and SQS delivers the message again. */
  | { kind: 'retry-later'; reason: string }
  | { kind: 'unknown-outcome'; reason: string };

export function decideCreateFailure(failure: CreateFailure, attempt: number): CreateFailureDecision {
  if (failure.kind === 'refused') return { kind: 'reject', reason: failure.reason };
  if (failure.kind === 'not-created') return { kind: 'retry-later', reason: failure.reason };
  return { kind: 'unknown-outcome', reason: `create attempt ${attempt} got no usable answer: ${failure.reason}` };
}

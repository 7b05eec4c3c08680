/** The task state machine (design.md), with one addition: UNCERTAIN, for a create whose outcome is unknown. */
export const taskStates = [
  'ACCEPTED',
  'WAITING',
  'UNCERTAIN',
  'SUBMITTED',
  'RUNNING',
  'RETRY_WAIT',
  'ABORTING',
  'FAILED',
  'SUCCEEDED',
  'FAILED_FINAL',
  'ABORTED',
  'REJECTED',
  'LOST',
] as const;

export type TaskState = (typeof taskStates)[number];

export const terminalStates: ReadonlySet<TaskState> = new Set(['SUCCEEDED', 'FAILED_FINAL', 'ABORTED', 'REJECTED', 'LOST']);

/**
 * States someone must come back to without being told: they carry the due-index attributes. UNCERTAIN is
 * left out on purpose: only an operator can settle it (nothing to poll without a remote id).
 */
export const scheduledStates: ReadonlySet<TaskState> = new Set(['ACCEPTED', 'SUBMITTED', 'RUNNING', 'RETRY_WAIT', 'ABORTING', 'FAILED']);

/**
 * Every transition bulkpilot makes on its own. A same-state update (stage change, lease, next check time)
 * is an update, not a transition. Terminal states have no way out here.
 */
export const allowedTransitions: Readonly<Record<TaskState, readonly TaskState[]>> = {
  ACCEPTED: ['SUBMITTED', 'REJECTED', 'UNCERTAIN', 'WAITING'],
  // A full target or destination: the task waits its turn, then is claimed and created as any request is.
  WAITING: ['ACCEPTED', 'ABORTED'],
  // An operator settles it: the job was found (SUBMITTED), was not (ACCEPTED, to submit again), or is given up.
  UNCERTAIN: ['SUBMITTED', 'ACCEPTED', 'FAILED_FINAL'],
  SUBMITTED: ['RUNNING', 'SUCCEEDED', 'FAILED', 'ABORTING', 'ABORTED', 'LOST'],
  RUNNING: ['SUCCEEDED', 'FAILED', 'ABORTING', 'ABORTED', 'LOST'],
  // The backend's rerun is called when the wait is over; the job may also have been retried, aborted or
  // finished from the console meanwhile.
  RETRY_WAIT: ['RUNNING', 'SUCCEEDED', 'FAILED_FINAL', 'ABORTING', 'ABORTED', 'LOST'],
  ABORTING: ['ABORTED', 'SUCCEEDED', 'FAILED_FINAL', 'LOST'],
  FAILED: ['RETRY_WAIT', 'FAILED_FINAL', 'ABORTING', 'ABORTED'],
  SUCCEEDED: [],
  FAILED_FINAL: [],
  ABORTED: [],
  REJECTED: [],
  LOST: [],
};

/**
 * The only ways out of a terminal state, and only by an operator's explicit command: a manual retry of a
 * task that failed for good or was aborted starts a fresh round of attempts.
 */
export const operatorReopenTransitions: Readonly<Partial<Record<TaskState, readonly TaskState[]>>> = {
  FAILED_FINAL: ['RETRY_WAIT'],
  ABORTED: ['RETRY_WAIT'],
};

export function isTerminal(state: TaskState): boolean {
  return terminalStates.has(state);
}

export function canTransition(from: TaskState, to: TaskState, by: 'system' | 'operator' = 'system'): boolean {
  if (allowedTransitions[from].includes(to)) return true;
  return by === 'operator' && (operatorReopenTransitions[from] ?? []).includes(to);
}

export class IllegalTransitionError extends Error {
  readonly from: TaskState;
  readonly to: TaskState;

  constructor(taskId: string, from: TaskState, to: TaskState) {
    super(`task ${taskId}: ${from} → ${to} is not an allowed transition`);
    this.name = 'IllegalTransitionError';
    this.from = from;
    this.to = to;
  }
}

/** The task state machine (design.md), with one addition: UNCERTAIN, for a create whose outcome is unknown. */
export const taskStates = [
  'ACCEPTED',
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

/** Every allowed transition. A same-state update (stage change, lease) is an update, not a transition. */
export const allowedTransitions: Readonly<Record<TaskState, readonly TaskState[]>> = {
  ACCEPTED: ['SUBMITTED', 'REJECTED', 'UNCERTAIN'],
  // An operator settles it: the job was found (SUBMITTED), was not (ACCEPTED, to submit again), or is given up.
  UNCERTAIN: ['SUBMITTED', 'ACCEPTED', 'FAILED_FINAL'],
  SUBMITTED: ['RUNNING', 'SUCCEEDED', 'FAILED', 'ABORTING', 'LOST'],
  RUNNING: ['SUCCEEDED', 'FAILED', 'ABORTING', 'LOST'],
  RETRY_WAIT: ['RUNNING', 'SUBMITTED', 'FAILED_FINAL', 'ABORTING', 'LOST'],
  ABORTING: ['ABORTED', 'SUCCEEDED', 'FAILED', 'FAILED_FINAL', 'LOST'],
  FAILED: ['RETRY_WAIT', 'FAILED_FINAL', 'ABORTING'],
  SUCCEEDED: [],
  FAILED_FINAL: [],
  ABORTED: [],
  REJECTED: [],
  LOST: [],
};

export function isTerminal(state: TaskState): boolean {
  return terminalStates.has(state);
}

export function canTransition(from: TaskState, to: TaskState): boolean {
  return allowedTransitions[from].includes(to);
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

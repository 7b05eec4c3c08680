import type { BackendCapabilities } from '../backend.ts';

/**
 * A failed Linkis task is not restarted: a new one is submitted (a new taskID and execID). Linkis has no
 * delete (its history keeps every task), and jobhistory can find a task by the marker its submit stored.
 */
export const linkisCapabilities: BackendCapabilities = { rerun: 'resubmit', delete: false, lifecycle: 'batch' };

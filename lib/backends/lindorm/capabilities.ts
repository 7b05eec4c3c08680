import type { BackendCapabilities } from '../backend.ts';

/** The bulk load API restarts a failed proc in place, deletes procs, and has no way to find a proc by its request. */
export const lindormCapabilities: BackendCapabilities = { rerun: 'in-place', delete: true, lifecycle: 'batch' };

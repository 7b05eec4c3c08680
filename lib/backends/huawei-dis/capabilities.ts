import type { BackendCapabilities } from '../backend.ts';

/** A dump task never succeeds: running is healthy; a failed one is started again; DIS deletes tasks. */
export const disCapabilities: BackendCapabilities = { rerun: 'start', delete: true, lifecycle: 'continuous' };

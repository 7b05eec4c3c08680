import type { BackendCapabilities } from '../backend.ts';

/** A failed run starts again on the same cluster (a new submission of the same job); CDM deletes jobs. */
export const cdmCapabilities: BackendCapabilities = { rerun: 'start', delete: true, lifecycle: 'batch' };

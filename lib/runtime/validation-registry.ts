import { LindormBulkloadBackend } from '../backends/lindorm/backend.ts';
import { LindormBulkloadClient } from '../backends/lindorm/client.ts';
import { BackendRegistry } from '../backends/registry.ts';

/**
 * The backends' request schemas, for validating a request before it is queued. Nothing here calls a
 * backend, so no master URL is needed (the client's pool connects lazily, and never does here).
 */
export function validationRegistry(): BackendRegistry {
  return new BackendRegistry([new LindormBulkloadBackend(new LindormBulkloadClient({ baseUrl: 'http://validation-only.invalid' }))]);
}

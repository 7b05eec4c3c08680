import type { RequestSchema, SchemaRegistry } from '../backends/backend.ts';
import { lindormSchema } from '../backends/lindorm/schema.ts';

const schemas: RequestSchema[] = [lindormSchema as RequestSchema];

/** The backends' request schemas, for validating a request before it is queued: no client, no master URL. */
export function validationRegistry(): SchemaRegistry {
  return { get: (id) => schemas.find((s) => s.id === id), ids: () => schemas.map((s) => s.id) };
}

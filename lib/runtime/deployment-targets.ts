import { backendCatalog } from '../backends/catalog.ts';
import { loadTargets } from '../targets/load-targets.ts';
import type { Targets } from '../targets/targets.ts';

/** The deployment's targets, validated against the catalogue: no connection made, no secret read. */
export function targetsFromEnv(env: Record<string, string | undefined>): Targets {
  return loadTargets(env, backendCatalog);
}

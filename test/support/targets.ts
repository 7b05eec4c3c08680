// Targets for tests, loaded the way a deployment loads them (the catalogue validates them).

import { backendCatalog } from '../../lib/backends/catalog.ts';
import { targetsFromEnv } from '../../lib/runtime/deployment-targets.ts';
import { Targets } from '../../lib/targets/targets.ts';
import { parseTargetsDocument } from '../../lib/targets/targets-file.ts';

/** One Lindorm target named `lindorm`, the default: what BDS_MASTER_URL alone gives a deployment. */
export function lindormTargets(masterUrl = 'http://master.invalid:12311'): Targets {
  return targetsFromEnv({ BDS_MASTER_URL: masterUrl });
}

/** A targets document as a deployment's file holds it, loaded through the catalogue. */
export function targetsOf(document: Record<string, unknown>): Targets {
  return new Targets(parseTargetsDocument(document, 'targets.json', backendCatalog), backendCatalog);
}

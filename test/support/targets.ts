// Targets for tests, loaded the way a deployment loads them (the catalogue validates them).
import { targetsFromEnv } from '../../lib/runtime/deployment-targets.ts';
import type { Targets } from '../../lib/targets/targets.ts';

/** One Lindorm target named `lindorm`, the default: what BDS_MASTER_URL alone gives a deployment. */
export function lindormTargets(masterUrl = 'http://master.invalid:12311'): Targets {
  return targetsFromEnv({ BDS_MASTER_URL: masterUrl });
}

import type { BackendModule } from '../backend.ts';
import { lindormCapabilities } from './capabilities.ts';
import { type LindormTargetConfig, lindormEnvironment, lindormTargetFromEnvironment, parseLindormTarget } from './config.ts';
import type { LindormBulkloadParams } from './request.ts';
import { lindormRequests } from './schema.ts';

/** Alibaba Cloud Lindorm bulk load (the LTS/BDS master's `/pro/proc/…` API). */
export const lindormModule: BackendModule<LindormBulkloadParams, LindormTargetConfig> = {
  id: 'lindorm-bulkload',
  capabilities: lindormCapabilities,
  requests: lindormRequests,
  parseTargetConfig: parseLindormTarget,
  targetFromEnvironment: lindormTargetFromEnvironment,
  environment: lindormEnvironment,
  async connect({ target, clock }) {
    // Loaded here, not at the top: functions that only validate requests never load the client.
    const [{ LindormBulkloadClient }, { LindormBulkloadBackend }] = await Promise.all([import('./client.ts'), import('./backend.ts')]);
    const client = new LindormBulkloadClient({ baseUrl: target.url, ...(target.timeouts ? { timeouts: target.timeouts } : {}), clock });
    return new LindormBulkloadBackend(client, { target: target.name, ...target.config });
  },
};

import type { BackendModule } from '../backend.ts';
import { linkisCapabilities } from './capabilities.ts';
import { type LinkisTargetConfig, parseLinkisTarget } from './config.ts';
import type { LinkisSubmitParams } from './request.ts';
import { linkisRequests } from './schema.ts';

/** Apache Linkis: tasks submitted to the entrance through the gateway, their end read from jobhistory. */
export const linkisModule: BackendModule<LinkisSubmitParams, LinkisTargetConfig> = {
  id: 'linkis',
  capabilities: linkisCapabilities,
  requests: linkisRequests,
  parseTargetConfig: parseLinkisTarget,
  async connect({ target, secrets, clock }) {
    // Loaded here, not at the top: functions that only validate requests never load the client.
    const [{ LinkisClient }, { LinkisBackend }] = await Promise.all([import('./client.ts'), import('./backend.ts')]);
    const client = new LinkisClient({ url: target.url, auth: target.config.auth, secrets, ...(target.timeouts ? { timeouts: target.timeouts } : {}), clock });
    return new LinkisBackend(client, { target: target.name, nearEndProgress: target.config.nearEndProgress, clock });
  },
};

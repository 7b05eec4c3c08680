import type { BackendModule } from '../backend.ts';
import { disCapabilities } from './capabilities.ts';
import { type DisTargetConfig, parseDisTarget } from './config.ts';
import type { DisParams } from './request.ts';
import { disRequests } from './schema.ts';

/** Huawei Cloud DIS: dump (transfer) tasks of a stream, continuous (they never succeed). */
export const disModule: BackendModule<DisParams, DisTargetConfig> = {
  id: 'huawei-dis',
  capabilities: disCapabilities,
  requests: disRequests,
  parseTargetConfig: parseDisTarget,
  async connect({ target, secrets, clock }) {
    // Loaded here, not at the top: functions that only validate requests never load the client.
    const [{ DisClient }, { DisBackend }, { huaweiAuthHook }] = await Promise.all([
      import('./client.ts'),
      import('./backend.ts'),
      import('../huawei-cloud/auth.ts'),
    ]);
    const { projectId, auth, staleAfterMs } = target.config;
    const hook = huaweiAuthHook(auth, { projectId, secrets, clock, ...(target.timeouts ? { timeouts: target.timeouts } : {}) });
    const client = new DisClient({ url: target.url, projectId, auth: hook, ...(target.timeouts ? { timeouts: target.timeouts } : {}), clock });
    return new DisBackend(client, { target: target.name, staleAfterMs, clock, release: () => hook.close() });
  },
};

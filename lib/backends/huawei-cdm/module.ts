import type { BackendModule } from '../backend.ts';
import { cdmCapabilities } from './capabilities.ts';
import { type CdmTargetConfig, parseCdmTarget } from './config.ts';
import type { CdmParams } from './request.ts';
import { cdmRequests } from './schema.ts';

/** Huawei Cloud DataArts Migration (CDM): one job created and started in a random running cluster. */
export const cdmModule: BackendModule<CdmParams, CdmTargetConfig> = {
  id: 'huawei-cdm',
  capabilities: cdmCapabilities,
  requests: cdmRequests,
  parseTargetConfig: parseCdmTarget,
  async connect({ target, secrets, clock }) {
    // Loaded here, not at the top: functions that only validate requests never load the client.
    const [{ CdmClient }, { CdmBackend }, { huaweiAuthHook }] = await Promise.all([
      import('./client.ts'),
      import('./backend.ts'),
      import('../huawei-cloud/auth.ts'),
    ]);
    const { projectId, auth, language, stoppedPattern, nearEndProgress } = target.config;
    const hook = huaweiAuthHook(auth, { projectId, secrets, clock, ...(target.timeouts ? { timeouts: target.timeouts } : {}) });
    const client = new CdmClient({ url: target.url, projectId, auth: hook, language, ...(target.timeouts ? { timeouts: target.timeouts } : {}), clock });
    return new CdmBackend(client, { target: target.name, stoppedPattern, nearEndProgress, release: () => hook.close() });
  },
};

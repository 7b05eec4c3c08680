import { Delays } from '../sim-kit/delays.ts';
import { loadState, saveState } from '../sim-kit/saved-state.ts';
import type { SavedToken } from './account.ts';
import { Account } from './account.ts';
import type { CdmSnapshot } from './cdm/jobs.ts';
import { CdmState } from './cdm/jobs.ts';
import { cdmService } from './cdm/service.ts';
import { disService } from './dis/service.ts';
import type { DisSnapshot } from './dis/tasks.ts';
import { DisState } from './dis/tasks.ts';
import { FaultRegistry } from './faults.ts';
import type { RunningServer } from './http.ts';
import { startServer } from './http.ts';
import type { CatalogUrls } from './iam.ts';
import { iamService } from './iam.ts';
import { idStreams } from './ids.ts';
import { resolveOptions } from './options.ts';
import type { HuaweiCloud, HuaweiCloudOptions, ReceivedRequest } from './types.ts';

export { defaultCdmPlan } from './cdm/plan.ts';
export { defaultDisPlan } from './dis/plan.ts';
export { DEFAULT_ACCESS_KEY, DEFAULT_CLUSTERS, DEFAULT_PROJECT, DEFAULT_STREAM, DEFAULT_TEMPORARY_KEY, DEFAULT_USER } from './options.ts';
export type * from './types.ts';

const SAVED_AS = 'huawei-cloud';
const SAVED_VERSION = 1;

interface SavedCloud {
  /** Draws taken from each id stream. */
  ids: { requests: number; objects: number; placement: number };
  tokens: SavedToken[];
  cdm: CdmSnapshot;
  dis: DisSnapshot;
}

/**
 * Starts simulated Huawei Cloud IAM (token endpoint), CDM (job API v1.1) and DIS (dump task API v2) on
 * three real HTTP servers sharing one account. Everything that changes over time reads options.clock;
 * CDM and DIS check IAM tokens and AK/SK signatures as the real gateways do; faults are injected per
 * endpoint and every request is recorded byte for byte.
 */
export async function startHuaweiCloud(options: HuaweiCloudOptions = {}): Promise<HuaweiCloud> {
  const config = resolveOptions(options);
  const ids = idStreams(config.seed);
  const account = new Account(config.account, config.clock, ids.objects, config.tokenTtlMs);
  const cdm = new CdmState(config.cdm, config.clock, account, ids.objects, ids.placement);
  const dis = new DisState(config.dis, config.clock, ids.objects);
  const saved = loadState<SavedCloud>(config.stateFile, SAVED_AS, SAVED_VERSION);
  if (saved !== undefined) {
    ids.requests.skipTo(saved.ids.requests);
    ids.objects.skipTo(saved.ids.objects);
    ids.placement.skipTo(saved.ids.placement);
    // Tokens are kept: the real IAM honours a token until it expires, whether bulkpilot was stopped or not.
    account.restore(saved.tokens);
    cdm.restore(saved.cdm);
    dis.restore(saved.dis);
  }
  const snapshot = (): SavedCloud => ({
    ids: { requests: ids.requests.draws, objects: ids.objects.draws, placement: ids.placement.draws },
    tokens: account.snapshot(),
    cdm: cdm.snapshot(),
    dis: dis.snapshot(),
  });
  const faults = new FaultRegistry(config.seed);
  const delays = new Delays();
  const received: ReceivedRequest[] = [];
  const catalog: CatalogUrls = { cdm: '', dis: '' };
  const context = (port: number) => ({ host: config.host, port, clock: config.clock, faults, delays, received, requestIds: ids.requests });

  const servers: RunningServer[] = [];
  try {
    servers.push(
      await startServer(
        iamService(account, () => catalog),
        context(config.ports.iam),
      ),
    );
    servers.push(await startServer(cdmService(cdm, account, config), context(config.ports.cdm)));
    servers.push(await startServer(disService(dis, account, config), context(config.ports.dis)));
  } catch (error) {
    await Promise.all(servers.map((s) => s.close()));
    throw error;
  }
  const [iamServer, cdmServer, disServer] = servers as [RunningServer, RunningServer, RunningServer];
  catalog.cdm = cdmServer.url;
  catalog.dis = disServer.url;

  let closing: Promise<void> | undefined;
  return {
    iamUrl: iamServer.url,
    cdmUrl: cdmServer.url,
    disUrl: disServer.url,
    received,
    requests: (filter = {}) =>
      received.filter(
        (r) => (filter.service === undefined || r.service === filter.service) && (filter.endpoint === undefined || r.endpoint === filter.endpoint),
      ),
    iam: {
      issueToken: (wanted = {}) => {
        const user = wanted.user === undefined ? account.users[0] : account.user(wanted.user);
        if (user === undefined) throw new Error(`iam: no user ${wanted.user}`);
        const project = wanted.projectName === undefined ? account.projects[0] : account.projectByName(wanted.projectName);
        if (project === undefined) throw new Error(`iam: no project ${wanted.projectName}`);
        return account.issueToken(user!, project).token;
      },
      revokeTokens: () => account.revokeAll(),
      tokenRequests: () => received.filter((r) => r.endpoint === 'iam.token').length,
    },
    cdm: {
      clusters: () => cdm.clusterViews(),
      jobs: () => cdm.jobViews(),
      submissions: () => cdm.submissionViews(),
      setClusterStatus: (clusterId, status) => cdm.setClusterStatus(clusterId, status),
      forceSubmission: (clusterId, jobName, force) => cdm.forceSubmission(clusterId, jobName, force),
    },
    dis: {
      tasks: () => dis.views(),
      forceTask: (streamName, taskName, force, projectId = config.account.projects[0]!.id) => dis.force(projectId, streamName, taskName, force),
    },
    faults: { add: (rule) => faults.add(rule), clear: () => faults.clear() },
    reset: () => {
      cdm.reset();
      dis.reset();
      account.clearTokens();
      received.length = 0;
      faults.reset();
      // Restarting the seeded streams makes a reset simulator place, name and fault like a fresh one.
      ids.requests.reset();
      ids.objects.reset();
      ids.placement.reset();
    },
    close: () => {
      closing ??= (async () => {
        delays.cancelAll();
        await Promise.all(servers.map((s) => s.close()));
        // Saved once the servers are closed, so no request can change the state after it was written.
        saveState(config.stateFile, SAVED_AS, SAVED_VERSION, snapshot());
      })();
      return closing;
    },
  };
}

// Huawei Cloud for tests: the seeds' CDM and DIS bodies, the simulated IAM/CDM/DIS, and targets of them
// loaded the way a deployment loads a targets file (AK/SK from the environment, or an IAM password).
import type { BackendRegistry } from '../../lib/backends/registry.ts';
import type { Clock } from '../../lib/clock.ts';
import { connectTargets } from '../../lib/runtime/connect-targets.ts';
import type { Targets } from '../../lib/targets/targets.ts';
import { DEFAULT_ACCESS_KEY, DEFAULT_CLUSTERS, DEFAULT_PROJECT, DEFAULT_STREAM, DEFAULT_USER } from '../../local/huawei-cloud/options.ts';
import { type HuaweiCloud, type HuaweiCloudOptions, startHuaweiCloud } from '../../local/huawei-cloud/simulator.ts';
import { targetsOf } from './targets.ts';

export const projectId = DEFAULT_PROJECT.id;
export const clusterIds = DEFAULT_CLUSTERS.map((c) => c.id);
export const streamName = DEFAULT_STREAM;

/** What the functions' environment holds for the targets below. */
export const huaweiEnv = { HW_AK: DEFAULT_ACCESS_KEY.ak, HW_SK: DEFAULT_ACCESS_KEY.sk, HW_PASSWORD: DEFAULT_USER.password };

const configs = (name: string, inputs: Array<[string, string]>) => ({ configs: [{ inputs: inputs.map(([n, value]) => ({ name: n, value })), name }] });

/** Seed 002's example Job (Elasticsearch to DIS), with `extra` driver inputs (simulator hints such as sim.fail). */
export function cdmSeedJob(name = 'es_css', extra: Array<[string, string]> = []): Record<string, unknown> {
  return {
    job_type: 'NORMAL_JOB',
    'from-connector-name': 'elasticsearch-connector',
    'to-config-values': configs('toJobConfig', [
      ['toJobConfig.streamName', 'dis-lkGm'],
      ['toJobConfig.separator', '|'],
      ['toJobConfig.columnList', '1&2&3'],
    ]),
    'to-link-name': 'dis',
    'driver-config-values': {
      configs: [
        {
          inputs: [
            { name: 'throttlingConfig.numExtractors', value: '1' },
            { name: 'throttlingConfig.submitToCluster', value: 'false' },
            { name: 'throttlingConfig.numLoaders', value: '1' },
            { name: 'throttlingConfig.recordDirtyData', value: 'false' },
            ...extra.map(([n, value]) => ({ name: n, value })),
          ],
          name: 'throttlingConfig',
        },
        { inputs: [], name: 'jarConfig' },
        {
          inputs: [
            { name: 'schedulerConfig.isSchedulerJob', value: 'false' },
            { name: 'schedulerConfig.disposableType', value: 'NONE' },
          ],
          name: 'schedulerConfig',
        },
        { inputs: [], name: 'transformConfig' },
        { inputs: [{ name: 'retryJobConfig.retryJobType', value: 'NONE' }], name: 'retryJobConfig' },
      ],
    },
    'from-config-values': configs('fromJobConfig', [
      ['fromJobConfig.index', '52est'],
      ['fromJobConfig.type', 'est_array'],
      ['fromJobConfig.columnList', 'array_f1_int:long&array_f2_text:string&array_f3_object:nested'],
      ['fromJobConfig.splitNestedField', 'false'],
    ]),
    'to-connector-name': 'dis-connector',
    name,
    'from-link-name': 'css',
  };
}

/** Seed 002's request: its Job and its cluster list (one id twice, as written). */
export function cdmRequest(name = 'es_css', extra: Array<[string, string]> = []): Record<string, unknown> {
  return { jobs: [cdmSeedJob(name, extra)], clusters: [clusterIds[0], clusterIds[1], clusterIds[1]] };
}

/** Seed 004's MRS dump task, under another name when given, into the simulator's stream. */
export function disRequest(taskName = 'mrstask', overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    streamName,
    destination_type: 'MRS',
    mrs_destination_descriptor: {
      task_name: taskName,
      consumer_strategy: 'LATEST',
      agency_name: 'dis_admin_agency',
      destination_file_type: 'text',
      mrs_cluster_id: 'f8123fa6-99f1-4ed9-83f4-c827c7277d41',
      mrs_cluster_name: 'mrscluster',
      mrs_hdfs_path: '/user',
      obs_bucket_path: 'obsbucket',
      file_prefix: '',
      hdfs_prefix_folder: '',
      deliver_time_interval: 30,
      retry_duration: 1800,
      ...overrides,
    },
  };
}

export type HuaweiAuthKind = 'aksk' | 'iam-password';

export function huaweiAuthEntry(cloud: Pick<HuaweiCloud, 'iamUrl'>, kind: HuaweiAuthKind = 'aksk'): Record<string, unknown> {
  return kind === 'aksk'
    ? { type: 'aksk', accessKey: { env: 'HW_AK' }, secretKey: { env: 'HW_SK' } }
    : {
        type: 'iam-password',
        iamUrl: cloud.iamUrl,
        domain: 'bulkpilot-sim',
        user: DEFAULT_USER.name,
        password: { env: 'HW_PASSWORD' },
        project: DEFAULT_PROJECT.name,
      };
}

// A connect timeout with room for a loaded CI machine: a connect that times out counts as "not created".
const timeouts = { connectMs: 3_000, headersMs: 2_000, bodyMs: 2_000 };

export function cdmTargetEntry(cloud: HuaweiCloud, kind: HuaweiAuthKind = 'aksk'): Record<string, unknown> {
  return { backend: 'huawei-cdm', url: cloud.cdmUrl, projectId, timeouts, auth: huaweiAuthEntry(cloud, kind) };
}

export function disTargetEntry(cloud: HuaweiCloud, kind: HuaweiAuthKind = 'aksk'): Record<string, unknown> {
  return { backend: 'huawei-dis', url: cloud.disUrl, projectId, timeouts, auth: huaweiAuthEntry(cloud, kind) };
}

export interface HuaweiFixture {
  cloud: HuaweiCloud;
  targets: Targets;
  registry: BackendRegistry;
  close(): Promise<void>;
}

/** The simulated cloud on `clock`, with targets `cdm` and `dis` of it, connected as the functions connect them. */
export async function startHuaweiFixture(
  clock: Clock & { now(): number },
  options: { cloud?: HuaweiCloudOptions; auth?: HuaweiAuthKind; only?: 'cdm' | 'dis'; env?: Record<string, string> } = {},
): Promise<HuaweiFixture> {
  const cloud = await startHuaweiCloud({ clock, seed: 7, ...options.cloud });
  const entries: Record<string, unknown> = {};
  if (options.only !== 'dis') entries.cdm = cdmTargetEntry(cloud, options.auth);
  if (options.only !== 'cdm') entries.dis = disTargetEntry(cloud, options.auth);
  const targets = targetsOf({ ...(options.only ? { default: options.only } : {}), targets: entries });
  const registry = await connectTargets(targets, { env: { ...huaweiEnv, ...options.env }, clock });
  return {
    cloud,
    targets,
    registry,
    async close() {
      await registry.close();
      await cloud.close();
    },
  };
}

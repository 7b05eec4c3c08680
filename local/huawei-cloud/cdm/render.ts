import type { ResolvedCluster } from '../options.ts';
import type { SubmissionRecord, SubmissionState } from './lifecycle.ts';

// Wire shapes of CDM answers. Field names (with their '-' and '_' mix and the `last-udpate-user` typo)
// are those of the go3 models and seed 002; see backends-real.md §2.2–2.3.

const STATUS_DETAIL: Readonly<Record<string, string>> = {
  '100': 'Creating',
  '200': 'Normal',
  '300': 'Failed',
  '303': 'Create failed',
  '500': 'Restarting',
  '800': 'Frozen',
  '900': 'Shut down',
  '910': 'Shutting down',
  '920': 'Starting',
};

export function clusterJson(cluster: ResolvedCluster, createdAt: number, updatedAt: number, region: string): Record<string, unknown> {
  return {
    id: cluster.id,
    name: cluster.name,
    status: cluster.status,
    statusDetail: STATUS_DETAIL[cluster.status] ?? 'Unknown',
    isFrozen: cluster.status === '800' ? '1' : '0',
    created: isoSeconds(createdAt),
    updated: isoSeconds(updatedAt),
    actionProgress: {},
    azName: `${region}a`,
    flavorName: 'cdm.large',
    dbuser: 'cdm',
    isAutoOff: false,
    isScheduleBootOff: false,
    recentEvent: 0,
    datastore: { type: 'cdm', version: '2.10.0.300' },
    instances: [],
  };
}

export interface SubmissionRenderOptions {
  /** 'start': StartJobSubmission (create/start answers) — no counters, errors or external id. */
  kind: 'start' | 'full';
  userFieldName: string;
  isDeleteJob: boolean;
}

export function submissionJson(sub: SubmissionRecord, state: SubmissionState, options: SubmissionRenderOptions): Record<string, unknown> {
  // Key order follows the seed 002 example answer.
  const json: Record<string, unknown> = {
    isIncrementing: false,
    'job-name': sub.jobName,
    'submission-id': sub.id,
    isStopingIncrement: '',
    'last-update-date': state.lastUpdateAt,
    'is-execute-auto': false,
    delete_rows: 0,
    write_rows: 0,
    isDeleteJob: options.isDeleteJob,
    'creation-user': sub.user,
    progress: state.progress,
    'creation-date': sub.createdAt,
    update_rows: 0,
    status: state.status,
    'execute-date': sub.createdAt,
  };
  // [I] The seed's PENDING answer has neither field: null until the run is picked up, dropped by the serializer.
  if (!state.fresh) json[options.userFieldName] = state.lastUpdateUser;
  if (options.kind === 'start') return json;
  if (!state.fresh) json['external-id'] = sub.externalId;
  if (state.counters !== undefined) json['counters'] = { 'org.apache.sqoop.submission.counter.SqoopCounters': { ...state.counters } };
  if (state.status === 'FAILED') {
    json['error-summary'] = state.errorSummary ?? '';
    json['error-details'] = state.errorDetails ?? '';
  }
  return json;
}

/** What status reports for a job never started [I]: Sqoop's NEVER_EXECUTED placeholder, without a submission id. */
export function neverExecutedJson(jobName: string, user: string, createdAt: number, isDeleteJob: boolean): Record<string, unknown> {
  return {
    isIncrementing: false,
    'job-name': jobName,
    isStopingIncrement: '',
    'last-update-date': createdAt,
    'is-execute-auto': false,
    isDeleteJob,
    'creation-user': user,
    progress: 0,
    'creation-date': createdAt,
    status: 'NEVER_EXECUTED',
  };
}

export interface JobRenderInput {
  config: Record<string, unknown>;
  id: number;
  user: string;
  updateUser: string;
  createdAt: number;
  updatedAt: number;
  status: string;
  latest?: { sub: SubmissionRecord; state: SubmissionState };
  encodeValues: boolean;
}

/** A Job as show/list returns it: the submitted fields plus the read-only ones CDM fills in. */
export function jobJson(input: JobRenderInput): Record<string, unknown> {
  const config = input.encodeValues ? encodeConfigValues(input.config) : structuredClone(input.config);
  const counters = input.latest?.state.counters;
  const json: Record<string, unknown> = {
    ...config,
    job_type: config['job_type'] ?? 'NORMAL_JOB',
    type: config['job_type'] ?? 'NORMAL_JOB',
    id: input.id,
    'creation-user': input.user,
    'creation-date': input.createdAt,
    'update-user': input.updateUser,
    'update-date': input.updatedAt,
    status: input.status,
    flag: 0,
    is_incre_job: false,
    is_incrementing: false,
    is_use_sql: false,
    enabled: true,
    delete_rows: 0,
    update_rows: 0,
    write_rows: 0,
    rows_read: counters?.['ROWS_READ'] ?? 0,
    rows_written: counters?.['ROWS_WRITTEN'] ?? 0,
    bytes_read: counters?.['BYTES_READ'] ?? 0,
    bytes_written: counters?.['BYTES_WRITTEN'] ?? 0,
    files_read: counters?.['FILES_READ'] ?? 0,
    files_written: counters?.['FILES_WRITTEN'] ?? 0,
  };
  if (input.latest !== undefined) {
    json['external_id'] = input.latest.sub.externalId;
    json['execute_create_date'] = input.latest.sub.createdAt;
    json['execute_start_date'] = input.latest.sub.createdAt;
    json['execute_update_date'] = input.latest.state.lastUpdateAt;
  }
  return json;
}

/**
 * [I] Config values come back URL-encoded (terraform's CDM job resource PathUnescapes them), so
 * "1&2&3" is returned as "1%262%263". A client comparing what it sent must decode first.
 */
function encodeConfigValues(config: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(config);
  for (const key of ['from-config-values', 'to-config-values', 'driver-config-values']) {
    const configs = (copy[key] as { configs?: unknown } | undefined)?.configs;
    if (!Array.isArray(configs)) continue;
    for (const c of configs) {
      const inputs = (c as { inputs?: unknown }).inputs;
      if (!Array.isArray(inputs)) continue;
      for (const input of inputs as Array<Record<string, unknown>>) {
        if (typeof input['value'] === 'string') input['value'] = encodeURIComponent(input['value']);
      }
    }
  }
  return copy;
}

function isoSeconds(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

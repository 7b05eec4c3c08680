import { describeValue, rejectUnknownFields } from '../../request/fields.ts';
import { RequestValidationError, ValidationIssues } from '../../request/validation-error.ts';

/**
 * The random-cluster create body (seed 002, `POST /v1.1/{project_id}/clusters/job`) under its own names:
 * `jobs` holds exactly one Job (one import request is one migration job), `clusters` the candidate
 * cluster ids, of which CDM picks one that is running. Inside the Job, keys CDM may add are passed on.
 */
export interface CdmJob extends Record<string, unknown> {
  job_type: 'NORMAL_JOB' | 'BATCH_JOB' | 'SCENARIO_JOB';
  name: string;
  'from-connector-name': string;
  'to-connector-name': string;
  'from-link-name': string;
  'to-link-name': string;
  'from-config-values': ConfigValues;
  'to-config-values': ConfigValues;
  'driver-config-values': ConfigValues;
}

export interface ConfigValues extends Record<string, unknown> {
  configs: Array<{ name: string; inputs: Array<{ name: string; value: string } & Record<string, unknown>> } & Record<string, unknown>>;
}

export interface CdmParams {
  jobs: [CdmJob];
  clusters: string[];
}

export const cdmRequestFields = ['jobs', 'clusters'] as const;

const jobTypes = ['NORMAL_JOB', 'BATCH_JOB', 'SCENARIO_JOB'];
/**
 * Job names become path segments of every later call. Letters, digits, `_`, `-` and `.` are signed alike by
 * every Huawei SDK and the gateway; other characters are refused rather than risk a signature mismatch.
 */
const jobNamePattern = /^[A-Za-z0-9_.-]{1,240}$/;
const clusterIdPattern = /^[A-Za-z0-9-]{1,64}$/;
/** Fields CDM fills in itself: a request echoing a shown job back must not seem to set them. */
const readOnlyFields = new Set([
  'creation-user',
  'creation-date',
  'update-date',
  'update-user',
  'status',
  'id',
  'external_id',
  'execute_start_date',
  'execute_update_date',
  'execute_create_date',
  'rows_read',
  'rows_written',
  'bytes_read',
  'bytes_written',
  'files_read',
  'files_written',
  'type',
]);
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point (they are refused in names)
const controlCharacters = /[\u0000-\u001f\u007f]/;

/** `__proto__` at any depth: no CDM config has such a key, and it is a trap for whatever reads the job next. */
function refuseProtoKeys(value: unknown, at: string, issues: ValidationIssues): void {
  if (typeof value !== 'object' || value === null) return;
  for (const [key, inner] of Object.entries(value)) {
    const where = Array.isArray(value) ? `${at}[${key}]` : `${at}.${key}`;
    if (key === '__proto__') issues.add(where, 'is not a field of a CDM job');
    refuseProtoKeys(inner, where, issues);
  }
}

/** Each part is checked on its own (a part's fields only once it has the right shape): every mistake is reported at once. */
export function parseCdmRequest(fields: Record<string, unknown>): CdmParams {
  const issues = new ValidationIssues();
  issues.check(() => rejectUnknownFields(fields, cdmRequestFields));
  const jobs = fields.jobs;
  if (jobs === undefined) issues.add('jobs', 'is required (an array of exactly one Job)');
  else if (!Array.isArray(jobs)) issues.add('jobs', `must be an array of exactly one Job, got ${describeValue(jobs)}`);
  else if (jobs.length !== 1) issues.add('jobs', `must hold exactly one Job (one import request is one migration job), got ${jobs.length}`);
  else checkJob(jobs[0], 'jobs[0]', issues);
  const clusters = fields.clusters;
  if (clusters === undefined) issues.add('clusters', 'is required (the candidate CDM cluster ids)');
  else if (!Array.isArray(clusters) || clusters.length === 0)
    issues.add('clusters', `must be a non-empty array of cluster ids, got ${describeValue(clusters)}`);
  else
    clusters.forEach((id, i) => {
      if (typeof id !== 'string' || !clusterIdPattern.test(id))
        issues.add(`clusters[${i}]`, `must be a cluster id (letters, digits and -), got ${describeValue(id)}`);
    });
  issues.throwIfAny();
  return { jobs: [(jobs as unknown[])[0] as CdmJob], clusters: clusters as string[] };
}

function checkJob(value: unknown, at: string, issues: ValidationIssues): void {
  const job = issues.check(() => object(value, at));
  if (!job) return;
  issues.check(() => checkJobName(job.name, `${at}.name`));
  const type = job.job_type;
  if (type === undefined) issues.add(`${at}.job_type`, `is required (${jobTypes.join(', ')})`);
  else if (typeof type !== 'string' || !jobTypes.includes(type))
    issues.add(`${at}.job_type`, `must be one of ${jobTypes.join(', ')}, got ${describeValue(type)}`);
  for (const field of ['from-connector-name', 'to-connector-name', 'from-link-name', 'to-link-name']) {
    const text = job[field];
    if (text === undefined) issues.add(`${at}.${field}`, 'is required');
    else if (typeof text !== 'string' || text.trim() === '') issues.add(`${at}.${field}`, `must be a non-empty string, got ${describeValue(text)}`);
    else if (controlCharacters.test(text)) issues.add(`${at}.${field}`, 'must not contain control characters (newline, tab, NUL…)');
  }
  refuseProtoKeys(job, at, issues);
  for (const field of ['from-config-values', 'to-config-values', 'driver-config-values']) configValues(job[field], `${at}.${field}`, issues);
  for (const field of Object.keys(job)) {
    if (readOnlyFields.has(field)) issues.add(`${at}.${field}`, 'is set by CDM, not by a request');
  }
}

function checkJobName(name: unknown, at: string): void {
  if (name === undefined) throw new RequestValidationError(at, 'is required (1 to 240 characters)');
  if (typeof name !== 'string' || !jobNamePattern.test(name)) {
    throw new RequestValidationError(at, `must be 1 to 240 letters, digits, _, - or . (it is the job's id in every later call), got ${describeValue(name)}`);
  }
  // "." and ".." would be dot segments of every later path: no call could name the job.
  if (/^\.+$/.test(name)) throw new RequestValidationError(at, `must not be dots only (it is a path segment of every later call), got ${describeValue(name)}`);
}

function configValues(value: unknown, at: string, issues: ValidationIssues): void {
  if (value === undefined) {
    issues.add(at, 'is required ({ "configs": [ { "name", "inputs": [ { "name", "value" } ] } ] })');
    return;
  }
  const values = issues.check(() => object(value, at));
  if (!values) return;
  const configs = values.configs;
  if (!Array.isArray(configs)) {
    issues.add(`${at}.configs`, `must be an array, got ${describeValue(configs)}`);
    return;
  }
  configs.forEach((config, i) => {
    const c = issues.check(() => object(config, `${at}.configs[${i}]`));
    if (!c) return;
    if (typeof c.name !== 'string' || !c.name) issues.add(`${at}.configs[${i}].name`, `must be a non-empty string, got ${describeValue(c.name)}`);
    if (!Array.isArray(c.inputs)) {
      issues.add(`${at}.configs[${i}].inputs`, `must be an array, got ${describeValue(c.inputs)}`);
      return;
    }
    c.inputs.forEach((input, k) => {
      const where = `${at}.configs[${i}].inputs[${k}]`;
      const entry = issues.check(() => object(input, where));
      if (!entry) return;
      if (typeof entry.name !== 'string' || !entry.name) issues.add(`${where}.name`, `must be a non-empty string, got ${describeValue(entry.name)}`);
      // CDM's Input.value is a string ("Parameter value, which must be a string"): 1 and true are refused, not coerced.
      if (typeof entry.value !== 'string') issues.add(`${where}.value`, `must be a string (CDM takes every value as text), got ${describeValue(entry.value)}`);
      else if (!entry.value.isWellFormed()) issues.add(`${where}.value`, 'must be well-formed Unicode (it holds a lone surrogate)');
    });
  });
}

function object(value: unknown, at: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new RequestValidationError(at, `must be an object, got ${describeValue(value)}`);
  return value as Record<string, unknown>;
}

/** The job's name: its id on the cluster that runs it. */
export function jobNameOf(params: CdmParams): string {
  return params.jobs[0].name;
}

/** The distinct candidate clusters, in the order given (the seed's example lists one twice). */
export function candidatesOf(params: CdmParams): string[] {
  return [...new Set(params.clusters)];
}

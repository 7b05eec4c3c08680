import type { Answer } from '../http.ts';
import { isObject } from '../http.ts';
import type { ResolvedCluster } from '../options.ts';
import { cdmError } from './errors.ts';
import { jobHints } from './plan.ts';

export const JOB_TYPES = ['NORMAL_JOB', 'BATCH_JOB', 'SCENARIO_JOB'] as const;

/** Fields the CDM system fills in; a client echoing a shown job back must not be able to forge them. */
const READ_ONLY = [
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
];

export type JobCheck =
  | {
      ok: true;
      name: string;
      jobType: string;
      config: Record<string, unknown>;
      /** validation-result entries (sim.validationError / sim.validationWarning hints). */
      errors: string[];
      warnings: string[];
    }
  | { ok: false; answer: Answer };

/**
 * Checks one Job object of a create or update body against the cluster it would live on. Which code
 * CDM uses for a missing field is not documented [I]: Cdm.0089 (config item missing) for the required
 * fields of the go3 model, Cdm.0014 (illegal parameter) for wrong values, Cdm.0101 for an unknown link.
 */
export function validateJob(job: unknown, cluster: ResolvedCluster): JobCheck {
  if (!isObject(job)) return refuse('Cdm.0014', 'each job must be an object');
  const name = job['name'];
  if (typeof name !== 'string' || name.length < 1 || name.length > 240) return refuse('Cdm.0014', 'name must be a string of 1 to 240 characters');
  const jobType = job['job_type'] ?? 'NORMAL_JOB';
  if (typeof jobType !== 'string' || !(JOB_TYPES as readonly string[]).includes(jobType)) {
    return refuse('Cdm.0014', `job_type must be one of ${JOB_TYPES.join(', ')}`);
  }
  for (const field of ['from-connector-name', 'to-connector-name', 'from-link-name', 'to-link-name']) {
    if (typeof job[field] !== 'string' || job[field] === '') return refuse('Cdm.0089', field);
  }
  for (const field of ['from-config-values', 'to-config-values', 'driver-config-values']) {
    const values = job[field];
    if (!isObject(values) || !Array.isArray(values['configs'])) return refuse('Cdm.0089', `${field}.configs`);
  }
  if (cluster.links !== undefined) {
    for (const field of ['from-link-name', 'to-link-name']) {
      const link = job[field] as string;
      if (!cluster.links.includes(link)) return { ok: false, answer: cdmError('Cdm.0101', { subject: link }) };
    }
  }
  const config = structuredClone(job);
  for (const key of READ_ONLY) delete config[key];
  const hints = jobHints(job);
  const errors = listOf(hints.get('sim.validationError'));
  const warnings = listOf(hints.get('sim.validationWarning'));
  return { ok: true, name, jobType, config, errors, warnings };
}

function listOf(text: string | undefined): string[] {
  return text === undefined ? [] : [text.replaceAll('_', ' ')];
}

function refuse(code: string, detail: string): JobCheck {
  return { ok: false, answer: cdmError(code, { detail }) };
}

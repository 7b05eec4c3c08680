import { INVALID_JSON, isObject } from '../http.ts';
import type { ResolvedDis } from '../options.ts';

export const DESTINATION_TYPES = ['OBS', 'MRS', 'DLI', 'CLOUDTABLE', 'DWS'] as const;

export type TaskCheck =
  | { ok: true; taskName: string; destinationType: string; descriptor: Record<string, unknown> }
  | { ok: false; code: string; detail: string };

const TASK_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const FILE_PREFIX = /^(?!\/)[A-Za-z0-9_/]{0,50}$/;

/**
 * Checks a create (or update) body: `{destination_type, <type>_destination_descriptor:{…}}`. The field
 * rules are seed 004's table for MRS; other destinations get the common fields only. Numbers are
 * accepted as numbers or numeric strings, as a Jackson server coerces them (go3 types retry_duration as
 * a string, the seed example sends a number). [I] DIS.4300 for a body that is not a JSON object,
 * DIS.4200 for a field that breaks a rule.
 */
export function validateTask(body: unknown, rules: Pick<ResolvedDis, 'mrsClusters' | 'agencies'>): TaskCheck {
  if (body === undefined || body === INVALID_JSON || !isObject(body)) return refuse('DIS.4300', 'The request body must be a JSON object.');
  const type = body['destination_type'];
  if (typeof type !== 'string' || !(DESTINATION_TYPES as readonly string[]).includes(type)) {
    return refuse('DIS.4200', `destination_type must be one of ${DESTINATION_TYPES.join(', ')}.`);
  }
  const key = `${type.toLowerCase()}_destination_descriptor`;
  const descriptor = body[key];
  if (!isObject(descriptor)) return refuse('DIS.4200', `${key} is required for destination_type ${type}.`);

  const taskName = descriptor['task_name'];
  if (typeof taskName !== 'string' || !TASK_NAME.test(taskName)) {
    return refuse('DIS.4200', 'task_name must be 1 to 64 letters, digits, hyphens or underscores.');
  }
  const needsAgency = type !== 'CLOUDTABLE';
  const agency = descriptor['agency_name'];
  if (needsAgency && (typeof agency !== 'string' || agency === '' || agency.length > 64)) {
    return refuse('DIS.4200', 'agency_name is required and must not exceed 64 characters.');
  }
  if (typeof agency === 'string' && rules.agencies !== undefined && !rules.agencies.includes(agency)) {
    return refuse('DIS.4335', `Agency ${agency} does not exist.`);
  }
  const interval = descriptor['deliver_time_interval'];
  if (type !== 'CLOUDTABLE' || interval !== undefined) {
    const seconds = integerOf(interval);
    if (seconds === undefined || seconds < 30 || seconds > 900) return refuse('DIS.4200', 'deliver_time_interval must be an integer from 30 to 900.');
  }
  const strategy = descriptor['consumer_strategy'];
  if (strategy !== undefined && strategy !== 'LATEST' && strategy !== 'TRIM_HORIZON') {
    return refuse('DIS.4200', 'consumer_strategy must be LATEST or TRIM_HORIZON.');
  }
  const retry = descriptor['retry_duration'];
  if (retry !== undefined) {
    const seconds = integerOf(retry);
    if (seconds === undefined || seconds < 0 || seconds > 7200) return refuse('DIS.4200', 'retry_duration must be an integer from 0 to 7200.');
  }
  const prefix = descriptor['file_prefix'];
  if (prefix !== undefined && (typeof prefix !== 'string' || !FILE_PREFIX.test(prefix))) {
    return refuse('DIS.4200', 'file_prefix must be at most 50 letters, digits, underscores or slashes, not starting with a slash.');
  }
  if (type === 'MRS' || type === 'OBS' || type === 'DLI') {
    const bucket = descriptor['obs_bucket_path'];
    if (typeof bucket !== 'string' || bucket === '') return refuse('DIS.4200', 'obs_bucket_path is required.');
  }
  if (type === 'MRS') {
    const check = checkMrs(descriptor, rules);
    if (check !== undefined) return check;
  }
  const normalized: Record<string, unknown> = structuredClone(descriptor);
  // [I] The detail echoes the descriptor with the documented defaults filled in.
  normalized['consumer_strategy'] ??= 'LATEST';
  if (type === 'MRS' || type === 'OBS') normalized['retry_duration'] ??= 1800;
  return { ok: true, taskName, destinationType: type, descriptor: normalized };
}

function checkMrs(descriptor: Record<string, unknown>, rules: Pick<ResolvedDis, 'mrsClusters'>): TaskCheck | undefined {
  for (const field of ['mrs_cluster_name', 'mrs_cluster_id', 'mrs_hdfs_path']) {
    if (typeof descriptor[field] !== 'string' || descriptor[field] === '') return refuse('DIS.4200', `${field} is required.`);
  }
  const folder = descriptor['hdfs_prefix_folder'];
  if (folder !== undefined && (typeof folder !== 'string' || folder.length > 50)) return refuse('DIS.4200', 'hdfs_prefix_folder must be 0 to 50 characters.');
  const path = descriptor['mrs_hdfs_path'] as string;
  if (!path.startsWith('/')) return refuse('DIS.4336', `${path} is not an absolute HDFS path.`);
  if (rules.mrsClusters !== undefined) {
    const id = descriptor['mrs_cluster_id'];
    const cluster = rules.mrsClusters.find((c) => c.id === id);
    if (cluster === undefined || cluster.name !== descriptor['mrs_cluster_name'])
      return refuse('DIS.4208', `No MRS cluster ${String(id)} named ${String(descriptor['mrs_cluster_name'])}.`);
    if (cluster.kerberos === true) return refuse('DIS.4208', `MRS cluster ${cluster.name} uses Kerberos authentication, which dump tasks do not support.`);
  }
  return undefined;
}

function integerOf(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) ? value : undefined;
  if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) return Number(value.trim());
  return undefined;
}

function refuse(code: string, detail: string): TaskCheck {
  return { ok: false, code, detail };
}

import { describeValue, rejectUnknownFields } from '../../request/fields.ts';
import { RequestValidationError, ValidationIssues } from '../../request/validation-error.ts';

/**
 * A dump (transfer) task of a DIS stream (seed 004, `POST /v2/{project_id}/streams/{stream_name}/transfer-tasks`):
 * `streamName` is the path's `{stream_name}`, the rest the body as written: `destination_type` and the
 * matching `<type>_destination_descriptor`. MRS is checked field by field (seed 004's table); the other
 * destinations' descriptors are checked for what they share, and passed on as written.
 */
export interface DisParams {
  streamName: string;
  destination_type: DestinationType;
  /** Exactly one descriptor, the one of `destination_type`. */
  [descriptor: `${string}_destination_descriptor`]: Record<string, unknown>;
}

export const destinationTypes = ['MRS', 'OBS', 'DLI', 'CLOUDTABLE', 'DWS'] as const;
export type DestinationType = (typeof destinationTypes)[number];

const streamNamePattern = /^[A-Za-z0-9_-]{1,60}$/;
const taskNamePattern = /^[A-Za-z0-9_-]{1,64}$/;
const filePrefixPattern = /^(?![/])[A-Za-z0-9_/]{0,50}$/;
const descriptorKeys = destinationTypes.map((t) => `${t.toLowerCase()}_destination_descriptor`);
/** Seed 004's table, plus `destination_file_type`, which its own example sends. */
const mrsKeys = [
  'task_name',
  'agency_name',
  'deliver_time_interval',
  'consumer_strategy',
  'mrs_cluster_name',
  'mrs_cluster_id',
  'mrs_hdfs_path',
  'file_prefix',
  'hdfs_prefix_folder',
  'obs_bucket_path',
  'retry_duration',
  'destination_file_type',
];

/** Each part is checked on its own (the descriptor only once the type is known): every mistake is reported at once. */
export function parseDisRequest(fields: Record<string, unknown>): DisParams {
  const issues = new ValidationIssues();
  issues.check(() => rejectUnknownFields(fields, ['streamName', 'destination_type', ...descriptorKeys]));
  const streamName = fields.streamName;
  if (streamName === undefined) issues.add('streamName', 'is required (the DIS stream the task dumps)');
  else if (typeof streamName !== 'string' || !streamNamePattern.test(streamName))
    issues.add('streamName', `must be 1 to 60 letters, digits, _ or -, got ${describeValue(streamName)}`);
  const type = fields.destination_type;
  if (type === undefined) issues.add('destination_type', `is required (${destinationTypes.join(', ')})`);
  else if (typeof type !== 'string' || !(destinationTypes as readonly string[]).includes(type))
    issues.add('destination_type', `must be one of ${destinationTypes.join(', ')}, got ${describeValue(type)}`);
  else checkDescriptor(fields, type, issues);
  issues.throwIfAny();
  const key = `${(type as string).toLowerCase()}_destination_descriptor`;
  return { streamName, destination_type: type as DestinationType, [key]: fields[key] } as DisParams;
}

function checkDescriptor(fields: Record<string, unknown>, type: string, issues: ValidationIssues): void {
  const key = `${type.toLowerCase()}_destination_descriptor`;
  for (const other of descriptorKeys) {
    if (other !== key && fields[other] !== undefined) issues.add(other, `does not go with destination_type ${type} (give ${key})`);
  }
  const descriptor = fields[key];
  if (descriptor === undefined) {
    issues.add(key, `is required for destination_type ${type}`);
    return;
  }
  if (typeof descriptor !== 'object' || descriptor === null || Array.isArray(descriptor)) {
    issues.add(key, `must be an object, got ${describeValue(descriptor)}`);
    return;
  }
  const d = descriptor as Record<string, unknown>;
  issues.check(() => taskNameOf(d, key));
  if (type === 'MRS') checkMrs(d, key, issues);
  else checkCommon(d, key, type, issues);
}

function taskNameOf(d: Record<string, unknown>, key: string): string {
  const name = d.task_name;
  if (name === undefined) throw new RequestValidationError(`${key}.task_name`, 'is required (1 to 64 letters, digits, _ or -)');
  if (typeof name !== 'string' || !taskNamePattern.test(name))
    throw new RequestValidationError(`${key}.task_name`, `must be 1 to 64 letters, digits, _ or -, got ${describeValue(name)}`);
  // The API's batch start and stop live at …/transfer-tasks/action: a task of that name could not be read.
  if (name === 'action') throw new RequestValidationError(`${key}.task_name`, 'must not be "action" (the path of the API\'s start and stop)');
  return name;
}

function checkMrs(d: Record<string, unknown>, key: string, issues: ValidationIssues): void {
  for (const field of Object.keys(d))
    if (!mrsKeys.includes(field)) issues.add(`${key}.${field}`, `is not a field of an MRS dump task (known: ${mrsKeys.join(', ')})`);
  const check = (run: () => void) => issues.check(run);
  check(() => text(d, key, 'agency_name', { required: true, max: 64 }));
  check(() => integer(d, key, 'deliver_time_interval', 30, 900, true));
  check(() => consumerStrategy(d, key));
  check(() => text(d, key, 'mrs_cluster_name', { required: true, max: 64 }));
  check(() => text(d, key, 'mrs_cluster_id', { required: true, max: 64 }));
  check(() => text(d, key, 'mrs_hdfs_path', { required: true, max: 1024 }));
  check(() => text(d, key, 'obs_bucket_path', { required: true, max: 63 }));
  const prefix = d.file_prefix;
  if (prefix !== undefined && (typeof prefix !== 'string' || !filePrefixPattern.test(prefix))) {
    issues.add(`${key}.file_prefix`, `must be at most 50 letters, digits, _ or /, not starting with /, got ${describeValue(prefix)}`);
  }
  check(() => text(d, key, 'hdfs_prefix_folder', { required: false, max: 50, empty: true }));
  // go3 types it a string, the seed sends a number: both are read.
  check(() => integer(d, key, 'retry_duration', 0, 7200, false));
  check(() => text(d, key, 'destination_file_type', { required: false, max: 16 }));
}

function checkCommon(d: Record<string, unknown>, key: string, type: string, issues: ValidationIssues): void {
  if (type !== 'CLOUDTABLE') issues.check(() => text(d, key, 'agency_name', { required: true, max: 64 }));
  if (type !== 'CLOUDTABLE' || d.deliver_time_interval !== undefined) issues.check(() => integer(d, key, 'deliver_time_interval', 30, 900, true));
  issues.check(() => consumerStrategy(d, key));
  issues.check(() => integer(d, key, 'retry_duration', 0, 7200, false));
}

function consumerStrategy(d: Record<string, unknown>, key: string): void {
  if (d.consumer_strategy !== undefined && d.consumer_strategy !== 'LATEST' && d.consumer_strategy !== 'TRIM_HORIZON') {
    throw new RequestValidationError(`${key}.consumer_strategy`, `must be LATEST or TRIM_HORIZON, got ${describeValue(d.consumer_strategy)}`);
  }
}

function text(d: Record<string, unknown>, key: string, field: string, rule: { required: boolean; max: number; empty?: boolean }): void {
  const value = d[field];
  if (value === undefined) {
    if (rule.required) throw new RequestValidationError(`${key}.${field}`, 'is required');
    return;
  }
  if (typeof value !== 'string') throw new RequestValidationError(`${key}.${field}`, `must be a string, got ${describeValue(value)}`);
  if (!rule.empty && rule.required && value.trim() === '') throw new RequestValidationError(`${key}.${field}`, 'must not be empty');
  if (value.length > rule.max) throw new RequestValidationError(`${key}.${field}`, `must be at most ${rule.max} characters, got ${value.length}`);
  if (!value.isWellFormed()) throw new RequestValidationError(`${key}.${field}`, 'must be well-formed Unicode (it holds a lone surrogate)');
}

function integer(d: Record<string, unknown>, key: string, field: string, min: number, max: number, required: boolean): void {
  const value = d[field];
  if (value === undefined) {
    if (required) throw new RequestValidationError(`${key}.${field}`, `is required (${min} to ${max} seconds)`);
    return;
  }
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    throw new RequestValidationError(`${key}.${field}`, `must be an integer from ${min} to ${max} (seconds), got ${describeValue(value)}`);
  }
}

export function descriptorKeyOf(params: DisParams): `${string}_destination_descriptor` {
  return `${params.destination_type.toLowerCase()}_destination_descriptor` as const;
}

export function descriptorOf(params: DisParams): Record<string, unknown> {
  return params[descriptorKeyOf(params)]!;
}

export function taskNameOfParams(params: DisParams): string {
  return descriptorOf(params).task_name as string;
}

/** The create body: the request as written, without the path's stream name. */
export function createBody(params: DisParams): Record<string, unknown> {
  const { streamName: _, ...body } = params;
  return body;
}

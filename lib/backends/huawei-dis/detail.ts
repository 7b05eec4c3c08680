/**
 * A dump task as its detail answer holds it (dis_02_0412, jdis DescribeTransferTaskResult): state, times in
 * ms, partitions `{partitionId, discard, state, last_transfer_timestamp, last_transfer_offset}`, and the
 * descriptor echoed under `<type>_destination_description` (or go3's `…_descripton`).
 */
export interface DisTaskDetail {
  taskName: string;
  taskId?: string;
  state: string;
  destinationType?: string;
  createdAt?: number;
  lastTransferAt?: number;
  partitions: number;
  discarded: number;
  transferred: number;
  descriptor?: Record<string, unknown>;
}

export function readTaskDetail(value: unknown): DisTaskDetail | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'the detail is not an object';
  const t = value as Record<string, unknown>;
  if (typeof t.state !== 'string' || !t.state) return 'a detail without state';
  const partitions = Array.isArray(t.partitions) ? (t.partitions as Array<Record<string, unknown>>) : [];
  const sum = (key: string) => partitions.reduce((total, p) => total + (Number.isFinite(Number(p?.[key])) ? Number(p[key]) : 0), 0);
  const detail: DisTaskDetail = {
    taskName: typeof t.task_name === 'string' ? t.task_name : '',
    state: t.state,
    partitions: partitions.length,
    discarded: sum('discard'),
    transferred: sum('last_transfer_offset'),
  };
  if (typeof t.task_id === 'string' && t.task_id) detail.taskId = t.task_id;
  if (typeof t.destination_type === 'string') detail.destinationType = t.destination_type;
  const created = Number(t.create_time);
  if (Number.isFinite(created) && created > 0) detail.createdAt = created;
  const last = Number(t.last_transfer_timestamp);
  if (Number.isFinite(last) && last > 0) detail.lastTransferAt = last;
  const described = Object.entries(t).find(([k, v]) => /_destination_descript(i)?on$/.test(k) && typeof v === 'object' && v !== null);
  if (described) detail.descriptor = described[1] as Record<string, unknown>;
  return detail;
}

/**
 * Whether a task DIS already has is the one this request describes: same destination, and every field the
 * request sets echoed with the same value (numbers may come back as strings, defaults may be added).
 */
export function describesSameTask(detail: DisTaskDetail, destinationType: string, requested: Record<string, unknown>): boolean {
  if (detail.destinationType !== undefined && detail.destinationType !== destinationType) return false;
  if (!detail.descriptor) return true;
  return Object.entries(requested).every(
    ([key, value]) => key === 'destination_file_type' || detail.descriptor![key] === undefined || String(detail.descriptor![key]) === String(value),
  );
}

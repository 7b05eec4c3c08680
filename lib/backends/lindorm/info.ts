/**
 * Lenient reading of `GET /pro/proc/{procId}/info`. No enumeration of `state`/`stage` is published, and
 * the sub-job arrays are only known by analogy with the sibling LTS API, so values are kept verbatim and
 * any shape of sub-job list is tolerated. Only what we cannot do without is required: `data.state`.
 */
export interface LindormSubJob {
  group: string;
  name?: string;
  state?: string;
  table?: string;
}

export interface LindormProcInfo {
  procId: string;
  state: string;
  stage?: string;
  procType?: string;
  srcDS?: string;
  sinkDS?: string;
  /** [I] The simulator, and perhaps the master, say why a proc failed; kept when present. */
  errorMessage?: string;
  subJobs: LindormSubJob[];
  /** The whole `data` object as received, for display and diagnosis. */
  raw: Record<string, unknown>;
}

const subJobGroups = ['fullJobs', 'incrJobs', 'inrcJobs', 'mergeJobs', 'mergeTasks', 'checkJobs', 'bulkloadJobs'];

/** Returns the info, or a string naming what is missing (the caller turns it into a malformed-response error). */
export function readProcInfo(data: unknown, requestedProcId: string): LindormProcInfo | string {
  if (!isObject(data)) return '`data` is not an object';
  const state = text(data.state);
  if (state === undefined) return '`data.state` is missing';
  const info: LindormProcInfo = { procId: text(data.procId) ?? requestedProcId, state, subJobs: [], raw: data };
  const optional = { stage: data.stage, procType: data.procType, srcDS: data.srcDS, sinkDS: data.sinkDS, errorMessage: data.errorMessage ?? data.errMsg };
  for (const [key, value] of Object.entries(optional)) {
    const s = text(value);
    if (s !== undefined) (info as unknown as Record<string, unknown>)[key] = s;
  }
  for (const group of subJobGroups) info.subJobs.push(...readSubJobs(group, data[group]));
  return info;
}

function readSubJobs(group: string, value: unknown): LindormSubJob[] {
  if (value === undefined || value === null || value === '') return [];
  if (typeof value === 'string') {
    try {
      return readSubJobs(group, JSON.parse(value));
    } catch {
      return [{ group, name: value }];
    }
  }
  const entries = Array.isArray(value) ? value : isObject(value) ? [value] : [value];
  return entries.map((entry) => {
    if (!isObject(entry)) return { group, name: String(entry) };
    const job: LindormSubJob = { group };
    const name = text(entry.jobName ?? entry.TaskName ?? entry.taskName ?? entry.name);
    const state = text(entry.state ?? entry.status);
    const table = text(entry.table);
    if (name !== undefined) job.name = name;
    if (state !== undefined) job.state = state;
    if (table !== undefined) job.table = table;
    return job;
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

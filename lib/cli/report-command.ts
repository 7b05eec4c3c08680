import type { BackendRegistry } from '../backends/registry.ts';
import { collectReport, type LogTailCache } from '../report/collect-report.ts';
import { renderReportHtml } from '../report/render-html.ts';
import type { ReportData, ReportFilters } from '../report/report-model.ts';
import { parseTimeBound, TimeBoundError } from '../report/time-window.ts';
import type { TaskStore } from '../store/task-store.ts';
import { type TaskState, taskStates } from '../task/states.ts';

/** `bulkpilot report`: the page (or, with --json, its data) of the tasks accepted in a window. */
export interface ReportFlags {
  since?: string | undefined;
  until?: string | undefined;
  target?: string | undefined;
  state?: string | undefined;
  max?: string | undefined;
}

export class ReportUsageError extends Error {}

/** Default and largest --max: a night of loads fits; the read stays a few seconds of queries and batch reads. */
export const defaultMaxTasks = 2_000;
export const largestMaxTasks = 20_000;
/** Log tails: the last lines of at most this many failed tasks, each read within the timeout. */
export const logTails = { tasks: 10, lines: 20, timeoutMs: 5_000 };

/** The flags as filters; a bad one is a ReportUsageError naming the flag. */
export function reportFilters(flags: ReportFlags, now: number): { filters: ReportFilters; maxTasks: number } {
  const filters: ReportFilters = {};
  try {
    if (flags.since !== undefined) filters.since = parseTimeBound('since', flags.since, now);
    if (flags.until !== undefined) filters.until = parseTimeBound('until', flags.until, now);
  } catch (error) {
    if (error instanceof TimeBoundError) throw new ReportUsageError(error.message);
    throw error;
  }
  if (filters.since !== undefined && filters.until !== undefined && filters.since > filters.until)
    throw new ReportUsageError(`--since (${new Date(filters.since).toISOString()}) is after --until (${new Date(filters.until).toISOString()})`);
  if (flags.target !== undefined) {
    if (!flags.target.trim()) throw new ReportUsageError('--target: give a target name');
    filters.target = flags.target.trim();
  }
  if (flags.state !== undefined) filters.states = parseStates(flags.state);
  let maxTasks = defaultMaxTasks;
  if (flags.max !== undefined) {
    maxTasks = Number(flags.max);
    if (!Number.isInteger(maxTasks) || maxTasks < 1 || maxTasks > largestMaxTasks)
      throw new ReportUsageError(`--max must be an integer from 1 to ${largestMaxTasks}, got ${JSON.stringify(flags.max)}`);
  }
  return { filters, maxTasks };
}

function parseStates(raw: string): TaskState[] {
  const states = raw
    .split(',')
    .map((s) => s.trim().toUpperCase())
    .filter(Boolean);
  if (!states.length) throw new ReportUsageError(`--state: give one or more states (known: ${taskStates.join(', ')})`);
  const unknown = states.find((s) => !(taskStates as readonly string[]).includes(s));
  if (unknown) throw new ReportUsageError(`--state: unknown state ${unknown} (known: ${taskStates.join(', ')})`);
  return states as TaskState[];
}

/** The report's data; the backends (for log tails) are optional: without targets here, the page says so. */
export async function reportData(
  store: Pick<TaskStore, 'listPage' | 'fullHistory'>,
  backends: BackendRegistry | { unavailable: string },
  o: { filters: ReportFilters; maxTasks: number; now: number; logCache?: LogTailCache },
): Promise<ReportData> {
  const logs = { backends, ...logTails, ...(o.logCache ? { cache: o.logCache } : {}) };
  return collectReport(store, { filters: o.filters, maxTasks: o.maxTasks, now: o.now, logs });
}

export function reportOutput(data: ReportData, json: boolean): string {
  return json ? JSON.stringify(data, null, 2) : renderReportHtml(data);
}

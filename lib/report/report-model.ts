import type { TaskCost } from '../cost/cost-ledger.ts';
import { isTerminal, type TaskState } from '../task/states.ts';
import type { HistoryEntry, Task } from '../task/task.ts';

/**
 * What `bulkpilot report` shows, made from tasks and their full histories: pure (no clock, no store, no
 * backend), so every figure the page and `--json` give is unit-tested. The page only draws this.
 */

/** How a task came out; `active` and `uncertain` have not ended (an operator settles UNCERTAIN). */
export type Outcome = 'succeeded' | 'failed' | 'aborted' | 'rejected' | 'lost' | 'uncertain' | 'active';

/** A stretch of a task's life in one state, on the timeline. */
export interface Segment {
  state: TaskState;
  from: number;
  to: number;
  /** The run at the backend this stretch belongs to (0 before the first submit). */
  attempt: number;
}

export type LogTail = { lines: string[]; location?: string } | { unavailable: string };

export interface ReportTask {
  taskId: string;
  requestId: string;
  target: string;
  backend: string;
  state: TaskState;
  outcome: Outcome;
  deleted: boolean;
  acceptedAt: number;
  /** When bulkpilot recorded the end; null while the task has not ended (its bar runs to `generatedAt`). */
  endedAt: number | null;
  /** Lane of the target's rows on the timeline: tasks whose bars would overlap get different lanes. */
  lane: number;
  segments: Segment[];
  attempts: number;
  retries: number;
  /** From the first submit to the end, retries included (waiting for a slot left out); null if it never ran or has not ended. */
  runMs: number | null;
  /** From the backend's own end of the last run to when bulkpilot recorded it; null: the backend said no end time. */
  detectionDelayMs: number | null;
  /** Why the detection delay is missing, for a task whose run ended. */
  detectionUnknown?: string;
  remoteId: string | null;
  remote: Record<string, string | number> | null;
  remoteState: string | null;
  stage: string | null;
  progress: number | null;
  counters: Record<string, number> | null;
  source: string | null;
  destination: string | null;
  cost: TaskCost | null;
  error: string | null;
  history: HistoryEntry[];
  log?: LogTail;
}

export interface Spread {
  count: number;
  p50: number | null;
  p95: number | null;
}

export interface ReportSummary {
  tasks: number;
  byState: Partial<Record<TaskState, number>>;
  byOutcome: Partial<Record<Outcome, number>>;
  /** Succeeded among the tasks that ended (every terminal outcome counts); null when none ended. */
  successRate: number | null;
  runMs: Spread;
  detectionDelayMs: Spread & { unknown: number };
  retries: { total: number; tasks: number };
  cost: { total: TaskCost; perTask: TaskCost | null; tasks: number };
}

export interface ReportFilters {
  since?: number;
  until?: number;
  target?: string;
  states?: TaskState[];
}

export interface ReportData {
  generatedAt: number;
  filters: ReportFilters;
  /** More tasks matched than were read (the read's bound): the report shows the newest. */
  truncated: boolean;
  targets: Array<{ name: string; lanes: number }>;
  tasks: ReportTask[];
  summary: ReportSummary;
}

export interface ReportInput {
  task: Task;
  /** The task's whole history (the store's fullHistory: entries moved to history pages included). */
  history: HistoryEntry[];
  log?: LogTail;
}

const runStates: ReadonlySet<TaskState> = new Set(['SUBMITTED', 'RUNNING', 'RETRY_WAIT', 'ABORTING']);
const runEnds: ReadonlySet<TaskState> = new Set(['SUCCEEDED', 'FAILED', 'ABORTED', 'LOST']);
/** A backend's end time has second precision at best: an end recorded up to this much "before" it is not a contradiction. */
const clockSlackMs = 1_000;

export function outcomeOf(state: TaskState): Outcome {
  switch (state) {
    case 'SUCCEEDED':
      return 'succeeded';
    case 'FAILED_FINAL':
      return 'failed';
    case 'ABORTED':
      return 'aborted';
    case 'REJECTED':
      return 'rejected';
    case 'LOST':
      return 'lost';
    case 'UNCERTAIN':
      return 'uncertain';
    default:
      return 'active';
  }
}

/** The task's life as stretches of state, each with its attempt: a first submit is attempt 1, each rerun one more. */
export function segmentsOf(history: readonly HistoryEntry[], end: number): Segment[] {
  const segments: Segment[] = [];
  let attempt = 0;
  history.forEach((entry, i) => {
    if (attempt === 0 && entry.to === 'SUBMITTED') attempt = 1;
    // A rerun (or resubmit) is recorded as RETRY_WAIT → RUNNING: the new run starts there.
    else if (entry.from === 'RETRY_WAIT' && entry.to === 'RUNNING') attempt++;
    // The end is the bar's end; a terminal state an operator reopened later (a manual retry) is a stretch.
    if (isTerminal(entry.to) && i === history.length - 1) return;
    const next = history[i + 1];
    const to = next ? next.at : end;
    const last = segments.at(-1);
    // A same-state entry (a note on ACCEPTED) continues its stretch.
    if (last && last.state === entry.to && last.attempt === attempt && last.to === entry.at) last.to = Math.max(last.to, to);
    else segments.push({ state: entry.to, from: entry.at, to: Math.max(entry.at, to), attempt });
  });
  // A task that ended as it was made (a request refused on arrival) is a mark at that moment.
  if (segments.length === 0 && history[0]) segments.push({ state: history[0].to, from: history[0].at, to: history[0].at, attempt: 0 });
  return segments;
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

function spread(values: number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  return { count: sorted.length, p50: percentile(sorted, 0.5), p95: percentile(sorted, 0.95) };
}

/** When the task ended as recorded: finishedAt, or (older tasks) its last transition. */
function endOf(task: Task, history: readonly HistoryEntry[]): number | null {
  if (!isTerminal(task.state)) return null;
  return task.finishedAt ?? history.at(-1)?.at ?? task.updatedAt;
}

/**
 * The detection delay of the task's last run that ended: the backend's end time (kept from that run's last
 * status) against the history entry that recorded the end.
 */
function detectionOf(task: Task, history: readonly HistoryEntry[]): { ms: number | null; unknown?: string } {
  const recorded = [...history].reverse().find((e) => e.from !== null && runStates.has(e.from) && runEnds.has(e.to));
  if (!recorded) return { ms: null };
  if (task.remoteEndedAt === undefined) return { ms: null, unknown: `backend ${task.backend} does not say when its run ended` };
  if (task.remoteEndedAt > recorded.at + clockSlackMs)
    return { ms: null, unknown: 'the backend end time is later than the recorded end (clocks apart, or a later run)' };
  return { ms: Math.max(0, recorded.at - task.remoteEndedAt) };
}

/** First lane where the bar fits after the bars already placed (tasks in order of acceptance). */
function placeInLanes(bars: Array<{ from: number; to: number }>): number[] {
  const laneEnds: number[] = [];
  return bars.map(({ from, to }) => {
    let lane = laneEnds.findIndex((end) => end <= from);
    if (lane < 0) lane = laneEnds.push(to) - 1;
    else laneEnds[lane] = to;
    return lane;
  });
}

function sumCost(costs: readonly TaskCost[]): TaskCost {
  const total = { readUnits: 0, writeUnits: 0, backendCalls: 0, lambdaMs: 0 };
  for (const c of costs) {
    total.readUnits += c.readUnits;
    total.writeUnits += c.writeUnits;
    total.backendCalls += c.backendCalls;
    total.lambdaMs += c.lambdaMs;
  }
  return roundCost(total);
}

function roundCost(c: TaskCost): TaskCost {
  const r = (n: number) => Math.round(n * 100) / 100;
  return { readUnits: r(c.readUnits), writeUnits: r(c.writeUnits), backendCalls: r(c.backendCalls), lambdaMs: Math.round(c.lambdaMs) };
}

export function reportTask(input: ReportInput, now: number): Omit<ReportTask, 'lane'> {
  const { task } = input;
  const history = input.history.length ? input.history : task.history;
  const endedAt = endOf(task, history);
  const segments = segmentsOf(history, endedAt ?? now);
  const attempts = Math.max(task.attempt ?? 0, segments.at(-1)?.attempt ?? 0);
  const firstSubmit = history.find((e) => e.to === 'SUBMITTED')?.at;
  const detection = detectionOf(task, history);
  return {
    taskId: task.taskId,
    requestId: task.requestId,
    target: task.target ?? task.backend,
    backend: task.backend,
    state: task.state,
    outcome: outcomeOf(task.state),
    deleted: task.deletedAt !== undefined,
    acceptedAt: history[0]?.at ?? task.createdAt,
    endedAt,
    segments,
    attempts,
    retries: Math.max(0, attempts - 1),
    runMs: firstSubmit !== undefined && endedAt !== null ? endedAt - firstSubmit : null,
    detectionDelayMs: detection.ms,
    ...(detection.unknown ? { detectionUnknown: detection.unknown } : {}),
    remoteId: task.remoteId ?? null,
    remote: task.remote ? { ...task.remote } : null,
    remoteState: task.remoteState ?? null,
    stage: task.stage ?? null,
    progress: task.progress ?? null,
    counters: task.counters ?? null,
    source: task.summary.source ?? null,
    destination: task.summary.destination ?? null,
    cost: task.cost ?? null,
    error: task.error ? `${task.error.field ? `${task.error.field}: ` : ''}${task.error.reason}` : null,
    history,
    ...(input.log ? { log: input.log } : {}),
  };
}

export function summarize(tasks: readonly Omit<ReportTask, 'lane'>[]): ReportSummary {
  const byState: Partial<Record<TaskState, number>> = {};
  const byOutcome: Partial<Record<Outcome, number>> = {};
  for (const t of tasks) {
    byState[t.state] = (byState[t.state] ?? 0) + 1;
    byOutcome[t.outcome] = (byOutcome[t.outcome] ?? 0) + 1;
  }
  const ended = tasks.filter((t) => t.endedAt !== null).length;
  const costs = tasks.flatMap((t) => (t.cost ? [t.cost] : []));
  const total = sumCost(costs);
  const delays = tasks.flatMap((t) => (t.detectionDelayMs === null ? [] : [t.detectionDelayMs]));
  return {
    tasks: tasks.length,
    byState,
    byOutcome,
    successRate: ended ? (byOutcome.succeeded ?? 0) / ended : null,
    runMs: spread(tasks.flatMap((t) => (t.runMs === null ? [] : [t.runMs]))),
    detectionDelayMs: { ...spread(delays), unknown: tasks.filter((t) => t.detectionUnknown !== undefined).length },
    retries: { total: tasks.reduce((n, t) => n + t.retries, 0), tasks: tasks.filter((t) => t.retries > 0).length },
    cost: {
      total,
      perTask: costs.length
        ? roundCost({
            readUnits: total.readUnits / costs.length,
            writeUnits: total.writeUnits / costs.length,
            backendCalls: total.backendCalls / costs.length,
            lambdaMs: total.lambdaMs / costs.length,
          })
        : null,
      tasks: costs.length,
    },
  };
}

/** The report of these tasks: timeline rows per target (lanes), each task's figures, and the summary. */
export function buildReport(inputs: readonly ReportInput[], options: { now: number; filters: ReportFilters; truncated: boolean }): ReportData {
  const rows = inputs.map((input) => reportTask(input, options.now)).sort((a, b) => a.acceptedAt - b.acceptedAt || a.taskId.localeCompare(b.taskId));
  const byTarget = new Map<string, typeof rows>();
  for (const row of rows) byTarget.set(row.target, [...(byTarget.get(row.target) ?? []), row]);
  const targets: ReportData['targets'] = [];
  const tasks: ReportTask[] = [];
  for (const name of [...byTarget.keys()].sort()) {
    const group = byTarget.get(name)!;
    const lanes = placeInLanes(group.map((t) => ({ from: t.acceptedAt, to: t.endedAt ?? options.now })));
    group.forEach((t, i) => {
      tasks.push({ ...t, lane: lanes[i]! });
    });
    targets.push({ name, lanes: Math.max(0, ...lanes) + 1 });
  }
  return { generatedAt: options.now, filters: options.filters, truncated: options.truncated, targets, tasks, summary: summarize(tasks) };
}

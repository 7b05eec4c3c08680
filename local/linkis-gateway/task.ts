import { javaFloatString } from './java.ts';
import type { Interventions, Timeline, TimeoutLabels, Transition } from './lifecycle.ts';
import { buildTimeline, isCompleted, runFraction, transitionAt } from './lifecycle.ts';
import type { JobPlan, TaskStatus } from './types.ts';

export interface LogEvent {
  at: number;
  level: 'INFO' | 'WARN' | 'ERROR';
  text: string;
}

export interface ProgressEntry {
  id: string;
  succeedTasks: number;
  failedTasks: number;
  runningTasks: number;
  totalTasks: number;
}

/** A DB-only change that the job's own lifecycle did not make. */
export interface DbOverride {
  status: TaskStatus;
  at: number;
  /** Replaces the progress column (killJobs writes the literal "1.0f"). */
  progress?: string;
  errDesc?: string;
  /** updateJobHistoryCancelById (restart clean-up) leaves updated_time alone. */
  touchesUpdatedTime: boolean;
}

/**
 * One submitted job: the JobRequest row in the job history DB and, while the entrance keeps it, the
 * in-memory job. Nothing here keeps time; every view is computed from the clock.
 */
export interface Task {
  taskID: number;
  instance: string;
  /** The entrance incarnation that scheduled it; a restarted entrance no longer knows it. */
  incarnation: number;
  /** The endpoint that created it; the first log lines are worded differently. */
  submitPath: 'submit' | 'execute';
  /** <creator>_<user>_<engineType>_<index>; null when it never reached the scheduler. */
  shortId: string | null;
  execID: string | null;
  groupName: string | null;
  index: number | null;
  submitUser: string;
  executeUser: string;
  executionCode: string | null;
  runType: string | null;
  engineType: string | null;
  creator: string | null;
  labels: Record<string, string>;
  params: Record<string, unknown> | null;
  sourceJson: string;
  createdAt: number;
  plan: JobPlan;
  timeouts: TimeoutLabels;
  interventions: Interventions;
  timeline: Timeline;
  dbOverride?: DbOverride;
  evicted: boolean;
  /** Log lines pushed by operations (killJobs) rather than by the lifecycle. */
  extraLogs: LogEvent[];
  engine: { engineInstance: string; ecmInstance: string; ticketId: string };
  logPath: string;
  /** Where the success log line and resultLocation put results. */
  resultLocation: string;
}

export function rebuildTimeline(task: Task, timeoutStatus: TaskStatus): void {
  task.timeline = buildTimeline(task.createdAt, task.plan, task.timeouts, task.interventions, timeoutStatus);
}

/** Clock time as far as the job is concerned: a job on a downed entrance stops where it was. */
export function jobTime(task: Task, t: number): number {
  const frozenAt = task.interventions.frozenAt;
  return frozenAt === undefined ? t : Math.min(t, frozenAt);
}

export function entranceTransition(task: Task, t: number): Transition {
  return transitionAt(task.timeline, jobTime(task, t));
}

/** The job history row as it stands at t. */
export interface DbState {
  status: TaskStatus;
  progress: string;
  errCode: number | null;
  errDesc: string | null;
  updatedTime: number;
}

export function dbStateAt(task: Task, t: number): DbState {
  const override = task.dbOverride;
  if (override !== undefined && t >= override.at) {
    // The jobhistory update guard refuses every later change of a completed row.
    const before = lifecycleDbState(task, override.at);
    return {
      status: override.status,
      progress: override.progress ?? before.progress,
      errCode: before.errCode,
      errDesc: override.errDesc ?? before.errDesc,
      updatedTime: override.touchesUpdatedTime ? override.at : before.updatedTime,
    };
  }
  return lifecycleDbState(task, t);
}

function lifecycleDbState(task: Task, t: number): DbState {
  const tj = jobTime(task, t);
  const current = transitionAt(task.timeline, tj);
  const done = isCompleted(current.status);
  let progress = '0.0';
  let updatedTime = current.at;
  if (done) progress = '1.0';
  else if (current.status === 'Running') {
    const percent = Math.floor(runFraction(task.timeline, task.plan, tj) * 100);
    progress = javaFloatString(percent / 100);
    // Each progress step is persisted, and moves updated_time with it.
    const runningAt = task.timeline.runningAt!;
    if (percent >= 1) updatedTime = Math.max(updatedTime, runningAt + Math.ceil((percent / 100) * task.plan.runningMs));
  }
  const terminal = done ? current : undefined;
  return {
    status: current.status,
    progress,
    errCode: terminal?.errCode ?? null,
    errDesc: terminal?.errDesc ?? null,
    updatedTime,
  };
}

/** The entrance job's progress: progressInfo stays null until the engine reports (Running). */
export function entranceProgress(task: Task, t: number): { progress: number; progressInfo: ProgressEntry[] | null } {
  const tj = jobTime(task, t);
  const current = transitionAt(task.timeline, tj);
  const ranAt = task.timeline.runningAt;
  const ran = ranAt !== undefined && ranAt <= tj;
  const done = isCompleted(current.status);
  const fraction = runFraction(task.timeline, task.plan, tj);
  const progress = done ? 1 : current.status === 'Running' ? Math.floor(fraction * 100) / 100 : 0;
  if (!ran) return { progress, progressInfo: null };
  return { progress, progressInfo: progressEntries(task.plan, done && current.status === 'Succeed' ? 1 : fraction, current.status) };
}

function progressEntries(plan: JobPlan, fraction: number, status: TaskStatus): ProgressEntry[] {
  const total = plan.totalTasks;
  const all = plan.stages * total;
  const finished = Math.min(all, Math.floor(fraction * all));
  const current = Math.min(plan.stages - 1, Math.floor(finished / total));
  const entries: ProgressEntry[] = [];
  for (let i = 0; i <= current; i++) {
    const succeedTasks = Math.max(0, Math.min(total, finished - i * total));
    const active = i === current && succeedTasks < total;
    entries.push({
      id: `job-${i + 1}`,
      succeedTasks,
      failedTasks: active && status === 'Failed' ? 1 : 0,
      runningTasks: active && status === 'Running' ? Math.min(total - succeedTasks, 4) : 0,
      totalTasks: total,
    });
  }
  return entries;
}

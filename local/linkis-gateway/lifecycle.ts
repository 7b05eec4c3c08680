import type { JobPlan, TaskStatus } from './types.ts';
import { TASK_STATUSES } from './types.ts';

export interface Transition {
  at: number;
  status: TaskStatus;
  errCode?: number | null;
  errDesc?: string | null;
}

/** What happened to a job from outside its plan. */
export interface Interventions {
  /** Refused after it was persisted (e.g. code empty after preprocessing): Failed at once, never scheduled. */
  rejected?: { errCode: number; errDesc: string };
  /** In-memory kill of an unfinished job. */
  killedAt?: number;
  /** Test helper: from `at` the job has this status. */
  forced?: { status: TaskStatus; at: number };
  /** Its entrance went down: nothing after this happens. */
  frozenAt?: number;
}

/** A job's whole life, computed once from its plan; every view of it reads this at some clock time. */
export interface Timeline {
  transitions: Transition[];
  /** When it entered Running (an engine was assigned), if it did. */
  runningAt: number | undefined;
  /** When Running ended, if it did. */
  runningEndedAt: number | undefined;
  /** When it first reached a terminal status, if it did. */
  completedAt: number | undefined;
}

export interface TimeoutLabels {
  queuingSeconds: number;
  runningSeconds: number;
}

export function isCompleted(status: TaskStatus): boolean {
  return status === 'Succeed' || status === 'Failed' || status === 'Cancelled' || status === 'Timeout';
}

export function ordinal(status: TaskStatus): number {
  return TASK_STATUSES.indexOf(status);
}

/**
 * Inited -> Scheduled -> Running -> Succeed|Failed as the plan says, cut short by the first of: queuing
 * timeout (only while Inited, as Job.isWaiting), running timeout, kill. The timeout scan in the real
 * entrance runs every 120 s; here a timeout strikes exactly when it is due.
 */
export function buildTimeline(createdAt: number, plan: JobPlan, timeouts: TimeoutLabels, interventions: Interventions, timeoutStatus: TaskStatus): Timeline {
  if (interventions.rejected !== undefined) {
    const { errCode, errDesc } = interventions.rejected;
    return finish([
      { at: createdAt, status: 'Inited' },
      { at: createdAt, status: 'Failed', errCode, errDesc },
    ]);
  }
  const scheduledAt = createdAt + plan.initedMs;
  const runningAt = scheduledAt + plan.scheduledMs;
  const natural: Transition[] = [
    { at: createdAt, status: 'Inited' },
    { at: scheduledAt, status: 'Scheduled' },
  ];
  let end: Transition;
  if (plan.fail === 'scheduled') {
    end = { at: runningAt, status: 'Failed', errCode: plan.errCode, errDesc: plan.errDesc };
  } else {
    natural.push({ at: runningAt, status: 'Running' });
    end =
      plan.fail === 'running'
        ? { at: runningAt + Math.round(plan.runningMs * plan.failAtFraction), status: 'Failed', errCode: plan.errCode, errDesc: plan.errDesc }
        : { at: runningAt + plan.runningMs, status: 'Succeed', errCode: null, errDesc: null };
  }

  const cuts: Transition[] = [];
  if (timeouts.queuingSeconds > 0) {
    const at = createdAt + timeouts.queuingSeconds * 1000;
    if (at < scheduledAt) {
      const s = timeouts.queuingSeconds;
      cuts.push({ at, status: timeoutStatus, errCode: null, errDesc: `Job queued ${s} seconds over max queue time : ${s} seconds.` });
    }
  }
  if (timeouts.runningSeconds > 0 && plan.fail !== 'scheduled') {
    const s = timeouts.runningSeconds;
    cuts.push({ at: runningAt + s * 1000, status: timeoutStatus, errCode: null, errDesc: `Job run ${s} seconds over max run time : ${s} seconds.` });
  }
  if (interventions.killedAt !== undefined) {
    cuts.push({ at: interventions.killedAt, status: 'Cancelled', errCode: null, errDesc: 'Job is killed by user!' });
  }
  let cutShort = false;
  for (const cut of cuts) {
    if (cut.at < end.at) {
      end = cut;
      cutShort = true;
    }
  }
  // A cut at the very moment an engine would be assigned comes first; a planned end does not undo Running.
  const keep = (t: Transition): boolean => t.at < end.at || (t.at === end.at && (!cutShort || t.status !== 'Running'));
  let transitions = [...natural.filter(keep), end];
  if (interventions.forced !== undefined) {
    const { status, at } = interventions.forced;
    transitions = [...transitions.filter((t) => t.at < at), { at, status, errCode: null, errDesc: null }];
  }
  if (interventions.frozenAt !== undefined) {
    const frozenAt = interventions.frozenAt;
    transitions = transitions.filter((t) => t.at <= frozenAt);
  }
  return finish(transitions);
}

function finish(transitions: Transition[]): Timeline {
  const running = transitions.findIndex((t) => t.status === 'Running');
  const runningAt = running >= 0 ? transitions[running]!.at : undefined;
  const runningEndedAt = running >= 0 ? transitions[running + 1]?.at : undefined;
  const completedAt = transitions.find((t) => isCompleted(t.status))?.at;
  return { transitions, runningAt, runningEndedAt, completedAt };
}

/** The transition in force at t (the first one is always at or before any t we are asked about). */
export function transitionAt(timeline: Timeline, t: number): Transition {
  let current = timeline.transitions[0]!;
  for (const transition of timeline.transitions) {
    if (transition.at <= t) current = transition;
    else break;
  }
  return current;
}

export function statusAt(timeline: Timeline, t: number): TaskStatus {
  return transitionAt(timeline, t).status;
}

/** Fraction of the planned run time done by t (0 before Running). */
export function runFraction(timeline: Timeline, plan: JobPlan, t: number): number {
  if (timeline.runningAt === undefined || t < timeline.runningAt) return 0;
  const until = Math.min(t, timeline.runningEndedAt ?? Number.POSITIVE_INFINITY);
  if (plan.runningMs <= 0) return 1;
  return Math.min(1, Math.max(0, (until - timeline.runningAt) / plan.runningMs));
}

// What the poller does with what a backend said, as pure decisions: no store, no backend, no Java.
import { describe, expect, it } from 'vitest';
import type { BackendCapabilities, BackendTiming, RemoteStatus } from '../../../lib/backends/backend.ts';
import { newTask, type Task, taskIdFor } from '../../../lib/task/task.ts';
import {
  type Decision,
  type DecisionContext,
  decideAbort,
  decideNoAnswer,
  decideRetryWait,
  decideRun,
  decideStalledSubmission,
  type Observation,
  rerunClaimWindowMs,
} from '../../../lib/tracking/decisions.ts';
import { defaultPollPolicy } from '../../../lib/tracking/poll-policy.ts';

const t0 = Date.parse('2026-11-21T10:00:00Z');
const min = 60_000;
const ctx = (now: number): DecisionContext => ({ now, poll: { ...defaultPollPolicy, jitter: 0 }, random: () => 0.5 });
const timing: BackendTiming = { createMs: 23_000, statusMs: 25_000, commandMs: 23_000 };
const ability = (capabilities: Partial<BackendCapabilities> = {}, canFindCreated = false) => ({
  capabilities: { rerun: 'in-place' as const, delete: true, lifecycle: 'batch' as const, ...capabilities },
  timing,
  canFindCreated,
});

function task(state: Task['state'], changes: Partial<Task> = {}): Task {
  const accepted = newTask(
    { taskId: taskIdFor('d'), requestId: 'd', requestIdSource: 'client', target: 't', backend: 'fake', state: 'ACCEPTED', createdAt: t0, summary: {} },
    'x',
    { historyLimit: 50, shards: 4, retentionDays: 30 },
  );
  return { ...accepted, state, remote: { jobId: 'job-1' }, remoteId: 'job-1', submittedAt: t0, runStartedAt: t0, attempt: 1, ...changes };
}
const status = (phase: RemoteStatus['phase'], more: Partial<RemoteStatus> = {}): Observation => ({
  kind: 'status',
  status: { state: phase.toUpperCase(), phase, ...more },
});
const kindOf = (d: Decision) => (d.kind === 'transition' ? `transition ${d.to}` : d.kind);

describe('a running run (SUBMITTED or RUNNING)', () => {
  it('stores what the backend now says of where the job is, else every check would look for it again (a CDM job found on its cluster)', () => {
    const waiting = task('SUBMITTED', { remote: { jobName: 'j', candidates: 'a,b' } });
    const found = decideRun(waiting, status('pending', { state: 'NEW', ref: { jobName: 'j', clusterId: 'b' } }), ctx(t0 + min));
    expect(found).toMatchObject({ kind: 'update', changes: { remote: { jobName: 'j', clusterId: 'b' } } });
    // The same reference again is no news.
    expect(
      decideRun(task('SUBMITTED', { remote: { jobName: 'j', clusterId: 'b' } }), status('pending', { ref: { jobName: 'j', clusterId: 'b' } }), ctx(t0 + min))
        .kind,
    ).toBe('none');
  });

  it("stores the backend's own end time of a run that ended, where it says one (the report's detection delay)", () => {
    const ended = decideRun(task('RUNNING'), status('succeeded', { endedAt: t0 + 50_000 }), ctx(t0 + min));
    expect(ended).toMatchObject({ kind: 'transition', to: 'SUCCEEDED', changes: { remoteEndedAt: t0 + 50_000 } });
    const failed = decideRun(task('RUNNING'), status('failed', { endedAt: t0 + 40_000 }), ctx(t0 + min));
    expect(failed).toMatchObject({ kind: 'transition', to: 'FAILED', changes: { remoteEndedAt: t0 + 40_000 } });
    const silent = decideRun(task('RUNNING'), status('succeeded'), ctx(t0 + min));
    expect(silent.kind === 'transition' && 'remoteEndedAt' in silent.changes).toBe(false);
  });

  it('ends as the backend says: succeeded, failed (kept for the retry policy), aborted outside', () => {
    expect(kindOf(decideRun(task('RUNNING'), status('succeeded'), ctx(t0 + min)))).toBe('transition SUCCEEDED');
    const failed = decideRun(task('RUNNING'), status('failed', { stage: 'LOAD', message: 'disk full' }), ctx(t0 + min));
    expect(failed).toMatchObject({
      kind: 'transition',
      to: 'FAILED',
      dueAt: t0 + min + defaultPollPolicy.failedGraceMs,
      changes: { error: { reason: 'disk full', source: 'backend' } },
    });
    expect(kindOf(decideRun(task('SUBMITTED'), status('aborted'), ctx(t0 + min)))).toBe('transition ABORTED');
  });

  it('writes RUNNING on the first sign of running, not on a job still queued', () => {
    expect(kindOf(decideRun(task('SUBMITTED'), status('running'), ctx(t0 + min)))).toBe('transition RUNNING');
    expect(kindOf(decideRun(task('SUBMITTED'), status('pending'), ctx(t0 + min)))).toBe('none');
    expect(kindOf(decideRun(task('RUNNING'), status('pending'), ctx(t0 + min)))).toBe('none');
  });

  it('writes nothing for nothing new, and says when the backend calls the end near', () => {
    expect(decideRun(task('RUNNING'), status('running', { stage: 'MERGE', nearEnd: true, progress: 0.9 }), ctx(t0 + min))).toEqual({
      kind: 'none',
      nearEnd: true,
      stage: 'MERGE',
    });
    expect(decideRun(task('RUNNING'), status('unknown', { state: 'WEIRD' }), ctx(t0 + min))).toEqual({ kind: 'none', nearEnd: false, stage: 'WEIRD' });
  });

  it('keeps what a status tells (state, stage, progress, near end, a completed reference) with a change', () => {
    const decision = decideRun(
      task('SUBMITTED'),
      status('running', { stage: 'BOOT', progress: 0.1, nearEnd: false, ref: { jobId: 'job-1', run: 2 } }),
      ctx(t0 + min),
    );
    expect(decision).toMatchObject({ changes: { remoteState: 'RUNNING', stage: 'BOOT', progress: 0.1, nearEnd: false, remote: { jobId: 'job-1', run: 2 } } });
  });

  it('aborts a batch run past its deadline even when the status call fails, and otherwise leaves a failed call to the checkpoint', () => {
    const late = t0 + defaultPollPolicy.defaultMaxDurationMs + 1;
    expect(decideRun(task('RUNNING'), { kind: 'error', message: 'timeout' }, ctx(late))).toMatchObject({
      kind: 'abort-overdue',
      changes: { abort: { reason: 'timeout' } },
    });
    expect(decideRun(task('RUNNING'), { kind: 'error', message: 'timeout' }, ctx(t0 + min))).toEqual({ kind: 'no-answer' });
  });

  it('never stops a continuous job on the default deadline, only on the one its request sets', () => {
    const late = t0 + defaultPollPolicy.defaultMaxDurationMs + 1;
    expect(kindOf(decideRun(task('RUNNING', { lifecycle: 'continuous' }), status('running'), ctx(late)))).toBe('none');
    const planned = decideRun(task('RUNNING', { lifecycle: 'continuous', maxDurationMs: 60 * min }), status('running'), ctx(t0 + 61 * min));
    expect(planned).toMatchObject({ kind: 'abort-overdue', reason: 'reached its maximum duration of 60 min; stopping' });
  });

  it('counts "not found" towards LOST only over several answers and a span of time', () => {
    const first = decideRun(task('RUNNING'), { kind: 'not-found', message: 'gone' }, ctx(t0 + min));
    expect(first).toMatchObject({ kind: 'reschedule', poll: { notFound: 1, notFoundSince: t0 + min } });
    const third = task('RUNNING', { poll: { checks: 5, failures: 0, notFound: 2, notFoundSince: t0 } });
    expect(kindOf(decideRun(third, { kind: 'not-found', message: 'gone' }, ctx(t0 + 5 * min)))).toBe('reschedule'); // span too short
    expect(kindOf(decideRun(third, { kind: 'not-found', message: 'gone' }, ctx(t0 + 11 * min)))).toBe('transition LOST');
  });

  it('clears a "not found" streak when the job is seen again', () => {
    expect(kindOf(decideRun(task('RUNNING', { poll: { checks: 3, failures: 0, notFound: 1, notFoundSince: t0 } }), status('running'), ctx(t0 + min)))).toBe(
      'update',
    );
  });
});

describe("a running job's warnings (its backend says it is not doing its work)", () => {
  const discarding = { code: 'discarding', message: '25 records discarded since the last check (25 in all)' };
  const stale = { code: 'stale', message: 'nothing transferred for 61 min' };

  it('stores a new warning with the time it was raised, and names it as raised', () => {
    const d = decideRun(task('RUNNING'), status('running', { warnings: [discarding], counters: { discarded: 25 } }), ctx(t0 + 10 * min));
    expect(d).toMatchObject({
      kind: 'update',
      changes: { warnings: [{ ...discarding, since: t0 + 10 * min }], warnedAt: t0 + 10 * min, counters: { discarded: 25 } },
      raised: [{ code: 'discarding' }],
    });
  });

  it('writes nothing while the same warnings stand (told by code, whatever their text says now), and keeps their time', () => {
    const stored = task('RUNNING', { warnings: [{ ...stale, since: t0 }] });
    expect(decideRun(stored, status('running', { warnings: [{ code: 'stale', message: 'nothing transferred for 75 min' }] }), ctx(t0 + 20 * min)).kind).toBe(
      'none',
    );
    const more = decideRun(stored, status('running', { warnings: [stale, discarding] }), ctx(t0 + 30 * min));
    expect(more).toMatchObject({
      kind: 'update',
      changes: {
        warnings: [
          { code: 'stale', since: t0 },
          { code: 'discarding', since: t0 + 30 * min },
        ],
      },
      raised: [{ code: 'discarding' }],
    });
  });

  it('clears the warnings when the backend no longer reports them, raising nothing', () => {
    const d = decideRun(task('RUNNING', { warnings: [{ ...stale, since: t0 }], warnedAt: t0 }), status('running'), ctx(t0 + 20 * min));
    expect(d.kind).toBe('update');
    expect(d.kind === 'update' && d.changes.warnings).toBeUndefined();
    expect(d.kind === 'update' && d.raised).toBeUndefined();
  });

  it('carries warnings into the first RUNNING, and leaves a failure to its own transition', () => {
    expect(decideRun(task('SUBMITTED'), status('running', { warnings: [discarding] }), ctx(t0 + min))).toMatchObject({
      kind: 'transition',
      to: 'RUNNING',
      changes: { warnings: [{ code: 'discarding' }] },
    });
    expect(kindOf(decideRun(task('RUNNING'), status('failed', { warnings: [discarding] }), ctx(t0 + min)))).toBe('transition FAILED');
  });
});

describe('an abort awaiting confirmation (ABORTING)', () => {
  const aborting = (changes: Partial<Task> = {}) => task('ABORTING', { abort: { reason: 'operator', requestedAt: t0, calls: 1, lastCallAt: t0 }, ...changes });

  it('ends ABORTED when confirmed, and FAILED_FINAL when it was a batch deadline', () => {
    expect(kindOf(decideAbort(aborting(), status('aborted'), ctx(t0 + min)))).toBe('transition ABORTED');
    const timedOut = aborting({ abort: { reason: 'timeout', requestedAt: t0, calls: 1, lastCallAt: t0 } });
    expect(decideAbort(timedOut, status('aborted'), ctx(t0 + min))).toMatchObject({
      to: 'FAILED_FINAL',
      changes: { error: { reason: 'run exceeded its maximum duration' } },
    });
  });

  it('ends a continuous job stopped at its planned end ABORTED, not failed', () => {
    const planned = aborting({ lifecycle: 'continuous', abort: { reason: 'timeout', requestedAt: t0, calls: 1, lastCallAt: t0 } });
    expect(decideAbort(planned, status('aborted'), ctx(t0 + min))).toMatchObject({
      kind: 'transition',
      to: 'ABORTED',
      reason: expect.stringMatching(/^stopped at the end of its maximum duration/),
    });
  });

  it('repeats the abort now and then while the job runs, never in a tight loop', () => {
    expect(kindOf(decideAbort(aborting(), status('running'), ctx(t0 + 30_000)))).toBe('reschedule');
    expect(decideAbort(aborting(), status('running'), ctx(t0 + 60_000))).toMatchObject({
      kind: 'repeat-abort',
      changes: { abort: { calls: 2, lastCallAt: t0 + 60_000 } },
    });
  });
});

describe('a failed run waiting for its retry (RETRY_WAIT)', () => {
  const waiting = (changes: Partial<Task> = {}) => task('RETRY_WAIT', { nextAttemptAt: t0 + 5 * min, ...changes });

  it('asks the backend to run the job again with a claim for the next attempt', () => {
    const decision = decideRetryWait(waiting(), status('failed'), ctx(t0 + 5 * min), ability());
    expect(decision).toMatchObject({ kind: 'rerun', claim: { at: t0 + 5 * min, attempt: 2 }, dueAt: t0 + 5 * min + rerunClaimWindowMs(timing) });
  });

  it('is not held back by the claim of an earlier attempt, whose run was recorded (issue 18)', () => {
    // Attempt 2 ran (recorded) and failed again within a minute: its old claim must not delay attempt 3.
    const decision = decideRetryWait(
      waiting({ attempt: 2, retryCall: { at: t0 + 4 * min, attempt: 2 } }),
      status('failed'),
      ctx(t0 + 4 * min + 10_000),
      ability(),
    );
    expect(decision).toMatchObject({ kind: 'rerun', claim: { attempt: 3 } });
  });

  it('holds a claim whose answer was lost for the backend’s bound on the call, then calls again', () => {
    const claimed = waiting({ retryCall: { at: t0 + 5 * min, attempt: 2 } });
    const window = rerunClaimWindowMs(timing);
    expect(decideRetryWait(claimed, status('failed'), ctx(t0 + 5 * min + 1_000), ability())).toMatchObject({
      kind: 'reschedule',
      dueAt: t0 + 5 * min + window,
    });
    expect(decideRetryWait(claimed, status('failed'), ctx(t0 + 5 * min + window), ability())).toMatchObject({ kind: 'rerun', claim: { attempt: 2 } });
    expect(window).toBe(timing.commandMs + 2_000);
  });

  it('looks for the job of a resubmit whose answer was lost before resubmitting again', () => {
    const claimed = waiting({ retryCall: { at: t0 + 5 * min, attempt: 2 } });
    const late = ctx(t0 + 5 * min + rerunClaimWindowMs(timing));
    expect(kindOf(decideRetryWait(claimed, status('failed'), late, ability({ rerun: 'resubmit' }, true)))).toBe('find-rerun');
  });

  it('takes a job seen running again as the next run (retried from the console, or our lost call took effect)', () => {
    const decision = decideRetryWait(waiting({ retryCall: { at: t0, attempt: 2 } }), status('running'), ctx(t0 + 5 * min), ability());
    // The failed run's error belongs to the history now: the task shows the new run, not the old failure.
    expect(decision).toMatchObject({ kind: 'transition', to: 'RUNNING', changes: { attempt: 2, runStartedAt: t0 + 5 * min }, clear: ['retryCall', 'error'] });
    expect(kindOf(decideRetryWait(waiting(), status('pending'), ctx(t0 + 5 * min), ability({ rerun: 'start' })))).toBe('transition RUNNING');
  });

  it('does not read a resubmitted job’s old, failed job as running again', () => {
    expect(kindOf(decideRetryWait(waiting(), status('running'), ctx(t0 + 5 * min), ability({ rerun: 'resubmit' }, true)))).toBe('rerun');
  });

  it('respects a person’s abort from the console unless a person asked for this retry', () => {
    expect(kindOf(decideRetryWait(waiting(), status('aborted'), ctx(t0 + 5 * min), ability()))).toBe('transition ABORTED');
    expect(kindOf(decideRetryWait(waiting({ operatorRetry: true }), status('aborted'), ctx(t0 + 5 * min), ability()))).toBe('rerun');
  });

  it('gives up at once where the backend cannot run a failed job again', () => {
    expect(kindOf(decideRetryWait(waiting(), status('failed'), ctx(t0 + 5 * min), ability({ rerun: 'none' })))).toBe('transition FAILED_FINAL');
  });
});

describe('a check without an answer', () => {
  it('is left to the checkpoint for a task followed without writes, and backed off otherwise', () => {
    expect(decideNoAnswer(task('RUNNING'), { kind: 'error', message: 'x' }, ctx(t0))).toEqual({ kind: 'no-answer' });
    const backedOff = decideNoAnswer(task('ABORTING', { poll: { checks: 1, failures: 2, notFound: 0 } }), { kind: 'error', message: 'x' }, ctx(t0));
    expect(backedOff).toMatchObject({ kind: 'reschedule', poll: { failures: 3, lastError: 'x' }, dueAt: t0 + 4 * defaultPollPolicy.errorBackoffBaseMs });
  });
});

describe('a submission the poller finds ACCEPTED', () => {
  const accepted = (create: Task['create']) => ({ ...task('ACCEPTED'), create });

  it('waits for a create still in flight', () => {
    expect(
      decideStalledSubmission(accepted({ attempts: 1, startedAt: t0, leaseUntil: t0 + 30_000 }), ctx(t0 + 10_000), { canFindCreated: true }),
    ).toMatchObject({
      kind: 'reschedule',
      dueAt: t0 + 31_000,
    });
  });

  it('asks a backend that can look the job up, and holds it for an operator where it cannot', () => {
    const lost = accepted({ attempts: 1, startedAt: t0, leaseUntil: t0 + 30_000 });
    expect(kindOf(decideStalledSubmission(lost, ctx(t0 + min), { canFindCreated: true }))).toBe('find-create');
    expect(decideStalledSubmission(lost, ctx(t0 + min), { canFindCreated: false })).toMatchObject({
      kind: 'hold-uncertain',
      reason: expect.stringMatching(/never recorded its outcome/),
    });
  });

  it('gives up on a message that never came back, long after the dead-letter queue forgot it', () => {
    expect(kindOf(decideStalledSubmission(accepted({ attempts: 1 }), ctx(t0 + defaultPollPolicy.stalledAcceptedMaxAgeMs), undefined))).toBe(
      'transition REJECTED',
    );
    expect(kindOf(decideStalledSubmission(accepted({ attempts: 1 }), ctx(t0 + min), undefined))).toBe('reschedule');
  });
});

import { describe, expect, it } from 'vitest';
import { endFromProgress, endFromStage, learnStages, observeRun, predictedGapMs } from '../../../lib/tracking/end-prediction.ts';
import { defaultPollPolicy } from '../../../lib/tracking/poll-policy.ts';
import { dueCheckTime, emptyCheckpoint, type IndexedTask } from '../../../lib/tracking/poll-schedule.ts';

const minute = 60_000;

describe('endFromProgress', () => {
  it('extrapolates the average rate: 25 % after 10 minutes ends 30 minutes later', () => {
    expect(endFromProgress(0, 10 * minute, 0.25)).toBe(40 * minute);
  });

  it('keeps the earlier of the average and the recent rate: a run that sped up is expected sooner', () => {
    // 20 % in the first 10 minutes, then 20 % more in 2: the recent rate says 6 minutes are left.
    const end = endFromProgress(0, 12 * minute, 0.4, { at: 10 * minute, progress: 0.2 });
    expect(end).toBe(18 * minute);
  });

  it('ignores a stall (no recent progress) and a run too young or too little advanced to say anything', () => {
    expect(endFromProgress(0, 20 * minute, 0.5, { at: 15 * minute, progress: 0.5 })).toBe(40 * minute);
    expect(endFromProgress(0, 10_000, 0.3)).toBeUndefined();
    expect(endFromProgress(0, 10 * minute, 0.01)).toBeUndefined();
  });
});

describe('stage profiles', () => {
  it('learns when each stage is first seen as a share of the run, and predicts a run from its current stage', () => {
    let profile = learnStages(undefined, 0, 100 * minute, { PREPARE: 1 * minute, BULKLOAD: 10 * minute, MERGE: 80 * minute });
    profile = learnStages(profile, 0, 50 * minute, { PREPARE: 0.5 * minute, BULKLOAD: 5 * minute, MERGE: 40 * minute });
    profile = learnStages(profile, 0, 200 * minute, { PREPARE: 2 * minute, BULKLOAD: 20 * minute, MERGE: 160 * minute });

    expect(profile.MERGE).toEqual({ share: expect.closeTo(0.8, 5), runs: 3 });
    expect(endFromStage(0, 'MERGE', 40 * minute, profile)).toBe(50 * minute);
    // A stage seen in fewer past runs than the minimum predicts nothing.
    expect(endFromStage(0, 'MERGE', 40 * minute, learnStages(undefined, 0, 100 * minute, { MERGE: 80 * minute }))).toBeUndefined();
  });

  it('averages exponentially once it has seen a few runs: a target that changes is followed', () => {
    let profile = learnStages(undefined, 0, 100, { MERGE: 80 });
    for (let i = 0; i < 20; i++) profile = learnStages(profile, 0, 100, { MERGE: 50 });
    expect(profile.MERGE!.share).toBeCloseTo(0.5, 2);
  });
});

describe('predictedGapMs', () => {
  it('waits a quarter of the time left while the end is far, within the near-end interval and the maximum', () => {
    expect(predictedGapMs(0, 20 * minute, defaultPollPolicy)).toBe(5 * minute);
    expect(predictedGapMs(0, 60 * minute, { ...defaultPollPolicy, predictedGapShare: 0.5 })).toBe(defaultPollPolicy.maxIntervalMs);
    expect(predictedGapMs(0, 20_000, defaultPollPolicy)).toBe(defaultPollPolicy.nearEndIntervalMs);
  });

  it('checks at the near-end interval around the predicted end, and less often the later a run gets', () => {
    expect(predictedGapMs(10 * minute, 10 * minute, defaultPollPolicy)).toBe(defaultPollPolicy.nearEndIntervalMs);
    expect(predictedGapMs(16 * minute, 10 * minute, defaultPollPolicy)).toBe(3 * minute);
  });
});

describe('observeRun', () => {
  it('remembers a progress run with its predicted end, and forgets it once it is not running', () => {
    const seen = observeRun(undefined, 0, 10 * minute, { phase: 'running', progress: 0.5 }, undefined);
    expect(seen.memory).toEqual({ at: 10 * minute, progress: 0.5, end: 20 * minute });
    expect(observeRun(seen.memory, 0, 20 * minute, { phase: 'failed' }, undefined).memory).toBeUndefined();
  });

  it('forgets the memory of an earlier run once the task was retried', () => {
    const old = { at: 5 * minute, progress: 0.9, end: 6 * minute };
    expect(observeRun(old, 10 * minute, 11 * minute, { phase: 'running', progress: 0.01 }, undefined).memory).toEqual({ at: 11 * minute, progress: 0.01 });
  });

  it('notes when a staged run first shows each stage, and teaches the profile when it succeeds', () => {
    let memory = observeRun(undefined, 0, 1 * minute, { phase: 'running', stage: 'PREPARE' }, undefined).memory;
    memory = observeRun(memory, 0, 2 * minute, { phase: 'running', stage: 'PREPARE' }, undefined).memory;
    memory = observeRun(memory, 0, 8 * minute, { phase: 'running', stage: 'MERGE' }, undefined).memory;
    const done = observeRun(memory, 0, 10 * minute, { phase: 'succeeded' }, undefined);

    expect(memory?.stages).toEqual({ PREPARE: 1 * minute, MERGE: 8 * minute });
    expect(done.memory).toBeUndefined();
    expect(done.profile).toEqual({ PREPARE: { share: 0.1, runs: 1 }, MERGE: { share: 0.8, runs: 1 } });
  });
});

describe('dueCheckTime with a predicted end', () => {
  const task: IndexedTask = { taskId: 't-1', state: 'RUNNING', version: 3, backend: 'linkis', dueAt: 0, runStartedAt: 0, remoteId: '7' };

  it('is due a quarter of the way to the predicted end, not on the age-based schedule', () => {
    const checkpoint = {
      ...emptyCheckpoint(),
      checkedThrough: 10 * minute,
      readThrough: 0,
      runs: { 't-1': { at: 10 * minute, progress: 0.25, end: 40 * minute } },
    };
    expect(dueCheckTime(task, checkpoint, 17 * minute, defaultPollPolicy)).toBeUndefined();
    expect(dueCheckTime(task, checkpoint, 17.5 * minute, defaultPollPolicy)).toBe(17.5 * minute);
  });

  it('wins over a progress threshold\'s "near the end", which on a long run would check every pass', () => {
    const checkpoint = {
      ...emptyCheckpoint(),
      checkedThrough: 100 * minute,
      readThrough: 0,
      nearEnd: { 't-1': { stage: 'Running', at: 100 * minute } },
      runs: { 't-1': { at: 100 * minute, progress: 0.9, end: 111 * minute } },
    };
    expect(dueCheckTime(task, checkpoint, 100 * minute + 15_000, defaultPollPolicy)).toBeUndefined();
    expect(dueCheckTime(task, checkpoint, 102.75 * minute, defaultPollPolicy)).toBe(102.75 * minute);
  });
});

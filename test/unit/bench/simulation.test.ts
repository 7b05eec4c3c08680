// The benchmark's simulation at a tiny size, so it cannot rot: deterministic, and its figures plausible.
import { describe, expect, it } from 'vitest';
import { simulate, summarize } from '../../../bench/sim/simulate.ts';
import { defaultWorkload } from '../../../bench/sim/workload.ts';

const small = { ...defaultWorkload, tasksPerDay: 3_000 };

describe('the virtual-time simulation', () => {
  it('gives the same figures twice for a seed, and others for another seed', () => {
    const a = summarize(simulate('bulkpilot', small));
    expect(summarize(simulate('bulkpilot', small))).toEqual(a);
    expect(summarize(simulate('bulkpilot', { ...small, seed: 7 }))).not.toEqual(a);
  });

  it('fixed 60-second polling sees an end about 30 s after it on median, at most a minute after', () => {
    const fixed = summarize(simulate('fixed-60s', small));
    expect(fixed.medianDetectionS).toBeGreaterThan(25);
    expect(fixed.medianDetectionS).toBeLessThan(35);
    expect(fixed.p95DetectionS).toBeLessThanOrEqual(60);
  });

  it('prices a Step Functions poll loop at three transitions per poll', () => {
    const sfn = simulate('step-functions', small);
    expect(sfn.cost.stepFunctions).toBeCloseTo(sfn.checks * 3 * 0.000025, 8);
  });

  it("bulkpilot's polling rule makes fewer backend calls per task than fixed polling", () => {
    expect(summarize(simulate('bulkpilot', small)).backendCallsPerTask).toBeLessThan(summarize(simulate('fixed-60s', small)).backendCallsPerTask);
  });

  for (const backend of ['linkis', 'cdm', 'lindorm'] as const) {
    it(`${backend}: the same figures twice for a seed, fewer calls than fixed polling, and an earlier median detection`, () => {
      const workload = { ...small, backend };
      const ours = summarize(simulate('bulkpilot', workload));
      const fixed = summarize(simulate('fixed-60s', workload));
      expect(summarize(simulate('bulkpilot', workload))).toEqual(ours);
      expect(ours.backendCallsPerTask).toBeLessThan(fixed.backendCallsPerTask);
      expect(ours.medianDetectionS).toBeLessThan(fixed.medianDetectionS);
      expect(ours.predictedShare).toBe(1);
    });
  }

  it('predicts no more runs than the shards can remember: with one shard and a busy day, the rest use the age-based rule and are seen later', () => {
    const busy = { ...defaultWorkload, tasksPerDay: 40_000, backend: 'linkis' as const };
    const oneShard = simulate('bulkpilot', busy, undefined, undefined, 1);
    // About 1,400 runs at once against 800 memories.
    expect(oneShard.concurrentRuns).toBeGreaterThan(1_000);
    expect(oneShard.predictedShare).toBeCloseTo(800 / oneShard.concurrentRuns, 5);
    expect(summarize(oneShard).medianDetectionS).toBeGreaterThan(summarize(simulate('bulkpilot', busy)).medianDetectionS);
  }, 60_000);

  it('prices the floor (only the writes durability needs) below bulkpilot and above nothing, on the same runs', () => {
    const ours = summarize(simulate('bulkpilot', small));
    expect(ours.floorDollarsPer10kTaskHours).toBeGreaterThan(0);
    expect(ours.floorDollarsPer10kTaskHours).toBeLessThan(ours.dollarsPer10kTaskHours);
  });

  it('accounts for every dollar above the floor: the indexes, the RUNNING writes, the marks and the rest add up to the gap', () => {
    const ours = summarize(simulate('bulkpilot', small));
    const over = ours.overFloorPer10kTaskHours;
    for (const part of Object.values(over)) expect(part).toBeGreaterThanOrEqual(0);
    const sum = over.operatorIndexes + over.runningWrites + over.notificationMarks + over.other;
    expect(ours.floorDollarsPer10kTaskHours + sum).toBeCloseTo(ours.dollarsPer10kTaskHours, 9);
    // The operators' indexes are most of the gap (a by-state move on every change, three entries per submit).
    expect(over.operatorIndexes).toBeGreaterThan(over.runningWrites + over.notificationMarks + over.other);
    expect(Object.values(summarize(simulate('fixed-60s', small)).overFloorPer10kTaskHours)).toEqual([0, 0, 0, 0]);
  });
});

// The simulated workload: what each backend shows while a run goes (bench/sim/progress-model.ts), deterministic per seed.
import { describe, expect, it } from 'vitest';
import { defaultWorkload, describeWorkload, type SimBackend, type SimJob, type WorkloadOptions, workload } from '../../../bench/sim/workload.ts';

const backends: SimBackend[] = ['lindorm', 'linkis', 'cdm'];
const lindormStages = ['PREPARE', 'SCHEMA_CHECK', 'BULKLOAD', 'MERGE', 'WAIT_FOR_SUCCESS'];
const lindormMeans = [0.05, 0.05, 0.7, 0.15, 0.05];
const hour = 3_600_000;

const options = (backend: SimBackend, changes: Partial<WorkloadOptions> = {}): WorkloadOptions => ({
  ...defaultWorkload,
  tasksPerDay: 10_000,
  backend,
  ...changes,
});
const jobs = (o: WorkloadOptions, count = o.tasksPerDay) => {
  const out: SimJob[] = [];
  for (const job of workload(o)) {
    out.push(job);
    if (out.length >= count) break;
  }
  return out;
};
/** Run 1 of successful jobs at least `minMs` long. */
const longRuns = (backend: SimBackend, minMs: number, count: number) =>
  jobs(options(backend))
    .filter((job) => job.failAt(1) < 0 && job.runLengthMs(1) >= minMs)
    .slice(0, count);
/** Observations of a run at `steps` + 1 evenly spaced times, from the start to the end. */
const series = (job: SimJob, steps: number, run = 1) => {
  const length = job.runLengthMs(run);
  return Array.from({ length: steps + 1 }, (_, k) => job.observe(run, k === steps ? length : (length * k) / steps));
};

const minute = 60_000;
const observedAt = [0, 1, 5, 17, 30, 45, 60, 90, 120, 240, 479, 600].map((m) => m * minute);

/** Everything a job tells; 'backward' observes first, latest run and time first, and asks the rest last. */
function snapshot(job: SimJob, order: 'forward' | 'backward') {
  const points = [1, 2, 3].flatMap((run) => observedAt.map((at) => [run, at] as const));
  if (order === 'backward') points.reverse();
  const seen = new Map(points.map(([run, at]) => [`${run}@${at}`, job.observe(run, at)]));
  const runs = (order === 'backward' ? [3, 2, 1] : [1, 2, 3]).map((run) => ({
    run,
    stages: job.stagesOf(run),
    startStage: job.startStage(run),
    failAt: job.failAt(run),
    failShare: job.failShare(run),
    length: job.runLengthMs(run),
    atEnd: job.observe(run, job.runLengthMs(run)),
  }));
  return {
    submittedAt: job.submittedAt,
    stages: job.stages,
    runs: runs.sort((a, b) => a.run - b.run),
    observed: [...seen.entries()].sort(([a], [b]) => a.localeCompare(b)),
  };
}

describe('the simulated workload', () => {
  it.each(backends)('%s: the same seed gives the same jobs and observations, whatever order they are observed in', (backend) => {
    // Arrange
    const first = jobs(options(backend), 300);
    const second = jobs(options(backend), 300);

    // Act
    const forward = first.map((job) => snapshot(job, 'forward'));
    const backward = second.reverse().map((job) => snapshot(job, 'backward'));

    // Assert
    expect(backward.reverse()).toEqual(forward);
  });

  it.each(backends)('%s: another seed gives other jobs and other observations', (backend) => {
    // Arrange
    const a = jobs(options(backend), 300);
    const b = jobs(options(backend, { seed: 7 }), 300);

    // Act
    const view = (list: SimJob[]) => list.map((job) => [job.submittedAt, job.runLengthMs(1), job.observe(1, 10 * 60_000)]);

    // Assert
    expect(view(b)).not.toEqual(view(a));
    expect(a.filter((job, i) => job.runLengthMs(1) === b[i]!.runLengthMs(1)).length).toBeLessThan(10);
  });

  it.each(backends)('%s: about failureRate of the runs fail, at a point spread along the run', (backend) => {
    // Arrange
    const list = jobs(options(backend));

    // Act
    const failed = list.filter((job) => job.failAt(1) >= 0);
    const retriesFailed = list.filter((job) => job.failAt(2) >= 0);
    const meanShare = failed.reduce((sum, job) => sum + job.failShare(1), 0) / failed.length;

    // Assert
    expect(failed.length / list.length).toBeGreaterThan(0.04);
    expect(failed.length / list.length).toBeLessThan(0.06);
    expect(retriesFailed.length / list.length).toBeGreaterThan(0.04);
    expect(retriesFailed.length / list.length).toBeLessThan(0.06);
    expect(meanShare).toBeGreaterThan(0.45);
    expect(meanShare).toBeLessThan(0.55);
    for (const job of failed) expect(job.runLengthMs(1)).toBeLessThan(job.stages.reduce((sum, s) => sum + s.ms, 0));
  });

  it('describes its parameters in one line', () => {
    // Arrange
    const linkis = options('linkis', { seed: 9 });

    // Act
    const line = describeWorkload(linkis);
    const lindorm = describeWorkload(defaultWorkload);

    // Assert
    expect(line).not.toContain('\n');
    expect(line).toMatch(/^linkis: 10,000 tasks in a day \(median 30 min, lognormal σ=1, 2 min–8 h, 5 % of runs fail/);
    expect(line).toContain('drift ±50 %');
    expect(line).toContain('stalls 1–3 per run');
    expect(line).toMatch(/seed 9$/);
    expect(lindorm).toMatch(/^lindorm: 1,000,000 tasks/);
    expect(lindorm).toContain('BULKLOAD 70 %');
  });
});

describe.each(['linkis', 'cdm'] as const)('%s progress', (backend) => {
  it('never goes back, stays below 1 until the run ends and is 1 at its end', () => {
    // Arrange
    const list = jobs(options(backend), 2_000);

    // Act
    const runs = list.flatMap((job) => [1, 2].map((run) => ({ job, run, values: series(job, 200, run).map((o) => o.progress!) })));

    // Assert
    const backwards = runs.filter(({ values }) => values.some((value, k) => k > 0 && value < values[k - 1]!));
    const oneBeforeEnd = runs.filter(({ values }) => values.slice(0, -1).some((value) => value > 0.99));
    const ends = runs.map(({ job, run, values }) => (job.failAt(run) < 0 ? values.at(-1) === 1 : values.at(-1)! < 1));
    expect(backwards).toHaveLength(0);
    expect(oneBeforeEnd).toHaveLength(0);
    expect(runs.every(({ values }) => values[0] === 0)).toBe(true);
    expect(ends.every(Boolean)).toBe(true);
    expect(runs.filter(({ job, run }) => job.failAt(run) >= 0).length).toBeGreaterThan(100);
  });

  it('is close to 1 a minute before the end of a long run', () => {
    // Arrange
    const list = longRuns(backend, hour, 50);

    // Act
    const nearEnd = list.map((job) => job.observe(1, job.runLengthMs(1) - 60_000).progress!);

    // Assert
    expect(list.length).toBe(50);
    for (const progress of nearEnd) expect(progress).toBeGreaterThanOrEqual(0.95);
  });

  it('reports the running state as its stage', () => {
    // Arrange
    const [job] = jobs(options(backend), 1);

    // Act
    const observed = job!.observe(1, 1_000);

    // Assert
    expect(observed.stage).toBe(backend === 'linkis' ? 'Running' : 'RUNNING');
  });

  it('drifts: in most long runs some tenth goes at ≥ 1.3× or ≤ 0.7× the mean rate, in many at ≥ 1.3×', () => {
    // Arrange
    const list = longRuns(backend, 2 * hour, 20);

    // Act: the observed rate over every window of 10 % of the run, as a multiple of the mean (1 per run).
    const rates = list.map((job) => {
      const values = series(job, 100).map((o) => o.progress!);
      return values.slice(0, 91).map((value, k) => (values[k + 10]! - value) / 0.1);
    });

    // Assert
    expect(list.length).toBe(20);
    const drifting = rates.filter((windows) => windows.some((rate) => rate >= 1.3 || rate <= 0.7));
    const fast = rates.filter((windows) => windows.some((rate) => rate >= 1.3));
    expect(drifting.length).toBeGreaterThanOrEqual(15);
    expect(fast.length).toBeGreaterThanOrEqual(5);
  });

  it('stalls: long runs have stretches where progress does not move', () => {
    // Arrange
    const list = longRuns(backend, 4 * hour, 20);

    // Act: the longest stretch without a change, as a share of the run (sampled every 0.25 %, after the first report).
    const longestFlat = list.map((job) => {
      const values = series(job, 400).map((o) => o.progress!);
      let longest = 0;
      let from = 4;
      for (let k = 5; k < values.length; k++) {
        if (values[k] !== values[from]) from = k;
        longest = Math.max(longest, k - from);
      }
      return longest / 400;
    });

    // Assert: Linkis moves a quantum (0.001) in 0.2 % of a run even at half the mean rate, so any 1 % without
    // a change is a stall; CDM's quantum (1 %) takes up to 2 % of a run at half the rate, so look for 2.5 %.
    expect(list.length).toBe(20);
    if (backend === 'linkis') for (const flat of longestFlat) expect(flat).toBeGreaterThanOrEqual(0.01);
    else expect(longestFlat.filter((flat) => flat >= 0.025).length).toBeGreaterThanOrEqual(15);
  });

  it('restarts a retried run from 0 with the full length', () => {
    // Arrange
    const failed = jobs(options(backend)).filter((job) => job.failAt(1) >= 0 && job.failAt(2) < 0);

    // Act
    const retried = failed.map((job) => ({ job, start: job.observe(2, 0).progress, length: job.runLengthMs(2), fromStage: job.startStage(2) }));

    // Assert
    expect(failed.length).toBeGreaterThan(100);
    for (const { job, start, length, fromStage } of retried) {
      expect(start).toBe(0);
      expect(fromStage).toBe(0);
      expect(length).toBe(job.stages[0]!.ms);
      expect(job.runLengthMs(1)).toBeCloseTo(job.failShare(1) * job.stages[0]!.ms, 6);
      expect(job.observe(1, job.runLengthMs(1) + hour).progress).toBeLessThan(1);
    }
  });
});

describe('cdm progress', () => {
  it('is quantised to whole percent', () => {
    // Arrange
    const list = jobs(options('cdm'), 500);

    // Act
    const values = list.flatMap((job) => series(job, 100).map((o) => o.progress!));

    // Assert
    for (const value of values) expect(Math.abs(value * 100 - Math.round(value * 100))).toBeLessThan(1e-9);
    expect(new Set(values).size).toBe(101);
  });
});

describe('lindorm stages', () => {
  it('come in order with no progress number, consistent with the run stage durations', () => {
    // Arrange
    const list = jobs(options('lindorm'), 2_000).filter((job) => job.failAt(1) < 0);

    // Act
    const observed = list.map((job) => series(job, 400));

    // Assert
    const indices = observed.map((run) => run.map((o) => lindormStages.indexOf(o.stage!)));
    expect(observed.flat().filter((o) => o.progress !== undefined)).toHaveLength(0);
    expect(indices.filter((run) => run.some((index, k) => k > 0 && index < run[k - 1]!))).toHaveLength(0);
    expect(indices.filter((run) => new Set(run).size !== 5)).toHaveLength(0);
    for (const job of list.slice(0, 200)) {
      let start = 0;
      for (const stage of job.stagesOf(1)) {
        expect(job.observe(1, start + 1).stage).toBe(stage.name);
        start += stage.ms;
      }
      expect(start).toBeCloseTo(job.runLengthMs(1), 3);
    }
  });

  it('draw their shares per run, around the target mean shares', () => {
    // Arrange
    const list = jobs(options('lindorm'), 5_000);

    // Act
    const sharesOf = (job: SimJob, run: number) => {
      const stages = job.stagesOf(run);
      const total = stages.reduce((sum, s) => sum + s.ms, 0);
      return stages.map((s) => s.ms / total);
    };
    const runs = list.flatMap((job) => [sharesOf(job, 1), sharesOf(job, 2)]);
    const means = lindormMeans.map((_, i) => runs.reduce((sum, shares) => sum + shares[i]!, 0) / runs.length);

    // Assert
    expect(sharesOf(list[0]!, 2)).not.toEqual(sharesOf(list[0]!, 1));
    expect(sharesOf(list[1]!, 1)).not.toEqual(sharesOf(list[0]!, 1));
    means.forEach((mean, i) => {
      expect(mean).toBeCloseTo(lindormMeans[i]!, 1);
      expect(Math.abs(mean - lindormMeans[i]!)).toBeLessThan(0.015);
    });
    expect(runs.some((shares) => shares[2]! < 0.65)).toBe(true);
    expect(runs.some((shares) => shares[2]! > 0.75)).toBe(true);
  });

  it('fail inside the stage that failAt names, and the retry resumes at that stage', () => {
    // Arrange
    const failed = jobs(options('lindorm')).filter((job) => job.failAt(1) >= 0 && job.failAt(2) < 0);

    // Act
    const retried = failed.map((job) => ({
      job,
      lastSeen: job.observe(1, job.runLengthMs(1) - 1).stage,
      firstOfRetry: job.observe(2, 0).stage,
    }));

    // Assert
    expect(failed.length).toBeGreaterThan(100);
    expect(new Set(failed.map((job) => job.failAt(1))).size).toBe(5);
    for (const { job, lastSeen, firstOfRetry } of retried) {
      const failAt = job.failAt(1);
      const stages2 = job.stagesOf(2);
      expect(lastSeen).toBe(lindormStages[failAt]);
      expect(job.startStage(2)).toBe(failAt);
      expect(firstOfRetry).toBe(lindormStages[failAt]);
      expect(job.runLengthMs(2)).toBeCloseTo(
        stages2.slice(failAt).reduce((sum, s) => sum + s.ms, 0),
        3,
      );
      expect(job.runLengthMs(2, failAt)).toBe(job.runLengthMs(2));
    }
  });
});

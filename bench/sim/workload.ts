import { seededRandom } from '../../lib/random.ts';

/** One import job as the master would run it: stages, and whether (and where) each run fails. */
export interface SimJob {
  submittedAt: number;
  /** Stage durations of a run (ms). */
  stages: Array<{ name: string; ms: number }>;
  /** Index of the stage at which run n (1-based) fails, or -1 when it succeeds. */
  failAt: (run: number) => number;
}

const stageShares = [
  ['PREPARE', 0.05],
  ['SCHEMA_CHECK', 0.05],
  ['BULKLOAD', 0.7],
  ['MERGE', 0.15],
  ['WAIT_FOR_SUCCESS', 0.05],
] as const;

export interface WorkloadOptions {
  tasksPerDay: number;
  seed: number;
  /** Durations: lognormal with this median (ms) and sigma, clamped to [min, max]. */
  medianMs: number;
  sigma: number;
  minMs: number;
  maxMs: number;
  /** Share of runs that fail (at a stage drawn at random). */
  failureRate: number;
}

export const defaultWorkload: WorkloadOptions = {
  tasksPerDay: 1_000_000,
  seed: 42,
  medianMs: 30 * 60_000,
  sigma: 1,
  minMs: 2 * 60_000,
  maxMs: 8 * 60 * 60_000,
  failureRate: 0.05,
};

/** The day's jobs, deterministic for a seed; generated lazily so a million cost no memory. */
export function* workload(options: WorkloadOptions): Generator<SimJob> {
  const random = seededRandom(options.seed);
  const day = 86_400_000;
  for (let i = 0; i < options.tasksPerDay; i++) {
    const submittedAt = Math.floor((i / options.tasksPerDay) * day + random() * (day / options.tasksPerDay));
    // Box–Muller from two uniform draws.
    const normal = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    const total = Math.min(options.maxMs, Math.max(options.minMs, options.medianMs * Math.exp(options.sigma * normal)));
    const stages = stageShares.map(([name, share]) => ({ name, ms: total * share }));
    const draws = [random(), random(), random(), random()];
    yield {
      submittedAt,
      stages,
      failAt: (run) => {
        const draw = draws[(run - 1) % draws.length]!;
        return draw < options.failureRate ? Math.floor((draw / options.failureRate) * stages.length) : -1;
      },
    };
  }
}

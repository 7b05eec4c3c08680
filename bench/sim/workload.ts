import { seededRandom } from '../../lib/random.ts';
import {
  derivedRandom,
  derivedSeed,
  drawProgressCurve,
  drawStageShares,
  lindormStageShares,
  type ProgressCurve,
  progressModel,
  reportedProgress,
  runningStage,
  type SimBackend,
} from './progress-model.ts';

export type { SimBackend } from './progress-model.ts';

/** What one status call shows while a run goes: its stage (Lindorm's stage, Linkis' or CDM's running state) and, for Linkis and CDM, progress 0–1. */
export interface SimObservation {
  stage?: string;
  progress?: number;
}

/**
 * One job as its backend would run it: when it was submitted, each run's stages, whether (and where) each
 * run fails, and what a status call shows at any time of a run. Runs are numbered from 1; a retry is a new
 * run, which for Lindorm resumes at the stage the run before failed at, and for Linkis and CDM starts over
 * (progress 0, the full length). Deterministic for the workload's seed, whatever order it is asked in.
 */
export interface SimJob {
  submittedAt: number;
  backend: SimBackend;
  /**
   * Stage durations (ms) of run 1, every stage from the first. Linkis and CDM: one stage, their running
   * state, of the run's whole length. Each Lindorm run has its own: see stagesOf.
   */
  stages: Array<{ name: string; ms: number }>;
  /** Stage durations (ms) of run n, every stage from the first (the run itself goes from startStage(n)). */
  stagesOf: (run: number) => Array<{ name: string; ms: number }>;
  /** The stage run n starts at: 0 for run 1 and for Linkis and CDM, else the stage the run before failed at. */
  startStage: (run: number) => number;
  /** Index of the stage at which run n (1-based) fails, or -1 when it succeeds (Linkis and CDM: 0 when it fails). */
  failAt: (run: number) => number;
  /** Where along run n it fails, as a share (0–1) of the run's length had it succeeded (from its start stage), or -1 when it succeeds. */
  failShare: (run: number) => number;
  /**
   * How long run n goes until it ends (succeeds, or fails): for Lindorm the stages from `fromStage`
   * (startStage(n) unless told), cut at the failure; for Linkis and CDM the whole length, or its failShare.
   */
  runLengthMs: (run: number, fromStage?: number) => number;
  /** What a status call `elapsedMs` after run n's start shows; past the run's end, what the run's last call showed. */
  observe: (run: number, elapsedMs: number) => SimObservation;
}

export interface WorkloadOptions {
  tasksPerDay: number;
  seed: number;
  /** Durations: lognormal with this median (ms) and sigma, clamped to [min, max]. */
  medianMs: number;
  sigma: number;
  minMs: number;
  maxMs: number;
  /** Share of runs that fail (at a point drawn uniformly along the run). */
  failureRate: number;
  /** What the backend reports while a run goes (progress-model.ts); 'lindorm' unless told. */
  backend?: SimBackend;
}

export const defaultWorkload: WorkloadOptions = {
  tasksPerDay: 1_000_000,
  seed: 42,
  medianMs: 30 * 60_000,
  sigma: 1,
  minMs: 2 * 60_000,
  maxMs: 8 * 60 * 60_000,
  failureRate: 0.05,
  backend: 'lindorm',
};

/** One run, drawn on first use from its own stream (seed, job index, run number). */
interface Run {
  from: number;
  /** Stage durations (ms), every stage. */
  stages: Array<{ name: string; ms: number }>;
  /** -1, or the share of the run (from `from`) at which it fails. */
  failShare: number;
  failAt: number;
  /** From the run's start to its end (ms). */
  length: number;
  curve?: ProgressCurve;
}

/** The day's jobs, deterministic for a seed; generated lazily so a million cost no memory. */
export function* workload(options: WorkloadOptions): Generator<SimJob> {
  const backend = options.backend ?? 'lindorm';
  const random = seededRandom(options.seed);
  const day = 86_400_000;
  for (let index = 0; index < options.tasksPerDay; index++) {
    const submittedAt = Math.floor((index / options.tasksPerDay) * day + random() * (day / options.tasksPerDay));
    // Box–Muller from two uniform draws.
    const normal = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    const total = Math.min(options.maxMs, Math.max(options.minMs, options.medianMs * Math.exp(options.sigma * normal)));
    // Four draws once went to the failures; still taken so a seed keeps its submission times and sizes.
    for (let i = 0; i < 4; i++) random();
    yield job(backend, options, index, submittedAt, total);
  }
}

function job(backend: SimBackend, options: WorkloadOptions, index: number, submittedAt: number, total: number): SimJob {
  const runs: Run[] = [];
  const remainingFrom = (stages: Run['stages'], from: number) => stages.slice(from).reduce((sum, s) => sum + s.ms, 0);
  const runOf = (run: number): Run => {
    const known = runs[run];
    if (known) return known;
    const random = derivedRandom(options.seed, index, run);
    const fails = random() < options.failureRate;
    const failShare = fails ? random() : -1;
    let drawn: Run;
    if (backend === 'lindorm') {
      const from = run <= 1 ? 0 : runOf(run - 1).failAt >= 0 ? runOf(run - 1).failAt : runOf(run - 1).from;
      const shares = drawStageShares(random);
      const stages = lindormStageShares.map(([name], i) => ({ name, ms: total * shares[i]! }));
      const remaining = remainingFrom(stages, from);
      let failAt = -1;
      if (fails) {
        // The stage the failure point falls in.
        let point = failShare * remaining;
        failAt = from;
        while (failAt < stages.length - 1 && point >= stages[failAt]!.ms) point -= stages[failAt++]!.ms;
      }
      drawn = { from, stages, failShare, failAt, length: fails ? failShare * remaining : remaining };
    } else {
      drawn = { from: 0, stages: [{ name: runningStage[backend], ms: total }], failShare, failAt: fails ? 0 : -1, length: fails ? failShare * total : total };
    }
    runs[run] = drawn;
    return drawn;
  };
  const curveOf = (run: number, state: Run) => {
    state.curve ??= drawProgressCurve(derivedRandom(options.seed, index, run, 1), progressModel);
    return state.curve;
  };
  return {
    submittedAt,
    backend,
    stages: runOf(1).stages,
    stagesOf: (run) => runOf(run).stages,
    startStage: (run) => runOf(run).from,
    failAt: (run) => runOf(run).failAt,
    failShare: (run) => runOf(run).failShare,
    runLengthMs: (run, fromStage) => {
      const state = runOf(run);
      if (backend !== 'lindorm' || fromStage === undefined || fromStage === state.from) return state.length;
      const remaining = remainingFrom(state.stages, fromStage);
      return state.failShare >= 0 ? state.failShare * remaining : remaining;
    },
    observe: (run, elapsedMs) => {
      const state = runOf(run);
      if (backend !== 'lindorm') {
        const progress = reportedProgress(
          backend,
          curveOf(run, state),
          derivedSeed(options.seed, index, run, 2),
          elapsedMs,
          total,
          state.length,
          progressModel,
        );
        return { stage: state.stages[0]!.name, progress };
      }
      if (elapsedMs >= state.length) return { stage: state.stages[state.failAt >= 0 ? state.failAt : state.stages.length - 1]!.name };
      let elapsed = Math.max(0, elapsedMs);
      for (let i = state.from; i < state.stages.length; i++) {
        if (elapsed < state.stages[i]!.ms) return { stage: state.stages[i]!.name };
        elapsed -= state.stages[i]!.ms;
      }
      return { stage: state.stages[state.stages.length - 1]!.name };
    },
  };
}

const duration = (ms: number) => {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${Math.round(ms / 1000)} s`;
};
const percent = (share: number) => `${Math.round(share * 1000) / 10} %`;

/** One line with the workload's parameters, for the bench to print. */
export function describeWorkload(options: WorkloadOptions): string {
  const backend = options.backend ?? 'lindorm';
  const m = progressModel;
  const sizes =
    `${backend}: ${options.tasksPerDay.toLocaleString('en')} tasks in a day (median ${duration(options.medianMs)}, lognormal σ=${options.sigma}, ` +
    `${duration(options.minMs)}–${duration(options.maxMs)}, ${percent(options.failureRate)} of runs fail at a uniform point)`;
  const reports =
    backend === 'lindorm'
      ? `stages only, shares ×${1 - m.stageShareSpread}–${1 + m.stageShareSpread} per run around ${lindormStageShares.map(([name, share]) => `${name} ${percent(share)}`).join(', ')}, renormalised`
      : `progress drift ±${percent(m.driftSpread)} (${m.driftPieces[0]}–${m.driftPieces[1]} rates per run), ` +
        `stalls ${m.stallsPerRun[0]}–${m.stallsPerRun[1]} per run of ${percent(m.stallShare[0])}–${percent(m.stallShare[1])} each ` +
        `(≈${percent((((m.stallsPerRun[0] + m.stallsPerRun[1]) / 2) * (m.stallShare[0] + m.stallShare[1])) / 2)} of a run), ` +
        `reported every ${duration(m.reportIntervalMs[backend])} to ${m.quantum[backend]}, at most ${m.maxBeforeEnd} before the end`;
  return `${sizes}; ${reports}; seed ${options.seed}`;
}

/**
 * What a backend shows while a simulated run goes, so that a poller that reads progress or stages can be
 * measured honestly. Pure functions of a seeded random stream (lib/random.ts): a run's stream is derived
 * from the workload's seed, the job's index and the run's number (derivedSeed), never from a stream that
 * observing consumes, so the same seed gives the same observations in whatever order they are asked for.
 *
 * Progress (Linkis `/entrance/{execID}/progress`, 0–1; CDM's submission `progress`, 0–100, kept here as a
 * share 0–1):
 *  - Drift: the true rate is piecewise constant, 3–6 pieces per run (breaks at uniform points), each piece's
 *    multiplier uniform in [0.5, 1.5] (±50 %). The multipliers are scaled by one constant so that progress
 *    reaches 1 exactly at the run's end: the mean rate is 1 / length, the run's length is the job's lognormal
 *    total, and the moving rate is about 1 / (1 − stalled share) × the multiplier.
 *  - Stalls: 1–3 per run, each 2–5 % of the run (about 7 % of a run in all; they may overlap), placed
 *    uniformly inside [5 %, 95 %] of the run; progress does not move during one.
 *  - Reporting: the backend publishes a value every `reportIntervalMs` (Linkis 10 s, CDM 15 s), taken at a
 *    uniformly jittered instant inside the interval before, so a status call sees progress 0–2 intervals old;
 *    the value is floored to the backend's quantum (Linkis 0.001, CDM integer percent, 0.01) and capped at
 *    0.99 until the run ends. The reported series is monotone non-decreasing and is 1 only at the end.
 *
 * Stages (Lindorm bulk load: PREPARE, SCHEMA_CHECK, BULKLOAD, MERGE, WAIT_FOR_SUCCESS; no progress number):
 * each run draws its own shares, the target's mean share × a factor uniform in [0.5, 1.5], renormalised.
 * All jobs of a workload (one target) share the same mean shares, so a learner can find the target's
 * tendency while each run varies around it. (The renormalisation moves the mean of the shares a little:
 * 5 % stages average about 5.2 %, BULKLOAD about 68.9 %, MERGE about 15.5 %.)
 *
 * Failures (workload.ts): a share of runs fail, at a point uniform along the run (from where the run
 * starts): for Lindorm inside the stage that point falls in, for Linkis and CDM at that share of the run.
 */
import { seededRandom } from '../../lib/random.ts';

export type SimBackend = 'lindorm' | 'linkis' | 'cdm';
export type ProgressBackend = Exclude<SimBackend, 'lindorm'>;

export interface ProgressModel {
  /** The rate multiplier's half-range around 1: [1 − spread, 1 + spread]. */
  driftSpread: number;
  /** Pieces of constant rate per run (inclusive range). */
  driftPieces: readonly [number, number];
  /** Stalls per run (inclusive range), each lasting a share of the run in `stallShare`, inside `stallWindow`. */
  stallsPerRun: readonly [number, number];
  stallShare: readonly [number, number];
  stallWindow: readonly [number, number];
  /** How often the backend publishes a new value, and how finely (the value is floored to it). */
  reportIntervalMs: Readonly<Record<ProgressBackend, number>>;
  quantum: Readonly<Record<ProgressBackend, number>>;
  /** The highest value reported before the run's end. */
  maxBeforeEnd: number;
  /** Lindorm: each stage's share is its mean × a factor in [1 − spread, 1 + spread], renormalised. */
  stageShareSpread: number;
}

export const progressModel: ProgressModel = {
  driftSpread: 0.5,
  driftPieces: [3, 6],
  stallsPerRun: [1, 3],
  stallShare: [0.02, 0.05],
  stallWindow: [0.05, 0.95],
  reportIntervalMs: { linkis: 10_000, cdm: 15_000 },
  quantum: { linkis: 0.001, cdm: 0.01 },
  maxBeforeEnd: 0.99,
  stageShareSpread: 0.5,
};

/** The Lindorm bulk load's stages and their mean shares of a run (today's fixed shares). */
export const lindormStageShares: ReadonlyArray<readonly [string, number]> = [
  ['PREPARE', 0.05],
  ['SCHEMA_CHECK', 0.05],
  ['BULKLOAD', 0.7],
  ['MERGE', 0.15],
  ['WAIT_FOR_SUCCESS', 0.05],
];

/** The running state's name as each progress backend reports it. */
export const runningStage: Record<ProgressBackend, string> = { linkis: 'Running', cdm: 'RUNNING' };

const fmix32 = (x: number) => {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
};

/** A 32-bit seed for a sub-stream, from a seed and keys (job index, run number, …): a hash, no shared state. */
export function derivedSeed(seed: number, ...keys: number[]): number {
  let h = fmix32((seed >>> 0) ^ 0x2545f491);
  for (const key of keys) h = fmix32((h ^ Math.imul(key >>> 0, 0x9e3779b1)) + 0x7f4a7c15);
  return h;
}

/** A random stream of its own for (seed, keys…). */
export function derivedRandom(seed: number, ...keys: number[]): () => number {
  return seededRandom(derivedSeed(seed, ...keys));
}

const between = (random: () => number, [low, high]: readonly [number, number]) => low + random() * (high - low);
const intBetween = (random: () => number, [low, high]: readonly [number, number]) => low + Math.floor(random() * (high - low + 1));

/**
 * One run's shares of its stages, drawn around the target's mean shares: each × a factor in
 * [1 − spread, 1 + spread], renormalised to sum to 1. Draws one number per stage.
 */
export function drawStageShares(
  random: () => number,
  means: ReadonlyArray<readonly [string, number]> = lindormStageShares,
  spread: number = progressModel.stageShareSpread,
): number[] {
  const raw = means.map(([, share]) => share * (1 - spread + 2 * spread * random()));
  const sum = raw.reduce((a, b) => a + b, 0);
  return raw.map((share) => share / sum);
}

/** A run's true progress as a piecewise-linear curve over the run's time share: progress `values[i]` at `times[i]`, from (0, 0) to (1, 1). */
export interface ProgressCurve {
  times: number[];
  values: number[];
}

/** Draws a run's true progress curve (drift and stalls; see the header). */
export function drawProgressCurve(random: () => number, model: ProgressModel = progressModel): ProgressCurve {
  const pieces = intBetween(random, model.driftPieces);
  const breaks = Array.from({ length: pieces - 1 }, () => random()).sort((a, b) => a - b);
  const multipliers = Array.from({ length: pieces }, () => 1 - model.driftSpread + 2 * model.driftSpread * random());
  const stalls = Array.from({ length: intBetween(random, model.stallsPerRun) }, () => {
    const length = between(random, model.stallShare);
    const start = between(random, [model.stallWindow[0], model.stallWindow[1] - length]);
    return [start, start + length] as const;
  });
  const times = [...new Set([0, 1, ...breaks, ...stalls.flat()])].sort((a, b) => a - b);
  // The rate on each elementary interval: 0 in a stall, else the piece's multiplier; then the running sum.
  const values = [0];
  let piece = 0;
  for (let i = 1; i < times.length; i++) {
    const [from, to] = [times[i - 1]!, times[i]!];
    const middle = (from + to) / 2;
    while (piece < breaks.length && breaks[piece]! <= middle) piece++;
    const stalled = stalls.some(([start, end]) => start <= middle && middle < end);
    values.push(values[i - 1]! + (stalled ? 0 : multipliers[piece]! * (to - from)));
  }
  const total = values[values.length - 1]!;
  return { times, values: values.map((v, i) => (i === values.length - 1 ? 1 : v / total)) };
}

/** The true progress at a share `x` (0–1) of the run. */
export function progressAt(curve: ProgressCurve, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const { times, values } = curve;
  let i = 1;
  while (times[i]! < x) i++;
  const [t0, t1, v0, v1] = [times[i - 1]!, times[i]!, values[i - 1]!, values[i]!];
  return v0 + ((v1 - v0) * (x - t0)) / (t1 - t0);
}

/**
 * What a status call `elapsedMs` after the run's start shows, for a run of `lengthMs` (the full length, as
 * if it succeeded) that ends at `endMs` (= lengthMs, or earlier when it fails). `salt` (derivedSeed of the
 * run) jitters the publication instants. Past the end: 1 for a success, the last value published for a failure.
 */
export function reportedProgress(
  backend: ProgressBackend,
  curve: ProgressCurve,
  salt: number,
  elapsedMs: number,
  lengthMs: number,
  endMs: number = lengthMs,
  model: ProgressModel = progressModel,
): number {
  if (elapsedMs >= endMs && endMs >= lengthMs) return 1;
  const at = Math.min(elapsedMs, endMs);
  const interval = model.reportIntervalMs[backend];
  // Value j is published at (j + 1) × interval, sampled at a jittered instant in [j, j + 1) × interval.
  const j = Math.floor(at / interval) - 1;
  if (j < 0) return 0;
  const sampledAt = (j + derivedSeed(salt, j) / 4294967296) * interval;
  const quanta = Math.round(1 / model.quantum[backend]);
  const reported = Math.floor(progressAt(curve, sampledAt / lengthMs) * quanta + 1e-9) / quanta;
  return Math.min(model.maxBeforeEnd, reported);
}

import { randomInt } from 'node:crypto';
import type { StateNames } from './lifecycle.ts';
import { defaultPlan } from './plan.ts';
import type { Clock, LindormMasterOptions, PlanFn, StageSpec } from './types.ts';

export interface ResolvedOptions {
  port: number;
  host: string;
  clock: Clock;
  dataSources: Record<string, { type: string }>;
  stages: StageSpec[];
  finalStage: string;
  states: StateNames;
  plan: PlanFn;
  refusalHttpStatus: number;
  acceptedFileTypes: string[];
  driverSpecs: string[];
  deleteRunning: 'refuse' | 'allow';
  retryFrom: 'failed-stage' | 'start';
  infoLatencyMs: number;
  createLatencyMs: number;
  seed: number;
}

export const DEFAULT_STAGES: readonly StageSpec[] = [
  { name: 'PREPARE', durationMs: 2_000 },
  { name: 'SCHEMA_CHECK', durationMs: 2_000 },
  { name: 'BULKLOAD', durationMs: 5_000 },
  { name: 'MERGE', durationMs: 3_000 },
  { name: 'WAIT_FOR_SUCCESS', durationMs: 2_000 },
];

const KNOWN_OPTIONS = new Set<string>([
  'port',
  'host',
  'clock',
  'dataSources',
  'stages',
  'finalStage',
  'states',
  'plan',
  'refusalHttpStatus',
  'acceptedFileTypes',
  'driverSpecs',
  'deleteRunning',
  'retryFrom',
  'infoLatencyMs',
  'createLatencyMs',
  'seed',
  'stateFile',
]);

/** Fills in defaults; unknown keys and impossible values fail loudly so typos do not go unnoticed. */
export function resolveOptions(options: LindormMasterOptions): ResolvedOptions {
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) throw new TypeError(`lindorm-master: unknown option "${key}"`);
  }
  const stages = (options.stages ?? DEFAULT_STAGES).map((s) => ({ name: s.name, durationMs: s.durationMs }));
  if (stages.length === 0) throw new TypeError('lindorm-master: stages must not be empty');
  for (const s of stages) {
    if (!(s.durationMs >= 0)) throw new TypeError(`lindorm-master: stage ${s.name} has a negative duration`);
  }
  const infoLatencyMs = options.infoLatencyMs ?? 0;
  if (!(infoLatencyMs >= 0)) throw new TypeError('lindorm-master: infoLatencyMs must be >= 0');
  const createLatencyMs = options.createLatencyMs ?? 0;
  if (!(createLatencyMs >= 0)) throw new TypeError('lindorm-master: createLatencyMs must be >= 0');
  return {
    port: options.port ?? 0,
    host: options.host ?? '127.0.0.1',
    clock: options.clock ?? { now: () => Date.now() },
    dataSources: options.dataSources ?? {
      hdfs: { type: 'HDFS' },
      oss: { type: 'OSS' },
      odps: { type: 'ODPS' },
      ld: { type: 'LINDORM' },
    },
    stages,
    finalStage: options.finalStage ?? 'FINISHED',
    states: {
      running: options.states?.running ?? 'RUNNING',
      succeeded: options.states?.succeeded ?? 'SUCCEEDED',
      failed: options.states?.failed ?? 'FAILED',
      aborted: options.states?.aborted ?? 'ABORTED',
    },
    plan: options.plan ?? defaultPlan,
    refusalHttpStatus: options.refusalHttpStatus ?? 200,
    acceptedFileTypes: options.acceptedFileTypes ?? ['CSV', 'Parquet'],
    driverSpecs: options.driverSpecs ?? ['small', 'medium', 'large', 'xlarge'],
    deleteRunning: options.deleteRunning ?? 'refuse',
    retryFrom: options.retryFrom ?? 'failed-stage',
    infoLatencyMs,
    createLatencyMs,
    seed: options.seed ?? randomInt(0, 2 ** 32 - 1),
  };
}

import type { RunPlan, StageSpec } from './types.ts';

export interface StateNames {
  running: string;
  succeeded: string;
  failed: string;
  aborted: string;
}

export type Phase = 'running' | 'succeeded' | 'failed' | 'aborted';

/** The part of a proc that decides where it is; everything else is derived from the clock. */
export interface RunState {
  run: number;
  /** Clock time at which the current run started (create or retry). */
  runStartedAt: number;
  /** Index of the stage the current run starts at (0, or the failed stage after a retry). */
  firstStageIndex: number;
  plan: RunPlan;
  /** Set by abort: the stage index the run was frozen at. */
  abortedAtStageIndex?: number;
}

export interface RunStatus {
  phase: Phase;
  state: string;
  stage: string;
  /** stages.length stands for the final stage. */
  stageIndex: number;
  errorMessage?: string;
}

/**
 * Computes a proc's state and stage from the clock instead of from timers: the run walks the
 * stages by their durations; a planned failure strikes as soon as the failing stage is reached,
 * and the stage then stays at that stage. Nothing here keeps time, so a fake clock drives it.
 */
export class Lifecycle {
  readonly #stages: readonly StageSpec[];
  readonly #finalStage: string;
  readonly #names: StateNames;

  constructor(stages: readonly StageSpec[], finalStage: string, names: StateNames) {
    this.#stages = stages;
    this.#finalStage = finalStage;
    this.#names = names;
  }

  status(run: RunState, now: number): RunStatus {
    if (run.abortedAtStageIndex !== undefined) return this.#at('aborted', run.abortedAtStageIndex);
    const failAt = run.plan.failAtStage;
    let stageEnd = run.runStartedAt;
    for (let i = run.firstStageIndex; i < this.#stages.length; i++) {
      const stage = this.#stages[i]!;
      if (stage.name === failAt) return this.#failed(run, i);
      stageEnd += stage.durationMs;
      if (now < stageEnd) return this.#at('running', i);
    }
    // A plan may name the final stage: the run fails after the last stage instead of succeeding.
    if (failAt !== undefined && failAt === this.#finalStage) return this.#failed(run, this.#stages.length);
    return this.#at('succeeded', this.#stages.length);
  }

  /** Where a retried run starts: at the stage the previous run stopped at, or from the start. */
  retryStartIndex(previous: RunStatus, retryFrom: 'failed-stage' | 'start'): number {
    return retryFrom === 'start' ? 0 : previous.stageIndex;
  }

  #failed(run: RunState, stageIndex: number): RunStatus {
    const status = this.#at('failed', stageIndex);
    status.errorMessage = run.plan.failMessage ?? `simulated failure in stage ${status.stage} (run ${run.run})`;
    return status;
  }

  #at(phase: Phase, stageIndex: number): RunStatus {
    const stage = stageIndex < this.#stages.length ? this.#stages[stageIndex]!.name : this.#finalStage;
    return { phase, state: this.#names[phase], stage, stageIndex };
  }
}

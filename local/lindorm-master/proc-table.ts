import { randomBytes } from 'node:crypto';
import type { RunState } from './lifecycle.ts';
import { Lifecycle } from './lifecycle.ts';
import type { ResolvedOptions } from './options.ts';
import type { ProcView } from './types.ts';
import type { JsonObject } from './validate-create.ts';
import { validateCreate } from './validate-create.ts';

/** A JSON answer before it is put on the wire. */
export interface Answer {
  status: number;
  body: unknown;
}

interface Proc extends RunState {
  id: string;
  form: Record<string, string>;
  readerConfig: JsonObject;
  writerConfig: JsonObject;
  createdAt: number;
  fullJobName: string;
}

/** What a master keeps across a restart of the local stack (sim-kit/saved-state.ts). */
export interface ProcTableState {
  seq: number;
  procs: Proc[];
}

/** The master's procs and the five operations on them, independent of HTTP. */
export class ProcTable {
  readonly #options: ResolvedOptions;
  readonly #lifecycle: Lifecycle;
  readonly #procs = new Map<string, Proc>();
  // Never reset, so a procId is never handed out twice by one master (the doc shows proc-91-…).
  #seq = 0;

  constructor(options: ResolvedOptions) {
    this.#options = options;
    this.#lifecycle = new Lifecycle(options.stages, options.finalStage, options.states);
  }

  create(contentType: string | undefined, form: Record<string, string> | undefined): Answer {
    const check = validateCreate(contentType, form, this.#options);
    if (!check.ok) return this.#refuse(check.message);
    const now = this.#options.clock.now();
    const id = `proc-${++this.#seq}-${hex32()}`;
    const submitted = form!;
    this.#procs.set(id, {
      id,
      form: submitted,
      readerConfig: check.readerConfig,
      writerConfig: check.writerConfig,
      createdAt: now,
      fullJobName: `fulldata-${hex32()}`,
      run: 1,
      runStartedAt: now,
      firstStageIndex: 0,
      plan: this.#options.plan(submitted, { procId: id, run: 1 }),
    });
    return ok(id);
  }

  info(procId: string): Answer {
    const proc = this.#procs.get(procId);
    if (proc === undefined) return this.#notFound(procId);
    const status = this.#lifecycle.status(proc, this.#options.clock.now());
    const data: Record<string, unknown> = {
      procId: proc.id,
      procType: 'SPARK_BULKLOAD',
      state: status.state,
      stage: status.stage,
      srcDS: proc.form['src'],
      sinkDS: proc.form['dst'],
      procConfig: { ...proc.form, readerConfig: proc.readerConfig, writerConfig: proc.writerConfig },
      schemaJob: {},
      // Entry shape borrowed from the sibling LTS migration API [I].
      fullJobs: [{ jobName: proc.fullJobName, state: status.state, table: tableOf(proc) }],
      incrJobs: [],
      mergeJobs: [],
      checkJobs: [],
    };
    // [I] The documentation shows no failed proc; where the reason lives is a guess.
    if (status.errorMessage !== undefined) data['errorMessage'] = status.errorMessage;
    return { status: 200, body: { success: 'true', data } };
  }

  abort(procId: string): Answer {
    const proc = this.#procs.get(procId);
    if (proc === undefined) return this.#notFound(procId);
    const status = this.#lifecycle.status(proc, this.#options.clock.now());
    if (status.phase !== 'running') return this.#refuse(`proc is not running: ${procId} (state ${status.state})`);
    proc.abortedAtStageIndex = status.stageIndex;
    return ok('ok');
  }

  retry(procId: string): Answer {
    const proc = this.#procs.get(procId);
    if (proc === undefined) return this.#notFound(procId);
    const now = this.#options.clock.now();
    const status = this.#lifecycle.status(proc, now);
    if (status.phase !== 'failed' && status.phase !== 'aborted') {
      return this.#refuse(`proc cannot be retried: ${procId} (state ${status.state})`);
    }
    proc.run += 1;
    proc.runStartedAt = now;
    proc.firstStageIndex = this.#lifecycle.retryStartIndex(status, this.#options.retryFrom);
    delete proc.abortedAtStageIndex;
    proc.plan = this.#options.plan(proc.form, { procId: proc.id, run: proc.run });
    return ok('ok');
  }

  delete(procId: string): Answer {
    const proc = this.#procs.get(procId);
    if (proc === undefined) return this.#notFound(procId);
    const status = this.#lifecycle.status(proc, this.#options.clock.now());
    if (status.phase === 'running' && this.#options.deleteRunning === 'refuse') {
      return this.#refuse(`cannot delete a running proc: ${procId}; abort it first`);
    }
    this.#procs.delete(procId);
    return ok('ok');
  }

  views(): ProcView[] {
    const now = this.#options.clock.now();
    return [...this.#procs.values()].map((proc) => {
      const status = this.#lifecycle.status(proc, now);
      return {
        id: proc.id,
        state: status.state,
        stage: status.stage,
        run: proc.run,
        form: { ...proc.form },
        createdAt: proc.createdAt,
      };
    });
  }

  clear(): void {
    this.#procs.clear();
  }

  snapshot(): ProcTableState {
    return { seq: this.#seq, procs: [...this.#procs.values()] };
  }

  /** Run start times are clock times, so a restored run carries on — or has ended, if its time passed meanwhile. */
  restore(state: ProcTableState): void {
    this.#procs.clear();
    for (const proc of state.procs) this.#procs.set(proc.id, proc);
    this.#seq = Math.max(this.#seq, state.seq);
  }

  #notFound(procId: string): Answer {
    return this.#refuse(`proc not found: ${procId}`);
  }

  #refuse(message: string): Answer {
    return { status: this.#options.refusalHttpStatus, body: { success: 'false', message } };
  }
}

function ok(message: string): Answer {
  return { status: 200, body: { success: 'true', message } };
}

function hex32(): string {
  return randomBytes(16).toString('hex');
}

function tableOf(proc: Proc): string {
  const fromWriter = proc.writerConfig['lindormTable'];
  if (typeof fromWriter === 'string') return fromWriter;
  const fromReader = proc.readerConfig['table'];
  return typeof fromReader === 'string' ? fromReader : '';
}

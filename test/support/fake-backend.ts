// An in-memory backend behind the port, for tests of the generic code: any capabilities (rerun in place,
// resubmit, start or none; delete or not; batch or continuous; a lookup of lost creates or not), jobs whose
// states a test sets, answers it can lose, and a record of every call.
import type {
  Backend,
  BackendCapabilities,
  BackendModule,
  BackendTiming,
  CallOptions,
  CreateContext,
  CreateFailure,
  LookupResult,
  RemotePhase,
  RemoteRef,
  RemoteStatus,
} from '../../lib/backends/backend.ts';
import { RemoteRefusedError, RemoteTaskNotFoundError } from '../../lib/backends/backend.ts';
import { RequestValidationError } from '../../lib/request/validation-error.ts';
import type { SecretRef } from '../../lib/targets/secrets.ts';

export interface FakeJob {
  id: string;
  marker: string;
  params: unknown;
  state: string;
  phase: RemotePhase;
  stage?: string;
  progress?: number;
  nearEnd?: boolean;
  /** Runs started on this job (1 at create; start and in-place reruns add one). */
  runs: number;
  /** A resubmit's job names the job it replaces. */
  replaces?: string;
}

export interface FakeCall {
  op: 'create' | 'status' | 'abort' | 'rerun' | 'delete' | 'findCreated';
  job?: string;
  marker?: string;
}

/** What the next call of an operation does instead of answering. */
export type FakeFault =
  /** The backend acts, the answer never arrives: the caller sees an ambiguous failure. */
  | 'lose-answer'
  /** The request may have arrived, but the backend did nothing with it: as ambiguous to the caller. */
  | 'lose-request'
  /** Nothing reaches the backend: the caller sees a failure that created nothing. */
  | 'unreachable'
  /** The backend refuses for good. */
  | 'refuse'
  /** The call takes effect and answers, but later than the caller waits (for status: an error). */
  | 'error';

export class FakeCallError extends Error {
  readonly mayHaveReachedBackend: boolean;

  constructor(message: string, mayHaveReachedBackend: boolean) {
    super(message);
    this.name = 'FakeCallError';
    this.mayHaveReachedBackend = mayHaveReachedBackend;
  }
}

export interface FakeBackendOptions {
  id?: string;
  target?: string;
  capabilities?: Partial<BackendCapabilities>;
  timing?: Partial<BackendTiming>;
  /** Whether the backend can find the job of a lost create by its marker. */
  lookup?: boolean;
  /** The state a new job starts in. Default 'QUEUED' (pending). */
  initial?: { state: string; phase: RemotePhase };
}

export class FakeBackend implements Backend<unknown> {
  readonly id: string;
  readonly target: string;
  readonly capabilities: BackendCapabilities;
  readonly timing: BackendTiming;
  readonly jobs = new Map<string, FakeJob>();
  readonly calls: FakeCall[] = [];
  readonly #faults = new Map<FakeCall['op'], FakeFault[]>();
  readonly #initial: { state: string; phase: RemotePhase };
  #next = 1;
  findCreated?: (params: unknown, context: CreateContext, options?: CallOptions) => Promise<LookupResult>;
  rerun?: (ref: RemoteRef, params: unknown, context: CreateContext, options?: CallOptions) => Promise<RemoteRef>;
  delete?: (ref: RemoteRef, options?: CallOptions) => Promise<void>;

  constructor(options: FakeBackendOptions = {}) {
    this.id = options.id ?? 'fake';
    this.target = options.target ?? 'fake';
    this.capabilities = { rerun: 'in-place', delete: true, lifecycle: 'batch', ...options.capabilities };
    this.timing = { createMs: 1_000, statusMs: 1_000, commandMs: 1_000, ...options.timing };
    this.#initial = options.initial ?? { state: 'QUEUED', phase: 'pending' };
    if (options.lookup) this.findCreated = (params, context) => this.#findCreated(params, context);
    if (this.capabilities.rerun !== 'none') this.rerun = (ref, params, context) => this.#rerun(ref, params, context);
    if (this.capabilities.delete) this.delete = (ref) => this.#delete(ref);
  }

  /** The next `times` calls of `op` fail so. */
  fail(op: FakeCall['op'], fault: FakeFault, times = 1): void {
    const queue = this.#faults.get(op) ?? [];
    for (let i = 0; i < times; i++) queue.push(fault);
    this.#faults.set(op, queue);
  }

  /** Moves a job (the only one, when `id` is omitted) to a state. */
  set(idOrChanges: string | Partial<FakeJob>, changes: Partial<FakeJob> = {}): FakeJob {
    const [id, patch] = typeof idOrChanges === 'string' ? [idOrChanges, changes] : [this.only().id, idOrChanges];
    const job = this.jobs.get(id);
    if (!job) throw new Error(`no fake job ${id}`);
    Object.assign(job, patch);
    return job;
  }

  only(): FakeJob {
    const live = [...this.jobs.values()];
    if (live.length !== 1) throw new Error(`expected one fake job, found ${live.length}`);
    return live[0]!;
  }

  latest(): FakeJob {
    return [...this.jobs.values()].at(-1)!;
  }

  count(op: FakeCall['op']): number {
    return this.calls.filter((c) => c.op === op).length;
  }

  async create(params: unknown, context: CreateContext): Promise<RemoteRef> {
    this.calls.push({ op: 'create', marker: context.marker });
    const fault = this.#fault('create');
    if (fault === 'unreachable') throw new FakeCallError('connection refused', false);
    if (fault === 'refuse') throw new FakeRefusal('the fake backend refuses this request');
    if (fault === 'lose-request') throw new FakeCallError('no answer', true);
    const job = this.#newJob(params, context.marker);
    if (fault === 'lose-answer' || fault === 'error') throw new FakeCallError('the answer was lost', true);
    return { jobId: job.id };
  }

  classifyCreateFailure(error: unknown): CreateFailure {
    const reason = error instanceof Error ? error.message : String(error);
    if (error instanceof FakeRefusal) return { kind: 'refused', reason };
    if (error instanceof FakeCallError) return { kind: error.mayHaveReachedBackend ? 'ambiguous' : 'not-created', reason };
    return { kind: 'ambiguous', reason };
  }

  async status(ref: RemoteRef): Promise<RemoteStatus> {
    const job = this.#job(ref);
    this.calls.push({ op: 'status', job: job.id });
    if (this.#fault('status')) throw new FakeCallError('status call failed', true);
    return {
      state: job.state,
      phase: job.phase,
      ...(job.stage !== undefined ? { stage: job.stage } : {}),
      ...(job.progress !== undefined ? { progress: job.progress } : {}),
      ...(job.nearEnd ? { nearEnd: true } : {}),
    };
  }

  async abort(ref: RemoteRef): Promise<void> {
    const job = this.#job(ref);
    this.calls.push({ op: 'abort', job: job.id });
    const fault = this.#fault('abort');
    if (fault === 'refuse') throw new RemoteRefusedError(job.id, 'not running');
    if (fault === 'unreachable') throw new FakeCallError('connection refused', false);
    Object.assign(job, { state: 'STOPPED', phase: 'aborted' });
    if (fault === 'lose-answer') throw new FakeCallError('the answer was lost', true);
  }

  describeRef(ref: RemoteRef): string {
    return String(ref.jobId);
  }

  parseRef(text: string): RemoteRef {
    if (!/^job-\d+$/.test(text)) throw new TypeError(`a fake job id looks like job-1, got ${JSON.stringify(text)}`);
    return { jobId: text };
  }

  async close(): Promise<void> {}

  async #rerun(ref: RemoteRef, params: unknown, context: CreateContext): Promise<RemoteRef> {
    const job = this.#job(ref);
    this.calls.push({ op: 'rerun', job: job.id, marker: context.marker });
    const fault = this.#fault('rerun');
    if (fault === 'refuse') throw new RemoteRefusedError(job.id, 'cannot run again');
    if (fault === 'unreachable') throw new FakeCallError('connection refused', false);
    let result: RemoteRef = ref;
    if (this.capabilities.rerun === 'resubmit') {
      const next = this.#newJob(params, context.marker);
      next.replaces = job.id;
      result = { jobId: next.id };
    } else {
      Object.assign(job, { ...this.#initial, runs: job.runs + 1, marker: context.marker });
      if (this.capabilities.rerun === 'start') result = { jobId: job.id, run: job.runs };
    }
    if (fault === 'lose-answer' || fault === 'error') throw new FakeCallError('the answer was lost', true);
    return result;
  }

  async #delete(ref: RemoteRef): Promise<void> {
    const job = this.#job(ref);
    this.calls.push({ op: 'delete', job: job.id });
    if (this.#fault('delete') === 'refuse') throw new RemoteRefusedError(job.id, 'still running');
    this.jobs.delete(job.id);
  }

  async #findCreated(_params: unknown, context: CreateContext): Promise<LookupResult> {
    this.calls.push({ op: 'findCreated', marker: context.marker });
    if (this.#fault('findCreated')) return { unknown: 'lookup failed' };
    const job = [...this.jobs.values()].find((j) => j.marker === context.marker);
    return job ? { found: { jobId: job.id } } : { absent: true, reason: `no job carries ${context.marker}` };
  }

  #newJob(params: unknown, marker: string): FakeJob {
    const job: FakeJob = { id: `job-${this.#next++}`, marker, params, ...this.#initial, runs: 1 };
    this.jobs.set(job.id, job);
    return job;
  }

  #job(ref: RemoteRef): FakeJob {
    const id = String(ref.jobId);
    const job = this.jobs.get(id);
    if (!job) throw new RemoteTaskNotFoundError(id, 'no such job');
    return job;
  }

  #fault(op: FakeCall['op']): FakeFault | undefined {
    return this.#faults.get(op)?.shift();
  }
}

class FakeRefusal extends Error {}

/** The fake backend's request: `{ job: <string> }` and nothing else; its summary names the job. */
export interface FakeTargetConfig {
  token?: SecretRef;
}

export function fakeModule(options: FakeBackendOptions & { onConnect?: (backend: FakeBackend) => void } = {}): BackendModule<unknown, FakeTargetConfig> {
  const capabilities: BackendCapabilities = { rerun: 'in-place', delete: true, lifecycle: 'batch', ...options.capabilities };
  return {
    id: options.id ?? 'fake',
    capabilities,
    requests: {
      parseRequest(fields) {
        for (const key of Object.keys(fields))
          if (key !== 'job' && key !== 'input') throw new RequestValidationError(key, 'is not a known field (known: job, input)');
        if (typeof fields.job !== 'string' || !fields.job) throw new RequestValidationError('job', 'is required (a string)');
        return { job: fields.job, ...(typeof fields.input === 'string' ? { input: fields.input } : {}) };
      },
      summarize: (params) => ({ destination: `fake:${(params as { job: string }).job}` }),
      destinationKey: (params) => `fake:${(params as { job: string }).job}`,
      canonicalContent: (params) => params,
      placeFile: (template, file) => ({ ...template, input: file.path }),
    },
    parseTargetConfig(raw, reader) {
      const config: FakeTargetConfig = {};
      for (const key of Object.keys(raw)) if (key !== 'auth') reader.fail(key, 'unknown key (known for fake: auth)');
      if (raw.auth !== undefined) {
        const auth = raw.auth as Record<string, unknown>;
        for (const key of Object.keys(auth)) if (key !== 'token') reader.fail(`auth.${key}`, 'unknown key (known: token)');
        config.token = reader.secret('auth.token', auth.token);
      }
      return config;
    },
    async connect({ target }) {
      const backend = new FakeBackend({ ...options, target: target.name });
      options.onConnect?.(backend);
      return backend;
    },
  };
}

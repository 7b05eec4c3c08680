// Public types of the Lindorm bulk load master simulator. Other code (tests, benchmarks,
// local stacks) depends on these shapes; change them only together with their users.

export type Endpoint = 'create' | 'info' | 'abort' | 'retry' | 'delete';

export interface Clock {
  now(): number;
}

export interface StageSpec {
  name: string;
  durationMs: number;
}

export interface RunPlan {
  failAtStage?: string;
  failMessage?: string;
}

export type PlanFn = (form: Record<string, string>, ctx: { procId: string; run: number }) => RunPlan;

export interface LindormMasterOptions {
  /** Default 0 = a free port. */
  port?: number;
  /** Where the procs are saved when the master closes and read back when it starts (the local stack's persistent mode). */
  stateFile?: string;
  /** Default '127.0.0.1'. */
  host?: string;
  /** Default Date.now. All lifecycle timing reads this clock, so tests can drive virtual time. */
  clock?: Clock;
  /** Registered data sources by name. Default hdfs/oss/odps/ld. */
  dataSources?: Record<string, { type: string }>;
  /** Stages a run walks through, in order. */
  stages?: StageSpec[];
  /** Stage reported once SUCCEEDED. Default 'FINISHED'. */
  finalStage?: string;
  /** [I] state names; the documentation only shows RUNNING. */
  states?: { running?: string; succeeded?: string; failed?: string; aborted?: string };
  /** Decides, per run, whether and where the run fails. Default: hints in sparkAdditionalParams. */
  plan?: PlanFn;
  /** HTTP status of success:"false" answers. Default 200 [I]. */
  refusalHttpStatus?: number;
  /** Default ['CSV', 'Parquet'] (matched exactly). */
  acceptedFileTypes?: string[];
  /** Default ['small', 'medium', 'large', 'xlarge']. */
  driverSpecs?: string[];
  /** Whether delete of a RUNNING proc is refused. Default 'refuse'. */
  deleteRunning?: 'refuse' | 'allow';
  /** Where a retried run starts. Default 'failed-stage'. */
  retryFrom?: 'failed-stage' | 'start';
  /** Fixed latency (real time) added to every info answer. Default 0. */
  infoLatencyMs?: number;
  /** Fixed latency (real time) added to every create answer (a real master validates and stores the proc). Default 0. */
  createLatencyMs?: number;
  /** Seeds the RNG of probabilistic faults. */
  seed?: number;
}

export interface ReceivedRequest {
  /** 'unknown' for paths the master does not serve and for a wrong method on a known path. */
  endpoint: Endpoint | 'unknown';
  method: string;
  /** The request target as sent (path and query string, not decoded). */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** Exact bytes received. */
  rawBody: Buffer;
  /** Decoded form (create with a form content type only); first value wins on duplicates. */
  form?: Record<string, string>;
  /** URL-decoded procId path segment (info/abort/retry/delete). */
  procId?: string;
  /** Clock time at which the request was received. */
  at: number;
}

export interface FaultRule {
  endpoint: Endpoint;
  kind: 'status' | 'slow' | 'malformed' | 'reset';
  /** For 'status'; default 503. */
  status?: number;
  /** For 'slow': real time to wait before answering normally. */
  delayMs?: number;
  /** Default 'before' for status, 'after' for slow/malformed/reset. */
  phase?: 'before' | 'after';
  /** Fire this many times, then retire. Default unlimited. */
  times?: number;
  /** 0..1, default 1; drawn from the seeded RNG. */
  probability?: number;
  match?: (req: ReceivedRequest) => boolean;
}

export interface ProcView {
  id: string;
  state: string;
  stage: string;
  run: number;
  form: Record<string, string>;
  createdAt: number;
}

export interface LindormMaster {
  /** 'http://127.0.0.1:<port>' */
  url: string;
  port: number;
  /** Every request, in arrival order. */
  received: ReceivedRequest[];
  creates(predicate?: (r: ReceivedRequest) => boolean): ReceivedRequest[];
  procs(): ProcView[];
  faults: { add(rule: FaultRule): void; clear(): void };
  /** Forgets procs, received requests and faults (and reseeds the fault RNG). */
  reset(): void;
  /** Closes the server and every open socket, and cancels pending delays. */
  close(): Promise<void>;
}

/**
 * The port between bulkpilot and the systems it drives. Domain code sees only these types; each backend
 * is one folder under lib/backends/ (its request schema, target configuration, client, error tree and
 * status mapping) listed once in the catalogue. What a backend cannot do is declared, not faked.
 */

import type { Clock } from '../clock.ts';
import type { SecretRef, SecretSource } from '../targets/secrets.ts';

/** The backend's own reference to a job: a small flat record (ids as the API names them), opaque outside its module. */
export type RemoteRef = Readonly<Record<string, string | number>>;

/** How a failed run is run again. */
export type RerunKind =
  /** The same job restarts where it failed; the reference stays. */
  | 'in-place'
  /** A new job from the same request; a new reference. */
  | 'resubmit'
  /** The same job is started again; the reference may gain a new run id. */
  | 'start'
  /** A failed run cannot be run again: the retry policy gives up at once. */
  | 'none';

export interface BackendCapabilities {
  rerun: RerunKind;
  /** Whether the backend can delete a job (the record of the task is kept either way). */
  delete: boolean;
  /** `continuous` jobs never succeed: running is healthy, a stop ends them, and no default deadline applies. */
  lifecycle: 'batch' | 'continuous';
}

/** The longest each kind of call can take, all retries and auth round trips included: leases and time margins follow. */
export interface BackendTiming {
  createMs: number;
  statusMs: number;
  /** abort, rerun, delete and the lookup of a lost create. */
  commandMs: number;
}

/** How a failed create is to be treated; this is what makes submission idempotent. */
export type CreateFailureKind =
  /** The backend said no for good (validation, unknown data source): REJECTED, never retried. */
  | 'refused'
  /** Certainly nothing was created (connection refused, an error status before processing): safe to try again. */
  | 'not-created'
  /** The request may have reached the backend and created a job whose reference we never saw. */
  | 'ambiguous';

export interface CreateFailure {
  kind: CreateFailureKind;
  reason: string;
}

/** What bulkpilot makes of a backend's state. `pending`: accepted, not running yet. Unknown values are `unknown`, never terminal. */
export type RemotePhase = 'pending' | 'running' | 'succeeded' | 'failed' | 'aborted' | 'unknown';

export interface RemoteStatus {
  /** The backend's own state (and stage), verbatim, for display. */
  state: string;
  stage?: string;
  phase: RemotePhase;
  /** Share done, 0–1, where the backend reports it. */
  progress?: number;
  /** The backend's own judgement that the run is about to end: the poller checks it on every pass. */
  nearEnd?: boolean;
  message?: string;
  /** A reference the backend completed while observing (a run id it learned); the task records it. */
  ref?: RemoteRef;
  /** The job's own counters (rows, bytes, discarded records…), as the backend names them: stored and shown. */
  counters?: Record<string, number>;
  /**
   * When the run ended by the backend's own record (epoch ms), for a run that ended, where its API says: set
   * against when bulkpilot saw the end, it is the detection delay the report shows. Absent: unknown.
   */
  endedAt?: number;
  /**
   * The backend's judgement that a job it calls running is not doing its work (data discarded, nothing
   * transferred for too long). A new warning is stored, counted and notified; its `code` tells warnings apart.
   */
  warnings?: RemoteWarning[];
}

export interface RemoteWarning {
  code: string;
  message: string;
}

/**
 * Who a create is for. A backend with a lookup stores `marker` with the job (in a field the API keeps),
 * so `findCreated` can recognise the job of a create whose answer was lost.
 */
export interface CreateContext {
  /** Unique per task and attempt; printable ASCII, at most 64 characters. */
  marker: string;
  /** When the create was started: a lookup need not look at jobs older than this. */
  startedAt: number;
}

export type LookupResult =
  /** The create took effect: this is its job. */
  | { found: RemoteRef }
  /** The backend proves there is no such job: creating again cannot duplicate it. */
  | { absent: true; reason: string }
  /** The lookup could not tell (it failed, or it is too early to trust an empty answer). */
  | { unknown: string };

/** A status call, with what the task last stored of the job (a backend judging health by change compares with it). */
export interface StatusOptions extends CallOptions {
  previous?: { counters?: Record<string, number> };
}

export interface CallOptions {
  signal?: AbortSignal;
}

/** What a backend can tell of a running job beyond its status, for people (`bulkpilot status`). */
export interface RemoteDetails {
  progress?: number;
  /** The job's parts (engine jobs, sub-tasks) and how far each has come. */
  parts?: Array<{ name: string; done: number; failed: number; running: number; total: number }>;
  /** Where the job's whole log is kept. */
  logLocation?: string;
}

/** A stretch of a job's log, and the cursor of the next read. */
export interface LogChunk {
  text: string;
  next: number;
  /** The backend no longer serves the log live (the job ended): `location` says where it is kept. */
  ended: boolean;
  location?: string;
}

/** A file that arrived, as a file rule sees it; `path` is the rule's `filePath` with its placeholders filled. */
export interface ArrivedFile {
  path: string;
  bucket: string;
  key: string;
  dir: string;
  /** The rule's suffix (e.g. `.csv`), which may say the file's format. */
  suffix: string;
}

/** A backend's part of the import request: validation, hashing, display. Needs no client. */
export interface RequestSchema<Params = unknown> {
  /** Validates the backend's fields of a request; throws one RequestValidationError naming every field at fault. */
  parseRequest(fields: Record<string, unknown>): Params;
  summarize(params: Params): TaskSummary;
  /**
   * Where the data lands, as the unit two loads must not write at once (a table, a stream, an engine queue):
   * tasks with the same key share the target's per-destination concurrency limit. Stable for a request.
   */
  destinationKey(params: Params): string;
  /** The request's meaning, free of formatting (a config as object or as string is one request): what is hashed. */
  canonicalContent(params: Params): unknown;
  /** Puts an arrived file into a request template (a file rule's), where this backend reads its input. */
  placeFile?(template: Record<string, unknown>, file: ArrivedFile): Record<string, unknown>;
}

/** What people are shown of a task: where the data comes from and goes to, in the backend's words. */
export interface TaskSummary {
  source?: string;
  destination?: string;
}

/** One call site of a backend: a target's connection (URL, credentials, client) behind the port. */
export interface Backend<Params = unknown> {
  /** The catalogue id of the backend. */
  readonly id: string;
  /** The target this connection belongs to. */
  readonly target: string;
  readonly capabilities: BackendCapabilities;
  readonly timing: BackendTiming;
  create(params: Params, context: CreateContext, options?: CallOptions): Promise<RemoteRef>;
  classifyCreateFailure(error: unknown): CreateFailure;
  /** The next four throw RemoteTaskNotFoundError or RemoteRefusedError for the backend's answers; anything else is transient. */
  status(ref: RemoteRef, options?: StatusOptions): Promise<RemoteStatus>;
  abort(ref: RemoteRef, options?: CallOptions): Promise<void>;
  /** Runs a failed job again as `capabilities.rerun` says; resolves to the reference of the new run. */
  rerun?(ref: RemoteRef, params: Params, context: CreateContext, options?: CallOptions): Promise<RemoteRef>;
  delete?(ref: RemoteRef, options?: CallOptions): Promise<void>;
  /** Finds the job of a create (or resubmit) whose answer was lost, by its marker. */
  findCreated?(params: Params, context: CreateContext, options?: CallOptions): Promise<LookupResult>;
  /** Progress of the job's parts and where its log is kept (read-only, for people). */
  inspect?(ref: RemoteRef, options?: CallOptions): Promise<RemoteDetails>;
  /** The job's log from a cursor (0 at its start). */
  readLog?(ref: RemoteRef, from: number, options?: CallOptions): Promise<LogChunk>;
  /** The job's id as the backend's console shows it (also what an operator types). */
  describeRef(ref: RemoteRef): string;
  /** An operator's job id (as `describeRef` writes it) back into a reference; throws TypeError saying what it expects. */
  parseRef(text: string): RemoteRef;
  close(): Promise<void>;
}

/** A target as the targets file declares it, validated: generic keys here, the backend's own in `config`. */
export interface TargetDefinition<Config = unknown> {
  name: string;
  backend: string;
  url: string;
  timeouts?: Partial<{ connectMs: number; headersMs: number; bodyMs: number }>;
  /** How many jobs the target runs at once, in all and per destination (the backend's destination key). */
  limits?: TargetLimits;
  config: Config;
}

export interface TargetLimits {
  maxConcurrent?: number;
  maxConcurrentPerDestination?: number;
}

/** What a backend module's `connect` is given: the target, and the shared means to read its secrets. */
export interface ConnectContext<Config = unknown> {
  target: TargetDefinition<Config>;
  secrets: SecretSource;
  clock: Clock;
}

/** Reads a backend's own keys of a target (everything but backend, url and timeouts). */
export interface TargetConfigReader {
  /** Fails with the entry's path, e.g. `targets.<name>.projectId: is required`. */
  fail(key: string, problem: string): never;
  /** A secret value (`{ env }` or `{ secret, key? }`); a plain string is refused. */
  secret(key: string, value: unknown): SecretRef;
}

/** One backend as the catalogue lists it. `connect` is loaded only by functions that call backends. */
export interface BackendModule<Params = unknown, Config = unknown> {
  readonly id: string;
  /** The same as every connection's: known without connecting (the retry function connects nothing). */
  readonly capabilities: BackendCapabilities;
  readonly requests: RequestSchema<Params>;
  /** Validates the backend's own keys of a target; unknown keys are refused through `reader.fail`. */
  parseTargetConfig(raw: Record<string, unknown>, reader: TargetConfigReader): Config;
  /** A target made from the environment alone, when no targets file exists (e.g. one server's URL). */
  targetFromEnvironment?(env: Record<string, string | undefined>): TargetDefinition<Config> | undefined;
  /** Variables `targetFromEnvironment` reads, for usage texts. */
  readonly environment?: readonly string[];
  connect(context: ConnectContext<Config>): Promise<Backend<Params>>;
}

/**
 * The root of every backend's error tree: a call failed to give a usable answer (network, timeout,
 * malformed body) or the backend answered with an error. `mayHaveReachedBackend` decides ambiguity.
 */
export class BackendCallError extends Error {
  readonly method: string;
  readonly url: string;
  readonly mayHaveReachedBackend: boolean;

  constructor(message: string, details: { method: string; url: string; mayHaveReachedBackend: boolean; cause?: unknown }) {
    super(`${details.method} ${details.url}: ${message}`, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'BackendCallError';
    this.method = details.method;
    this.url = details.url;
    this.mayHaveReachedBackend = details.mayHaveReachedBackend;
  }
}

/** The backend answered that it does not know this job (deleted, expired, or never created). */
export class RemoteTaskNotFoundError extends Error {
  readonly job: string;

  constructor(job: string, message: string, options?: { cause?: unknown }) {
    super(`${job} is not known to the backend: ${message}`, options);
    this.name = 'RemoteTaskNotFoundError';
    this.job = job;
  }
}

/** The backend refused an operation on a job it knows (e.g. abort of a job that is not running). */
export class RemoteRefusedError extends Error {
  readonly job: string;
  readonly backendMessage: string;

  constructor(job: string, backendMessage: string, options?: { cause?: unknown }) {
    super(`the backend refused: ${backendMessage}`, options);
    this.name = 'RemoteRefusedError';
    this.job = job;
    this.backendMessage = backendMessage;
  }
}

/**
 * What every backend (Lindorm bulk load, later Linkis, CDM, DIS) offers the rest of bulkpilot. Domain code
 * sees only this; each backend folder holds its own client, error tree and request schema.
 */

/** How a failed create is to be treated; this is what makes submission idempotent. */
export type CreateFailureKind =
  /** The backend said no for good (validation, unknown data source): REJECTED, never retried. */
  | 'refused'
  /** Certainly nothing was created (connection refused, an error status before processing): safe to try again. */
  | 'not-created'
  /** The request may have reached the backend and created a job whose id we never saw. */
  | 'ambiguous';

export interface CreateFailure {
  kind: CreateFailureKind;
  reason: string;
}

export interface RemoteStatus {
  /** The backend's own state and stage, verbatim, for display. */
  state: string;
  stage?: string;
  /** What the state means to bulkpilot; unknown values are `unknown` (never terminal). */
  phase: 'running' | 'succeeded' | 'failed' | 'aborted' | 'unknown';
  message?: string;
}

export interface TaskSummary {
  src?: string;
  dst?: string;
  table?: string;
}

/** A backend's part of the import request: validation, hashing, display. Needs no client. */
export interface RequestSchema<Params = unknown> {
  readonly id: string;
  /** Validates the backend's part of a request; throws RequestValidationError naming the field. */
  parseRequest(fields: Record<string, unknown>): Params;
  summarize(params: Params): TaskSummary;
  /** The request's meaning, free of formatting (a config as object or as string is one request): what is hashed. */
  canonicalContent(params: Params): unknown;
}

/** Request schemas by backend id: what validating a request needs (a BackendRegistry is one too). */
export interface SchemaRegistry {
  get(id: string): RequestSchema | undefined;
  ids(): string[];
}

export interface Backend<Params = unknown> extends RequestSchema<Params> {
  /** Upper bound of one create call, so callers can size leases and refuse to start one without time to finish. */
  readonly maxCreateMs: number;
  create(params: Params, options?: { signal?: AbortSignal }): Promise<{ remoteId: string }>;
  classifyCreateFailure(error: unknown): CreateFailure;
  /** These four throw RemoteTaskNotFoundError or RemoteRefusedError for the backend's answers; anything else is transient. */
  status(remoteId: string, options?: { signal?: AbortSignal }): Promise<RemoteStatus>;
  abort(remoteId: string): Promise<void>;
  retry(remoteId: string): Promise<void>;
  delete(remoteId: string): Promise<void>;
  close(): Promise<void>;
}

export const defaultBackendId = 'lindorm-bulkload';

/** The backend answered that it does not know this job (deleted, expired, or never created). */
export class RemoteTaskNotFoundError extends Error {
  readonly remoteId: string;

  constructor(remoteId: string, message: string, options?: { cause?: unknown }) {
    super(`${remoteId} is not known to the backend: ${message}`, options);
    this.name = 'RemoteTaskNotFoundError';
    this.remoteId = remoteId;
  }
}

/** The backend refused an operation on a job it knows (e.g. abort of a job that is not running). */
export class RemoteRefusedError extends Error {
  readonly remoteId: string;
  readonly backendMessage: string;

  constructor(remoteId: string, backendMessage: string, options?: { cause?: unknown }) {
    super(`the backend refused: ${backendMessage}`, options);
    this.name = 'RemoteRefusedError';
    this.remoteId = remoteId;
    this.backendMessage = backendMessage;
  }
}

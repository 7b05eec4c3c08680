import type { TaskState } from '../task/states.ts';
import type { HistoryEntry, Task, TransitionPatch } from '../task/task.ts';
import type { IndexedTask, ShardCheckpoint } from '../tracking/poll-schedule.ts';

/** What an operator asks `list` for; every part optional. */
export interface TaskQuery {
  states?: TaskState[];
  backend?: string;
  target?: string;
  /** The backend's description of where the data goes (the summary's destination), matched exactly. */
  destination?: string;
  /** Deleted tasks too (they are left out by default). */
  includeDeleted?: boolean;
}

/** A page of tasks, newest first, and whether another page follows. */
export interface TaskPage {
  tasks: Task[];
  more: boolean;
}

/** Persistence of tasks. Every write is conditional, so concurrent actors never overwrite each other. */
export interface TaskStore {
  get(taskId: string): Promise<Task | undefined>;
  /** Writes a new task unless one with its id exists; then the existing one is returned. */
  createIfAbsent(task: Task): Promise<{ created: true } | { created: false; existing: Task }>;
  /** Replaces the task if the stored version is still `task.version - 1`; else TaskVersionConflictError. */
  replace(task: Task): Promise<void>;
  /**
   * Applies a transition without reading the task: TaskVersionConflictError if the version moved; false
   * (nothing written) if the history is full, so the caller takes the read-modify-write path.
   */
  applyTransition(patch: TransitionPatch): Promise<boolean>;
  /**
   * Stores only the next check time and the poll bookkeeping, if the task is still at `task.version` and in
   * `task.state`. Not a change of the task, so the version stays: a concurrent transition simply wins.
   */
  reschedule(task: Task): Promise<boolean>;
  /** The index entries of one shard's active tasks whose anchor is at `now` or earlier, page by page. */
  queryActive(shard: number, now: number, pageSize: number): AsyncIterable<IndexedTask[]>;
  /** Records that the terminal state of `version` was announced; false if it already was. */
  markNotified(taskId: string, version: number): Promise<boolean>;
  /** Page `page` (from 1) of `limit` tasks matching the query, newest first: a query, never a scan. */
  listPage(query: TaskQuery, limit: number, page: number): Promise<TaskPage>;
  /** Tasks whose job has this id (as the backend shows it). */
  findByRemoteId(remoteId: string): Promise<Task[]>;
  /** Tasks a file arrival started (the object's key; `bucket` narrows), newest first. */
  findBySourceFile(key: string, bucket?: string): Promise<Task[]>;
  /** Every transition of the task's life, the ones moved to its history pages included, in order. */
  fullHistory(task: Task): Promise<HistoryEntry[]>;
  /** Gives the task's history pages its own expiry, once it has ended. */
  expireHistory(task: Task): Promise<void>;
}

/** One poller per index shard at a time, and what it remembers between ticks. */
export interface PollCheckpointStore {
  /** Takes the shard's lease until `leaseUntil` and returns its checkpoint; undefined if another holds it. */
  claimShard(shard: number, owner: string, now: number, leaseUntil: number): Promise<ShardCheckpoint | undefined>;
  /** Saves the checkpoint and releases the lease; false (nothing saved) if the lease was lost meanwhile. */
  saveShard(shard: number, owner: string, checkpoint: ShardCheckpoint): Promise<boolean>;
  /** The checkpoint as last saved (operators: failing status calls, near-end stages). */
  readShard(shard: number): Promise<ShardCheckpoint>;
}

/** Someone else wrote the task first. Carries what is stored now (undefined if it was deleted). */
export class TaskVersionConflictError extends Error {
  readonly taskId: string;
  readonly expectedVersion: number;
  readonly current: Task | undefined;

  constructor(taskId: string, expectedVersion: number, current: Task | undefined) {
    super(`task ${taskId}: expected version ${expectedVersion}, found ${current ? current.version : 'no task'}`);
    this.name = 'TaskVersionConflictError';
    this.taskId = taskId;
    this.expectedVersion = expectedVersion;
    this.current = current;
  }
}

import type { TaskState } from '../task/states.ts';
import type { Task } from '../task/task.ts';

/** A due task as the index returns it: enough to decide whether to fetch it. */
export interface DueRef {
  taskId: string;
  dueAt: number;
  state: TaskState;
  version: number;
  backend: string;
}

export type DueCursor = Record<string, unknown>;

export interface TaskFilter {
  states?: TaskState[];
  backend?: string;
  dst?: string;
}

/** Persistence of tasks. Every write is conditional, so concurrent actors never overwrite each other. */
export interface TaskStore {
  get(taskId: string): Promise<Task | undefined>;
  /** Writes a new task unless one with its id exists; then the existing one is returned. */
  createIfAbsent(task: Task): Promise<{ created: true } | { created: false; existing: Task }>;
  /** Replaces the task if the stored version is still `task.version - 1`; else TaskVersionConflictError. */
  replace(task: Task): Promise<void>;
  /**
   * Stores only the next check time and the poll bookkeeping, if the task is still at `task.version` and in
   * `task.state`. Not a change of the task, so the version stays: a concurrent transition simply wins.
   */
  reschedule(task: Task): Promise<boolean>;
  /** Tasks of one index shard due at `now` or earlier, oldest first. */
  queryDue(shard: number, now: number, options: { limit: number; after?: DueCursor }): Promise<{ refs: DueRef[]; next?: DueCursor }>;
  /** Records that the terminal state of `version` was announced; false if it already was. */
  markNotified(taskId: string, version: number): Promise<boolean>;
  /** Every task matching the filter (a scan: for operators, not for hot paths). */
  list(filter: TaskFilter): Promise<Task[]>;
  findByRemoteId(remoteId: string): Promise<Task[]>;
}

/** Short-lived exclusive claims (e.g. one poller per index shard at a time). */
export interface LeaseStore {
  acquire(name: string, owner: string, now: number, durationMs: number): Promise<boolean>;
  release(name: string, owner: string): Promise<void>;
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

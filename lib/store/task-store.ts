import type { Task } from '../task/task.ts';

/** Persistence of tasks. Every write is conditional, so concurrent actors never overwrite each other. */
export interface TaskStore {
  get(taskId: string): Promise<Task | undefined>;
  /** Writes a new task unless one with its id exists; then the existing one is returned. */
  createIfAbsent(task: Task): Promise<{ created: true } | { created: false; existing: Task }>;
  /** Replaces the task if the stored version is still `task.version - 1`; else TaskVersionConflictError. */
  replace(task: Task): Promise<void>;
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

import type { TaskStore } from '../store/task-store.ts';
import { type Task, taskIdFor } from '../task/task.ts';
import { TaskNotFoundError } from './errors.ts';

const taskIdPattern = /^t-[0-9a-f]{24}$/;

/** Finds a task by its id, its requestId, or its job's id as the backend shows it. */
export async function findTask(store: TaskStore, id: string): Promise<Task> {
  if (taskIdPattern.test(id)) {
    const task = await store.get(id);
    if (task) return task;
  }
  const byRequest = await store.get(taskIdFor(id));
  if (byRequest) return byRequest;
  const byRemote = await store.findByRemoteId(id);
  if (byRemote.length === 1) return byRemote[0]!;
  if (byRemote.length > 1) throw new TaskNotFoundError(`${id} (it names ${byRemote.length} tasks: ${byRemote.map((t) => t.taskId).join(', ')}; use a task id)`);
  throw new TaskNotFoundError(id);
}

import type { TaskStore } from '../store/task-store.ts';
import { type Task, taskIdFor } from '../task/task.ts';
import { TaskNotFoundError } from './errors.ts';

const taskIdPattern = /^t-[0-9a-f]{24}$/;

/**
 * Finds a task by its id, its requestId, its job's id as the backend shows it, or the file that started it
 * (its key, or `s3://bucket/key`); the newest task of a file when it started several over time.
 */
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
  const s3 = /^s3:\/\/([^/]+)\/(.+)$/s.exec(id);
  const byFile = s3 ? await store.findBySourceFile(s3[2]!, s3[1]!) : await store.findBySourceFile(id);
  const newest = byFile[0];
  if (newest && byFile.every((t) => t.sourceBucket === newest.sourceBucket)) return newest;
  if (newest)
    throw new TaskNotFoundError(
      `${id} (files of that key in ${new Set(byFile.map((t) => t.sourceBucket)).size} buckets started tasks; use s3://<bucket>/${id})`,
    );
  throw new TaskNotFoundError(id);
}

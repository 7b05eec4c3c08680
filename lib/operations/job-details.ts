import type { LogChunk, RemoteDetails } from '../backends/backend.ts';
import type { BackendRegistry } from '../backends/registry.ts';
import type { Task } from '../task/task.ts';
import { refOf } from '../tracking/poll-task.ts';
import { OperationRefusedError } from './errors.ts';

/** What the backend says of a task's job right now, for people; never written to the task. */
export type LiveDetails = { details: RemoteDetails } | { unavailable: string };

/**
 * The job's live progress (its parts) and where its log is, when the task has a job and its backend can
 * tell. Read-only and best effort: a backend that does not answer is reported, not thrown.
 */
export async function liveDetails(task: Task, backends: BackendRegistry, options: { timeoutMs: number }): Promise<LiveDetails | undefined> {
  if (!task.remoteId && !task.remote) return undefined;
  const backend = backends.forTask(task);
  if (!backend?.inspect) return undefined;
  try {
    return { details: await backend.inspect(refOf(task, backend)!, { signal: AbortSignal.timeout(options.timeoutMs) }) };
  } catch (error) {
    return { unavailable: error instanceof Error ? error.message : String(error) };
  }
}

/** Reads the log of the task's job from a cursor, or refuses saying why it cannot. */
export function logReader(task: Task, backends: BackendRegistry): (from: number) => Promise<LogChunk> {
  if (!task.remoteId && !task.remote) throw new OperationRefusedError(`task ${task.taskId} is ${task.state} and has no job at the backend, so no log`);
  const backend = backends.forTask(task);
  if (!backend) throw new OperationRefusedError(`task ${task.taskId}: its target ${task.target ?? task.backend} is not configured here`);
  const { readLog } = backend;
  if (!readLog)
    throw new OperationRefusedError(`task ${task.taskId}: backend ${backend.id} keeps no log bulkpilot can read; see the job in the backend's console`);
  const ref = refOf(task, backend)!;
  return (from) => readLog.call(backend, ref, from);
}

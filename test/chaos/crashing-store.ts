// A store that dies once per task at one step of the submit path: what was written stays written, what was
// not never happens, as after a real crash. Shared by the crash-injection scenarios of every backend.
import type { TaskStore } from '../../lib/store/task-store.ts';
import { wrapStore } from '../support/store-wrapper.ts';

/** Where the submit path dies: `after-procId-write` is after the write of the job's id, whatever the backend calls it. */
export type Step = 'before-intent' | 'after-intent' | 'after-create' | 'after-procId-write';

/**
 * A store that dies once per task at `step`: before the intent write (nothing written), right after it (the
 * intent with its create claim is stored), instead of the write of the job's id (the job exists, the task does
 * not say so), or right after that write (stored, but the invocation never reports success). `only` picks the
 * tasks that die there, so wrappers of several steps can share one store.
 */
export function crashingAt(step: Step, crashed: Set<string>, only: (taskId: string) => boolean = () => true) {
  const once = (taskId: string) => {
    if (crashed.has(taskId) || !only(taskId)) return false;
    crashed.add(taskId);
    return true;
  };
  return (store: TaskStore): TaskStore =>
    wrapStore(store, {
      createIfAbsent: async (task) => {
        if (step === 'before-intent' && task.state === 'ACCEPTED' && once(task.taskId)) throw new Error('crash before the intent write');
        const result = await store.createIfAbsent(task);
        if (step === 'after-intent' && result.created && once(task.taskId)) throw new Error('crash right after the intent write');
        return result;
      },
      replace: async (task) => {
        if (step === 'after-create' && task.state === 'SUBMITTED' && once(task.taskId)) throw new Error('crash between the create and the procId write');
        await store.replace(task);
        if (step === 'after-procId-write' && task.state === 'SUBMITTED' && once(task.taskId)) throw new Error('crash right after the procId write');
      },
    });
}

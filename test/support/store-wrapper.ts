import type { TaskStore } from '../../lib/store/task-store.ts';

/**
 * A TaskStore that forwards every call to `store` except those `overrides` replace, so a test's crashing or
 * recording wrapper names only what it changes and keeps up with the interface.
 */
export function wrapStore(store: TaskStore, overrides: Partial<TaskStore>): TaskStore {
  return {
    get: (id) => store.get(id),
    createIfAbsent: (task) => store.createIfAbsent(task),
    replace: (task) => store.replace(task),
    applyTransition: (patch) => store.applyTransition(patch),
    reschedule: (task) => store.reschedule(task),
    queryActive: (...a) => store.queryActive(...a),
    markNotified: (...a) => store.markNotified(...a),
    listPage: (...a) => store.listPage(...a),
    findByRemoteId: (id) => store.findByRemoteId(id),
    findBySourceFile: (...a) => store.findBySourceFile(...a),
    fullHistory: (task) => store.fullHistory(task),
    expireHistory: (task) => store.expireHistory(task),
    ...overrides,
  };
}

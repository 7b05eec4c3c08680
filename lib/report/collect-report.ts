import type { Backend, RemoteRef } from '../backends/backend.ts';
import type { BackendRegistry } from '../backends/registry.ts';
import { mapWithConcurrency } from '../concurrency.ts';
import type { TaskStore } from '../store/task-store.ts';
import { isTerminal } from '../task/states.ts';
import type { Task } from '../task/task.ts';
import { refOf } from '../tracking/poll-task.ts';
import { buildReport, type LogTail, type ReportData, type ReportFilters, type ReportInput } from './report-model.ts';

/**
 * Reads what a report shows: the tasks accepted in the window (newest first through the operators' indexes,
 * never a scan), each one's whole history, and the last log lines of a few failed tasks whose backend keeps
 * a log. Bounded everywhere, so a report over thousands of tasks stays a matter of seconds.
 */
export interface CollectOptions {
  filters: ReportFilters;
  now: number;
  /** Most tasks read; more in the window make the report `truncated` (the newest are shown). */
  maxTasks: number;
  /** Log tails: the connected targets (or why they cannot be), for at most `tasks` failed tasks, `lines` each, each read within `timeoutMs`. */
  logs?: { backends: BackendRegistry | { unavailable: string }; tasks: number; lines: number; timeoutMs: number; cache?: LogTailCache };
}

/**
 * Log tails already read, for a caller that reports again and again (the live page, every few seconds): an
 * ended task's log no longer changes, so it is read once per version of the task, not on every refresh.
 */
export class LogTailCache {
  readonly #tails = new Map<string, LogTail>();
  readonly #most: number;

  constructor(most = 1_000) {
    this.#most = most;
  }

  get(task: Task): LogTail | undefined {
    return this.#tails.get(`${task.taskId}@${task.version}`);
  }

  /** Keeps a tail read in full of a task that has ended; the oldest entry goes first when full. */
  keep(task: Task, tail: LogTail): void {
    if (!isTerminal(task.state) || 'unavailable' in tail) return;
    if (this.#tails.size >= this.#most) this.#tails.delete(this.#tails.keys().next().value!);
    this.#tails.set(`${task.taskId}@${task.version}`, tail);
  }
}

/** Index reads start at this many tasks and double until the window's start is passed (each read re-reads the ones before). */
const firstRead = 100;
const historyReadsAtOnce = 8;

export async function collectReport(store: Pick<TaskStore, 'listPage' | 'fullHistory'>, options: CollectOptions): Promise<ReportData> {
  const { tasks, truncated } = await tasksInWindow(store, options.filters, options.maxTasks);
  const logged = new Map((options.logs ? await logTails(tasks, options.logs) : []).map(([task, log]) => [task.taskId, log]));
  const inputs: ReportInput[] = await mapWithConcurrency(tasks, historyReadsAtOnce, async (task) => {
    // Only a task whose history outgrew its item has pages to read; the others' history is in hand.
    const history = task.historyDropped ? await store.fullHistory(task) : task.history;
    const log = logged.get(task.taskId);
    return { task, history, ...(log ? { log } : {}) };
  });
  return buildReport(inputs, { now: options.now, filters: options.filters, truncated });
}

async function tasksInWindow(store: Pick<TaskStore, 'listPage'>, filters: ReportFilters, maxTasks: number): Promise<{ tasks: Task[]; truncated: boolean }> {
  const query = { ...(filters.states?.length ? { states: filters.states } : {}), ...(filters.target ? { target: filters.target } : {}) };
  const inWindow = (t: Task) => (filters.since === undefined || t.createdAt >= filters.since) && (filters.until === undefined || t.createdAt <= filters.until);
  for (let limit = Math.min(firstRead, maxTasks); ; limit = Math.min(limit * 2, maxTasks)) {
    const { tasks, more } = await store.listPage(query, limit, 1);
    const oldest = tasks.at(-1)?.createdAt;
    const pastStart = filters.since !== undefined && oldest !== undefined && oldest < filters.since;
    if (!more || pastStart || limit >= maxTasks) return { tasks: tasks.filter(inWindow), truncated: more && !pastStart };
  }
}

/** The failed tasks worth a log: ended failed first, then those that failed and were retried, newest first. */
function logCandidates(tasks: readonly Task[], most: number): Task[] {
  const failedForGood = tasks.filter((t) => t.state === 'FAILED_FINAL' || t.state === 'LOST' || t.state === 'FAILED');
  const retried = tasks.filter((t) => !failedForGood.includes(t) && t.history.some((e) => e.to === 'FAILED'));
  return [...failedForGood, ...retried].filter((t) => t.remote || t.remoteId).slice(0, most);
}

async function logTails(tasks: readonly Task[], o: NonNullable<CollectOptions['logs']>): Promise<Array<[Task, LogTail]>> {
  const candidates = logCandidates(tasks, o.tasks);
  const backends = o.backends;
  if ('unavailable' in backends) return candidates.map((t) => [t, { unavailable: backends.unavailable }]);
  const read = await Promise.all(
    candidates.map(async (task): Promise<[Task, LogTail] | undefined> => {
      const backend = backends.forTask(task);
      // A backend without a log is not asked (its console has it); a target not configured here cannot be.
      if (!backend?.readLog) return undefined;
      const kept = o.cache?.get(task);
      if (kept) return [task, kept];
      try {
        const tail = await readTail(backend.readLog.bind(backend), refOf(task, backend)!, o.lines, AbortSignal.timeout(o.timeoutMs));
        o.cache?.keep(task, tail);
        return [task, tail];
      } catch (error) {
        return [task, { unavailable: error instanceof Error ? error.message : String(error) }];
      }
    }),
  );
  return read.filter((r) => r !== undefined);
}

/** Most chunks read of one log: a long log is cut to its first stretches, of which the last lines are kept. */
const maxChunks = 8;

async function readTail(readLog: NonNullable<Backend['readLog']>, ref: RemoteRef, lines: number, signal: AbortSignal): Promise<LogTail> {
  let text = '';
  let cursor = 0;
  let location: string | undefined;
  for (let i = 0; i < maxChunks; i++) {
    const chunk = await readLog(ref, cursor, { signal });
    text += chunk.text;
    if (chunk.location) location = chunk.location;
    if (chunk.ended || !chunk.text || chunk.next === cursor) break;
    cursor = chunk.next;
  }
  const all = text.split('\n').filter((l, i, a) => l !== '' || i < a.length - 1);
  return { lines: all.slice(-lines), ...(location ? { location } : {}) };
}

import { AsyncLocalStorage } from 'node:async_hooks';

/** What a task's orchestration consumed so far. */
export interface TaskCost {
  /** DynamoDB capacity units as the SDK reports them (ReturnConsumedCapacity). */
  readUnits: number;
  writeUnits: number;
  /** Calls to the backend's API made for the task (a status call counts once, with its automatic retries). */
  backendCalls: number;
  /** Time spent on the task inside Lambda invocations. Tasks share invocations, so this is the task's own work, not a share of the bill. */
  lambdaMs: number;
}

export const zeroCost: TaskCost = { readUnits: 0, writeUnits: 0, backendCalls: 0, lambdaMs: 0 };

export function addCost(a: TaskCost | undefined, b: TaskCost): TaskCost {
  const base = a ?? zeroCost;
  return {
    readUnits: round(base.readUnits + b.readUnits),
    writeUnits: round(base.writeUnits + b.writeUnits),
    backendCalls: base.backendCalls + b.backendCalls,
    lambdaMs: Math.round(base.lambdaMs + b.lambdaMs),
  };
}

interface Pending extends TaskCost {
  since: number;
}

/**
 * Collects what each task consumes during an invocation and hands it to the task's next write, so cost is
 * recorded without a write of its own. The work is attributed through an async context: everything done
 * inside `within(taskId, …)` (store calls, backend calls) counts for that task, even with many tasks in
 * flight. What follows a task's last write in an invocation (that write's own units) is not recorded.
 */
export class CostLedger {
  readonly #context = new AsyncLocalStorage<string>();
  readonly #pending = new Map<string, Pending>();
  readonly #now: () => number;

  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
  }

  within<T>(taskId: string, work: () => Promise<T>): Promise<T> {
    this.#entry(taskId);
    return this.#context.run(taskId, work);
  }

  current(): string | undefined {
    return this.#context.getStore();
  }

  addCapacity(taskId: string | undefined, readUnits: number, writeUnits: number): void {
    const id = taskId ?? this.current();
    if (!id) return;
    const entry = this.#entry(id);
    entry.readUnits += readUnits;
    entry.writeUnits += writeUnits;
  }

  addBackendCall(): void {
    const id = this.current();
    if (id) this.#entry(id).backendCalls++;
  }

  /** The cost pending for a task (with the time since the last take), reset to nothing. */
  take(taskId: string): TaskCost {
    const entry = this.#entry(taskId);
    const now = this.#now();
    const taken = { readUnits: entry.readUnits, writeUnits: entry.writeUnits, backendCalls: entry.backendCalls, lambdaMs: now - entry.since };
    this.#pending.set(taskId, { ...zeroCost, since: now });
    return taken;
  }

  /** Puts back what was taken for a write that did not happen, so the next write carries it. */
  restore(taskId: string, taken: TaskCost): void {
    const entry = this.#entry(taskId);
    entry.readUnits += taken.readUnits;
    entry.writeUnits += taken.writeUnits;
    entry.backendCalls += taken.backendCalls;
    entry.since -= taken.lambdaMs;
  }

  /** At the end of an invocation: forget what no write will carry any more. */
  reset(): void {
    this.#pending.clear();
  }

  #entry(taskId: string): Pending {
    let entry = this.#pending.get(taskId);
    if (!entry) {
      entry = { ...zeroCost, since: this.#now() };
      this.#pending.set(taskId, entry);
    }
    return entry;
  }
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

/** Runs `work` with its consumption attributed to the task (a no-op without a ledger). */
export function attributeTo<T>(ledger: CostLedger | undefined, taskId: string, work: () => Promise<T>): Promise<T> {
  return ledger ? ledger.within(taskId, work) : work();
}

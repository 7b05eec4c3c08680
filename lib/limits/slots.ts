/**
 * Concurrency limits: a slot is one running job a target or a destination may hold.
 * A task holds one slot of each scope it belongs to, taken together or not at all, and gives them back when
 * it ends; a slot taken by a create that died carries a lease, so it comes back by itself.
 */

/** A limited scope: a target, or one destination of a target (the backend's destination key). */
export interface SlotScope {
  /** `target:<name>` or `dest:<target>:<destination key>`. */
  id: string;
  max: number;
}

export function targetScope(target: string, max: number): SlotScope {
  return { id: `target:${target}`, max };
}

export function destinationScope(target: string, destinationKey: string, max: number): SlotScope {
  return { id: `dest:${target}:${destinationKey}`, max };
}

/** What holds a slot: a task, since when, and until when its claim lasts unless its job is recorded. */
export interface SlotHolder {
  taskId: string;
  since: number;
  /** While the create is in flight: past this, a sweeper may take the slot back if the task has no job. */
  leaseUntil?: number;
  /** Every scope the task holds with this one (so a sweeper gives them all back). */
  scopes?: string[];
}

export type AcquireResult =
  /** Every slot is now held by the task (or already was). */
  | { kind: 'held' }
  /** A scope is full: nothing was taken. */
  | { kind: 'full'; scope: string; holders: number; max: number };

export interface SlotStore {
  /** Takes one slot of every scope for the task, atomically: all or none. Idempotent for a holder. */
  acquire(taskId: string, scopes: readonly SlotScope[], holder: Omit<SlotHolder, 'taskId'>): Promise<AcquireResult>;
  /** Gives the task's slots back (those it holds; the others are left alone). Idempotent. */
  release(taskId: string, scopeIds: readonly string[]): Promise<void>;
  /** Who holds the scope's slots now. */
  holders(scopeId: string): Promise<SlotHolder[]>;
}

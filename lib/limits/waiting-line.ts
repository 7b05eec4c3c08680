/** A task waiting for a slot: its priority (higher first), when it arrived, and its destination's key. */
export interface WaitingEntry {
  taskId: string;
  priority: number;
  arrivedAt: number;
  destination: string;
}

/** The line's order: higher priority first, then first come, first served (the task id breaks a tie). */
export function lineOrder(a: WaitingEntry, b: WaitingEntry): number {
  return b.priority - a.priority || a.arrivedAt - b.arrivedAt || (a.taskId < b.taskId ? -1 : a.taskId > b.taskId ? 1 : 0);
}

/**
 * Which waiting tasks to start now, in order: as many as the target has free slots, each only if its
 * destination has one left. A task whose destination is full does not block those behind it that go
 * elsewhere (it keeps its place for when its destination frees).
 */
export function nextToStart(waiting: readonly WaitingEntry[], freeTarget: number, freeAt: (destination: string) => number): WaitingEntry[] {
  const left = new Map<string, number>();
  const chosen: WaitingEntry[] = [];
  for (const entry of [...waiting].sort(lineOrder)) {
    if (chosen.length >= freeTarget) break;
    const free = left.get(entry.destination) ?? freeAt(entry.destination);
    if (free <= 0) continue;
    left.set(entry.destination, free - 1);
    chosen.push(entry);
  }
  return chosen;
}

/** A waiting task's place in its line (1 = next), for `bulkpilot queue` and `status`. */
export function placeInLine(waiting: readonly WaitingEntry[], taskId: string): number | undefined {
  const index = [...waiting].sort(lineOrder).findIndex((e) => e.taskId === taskId);
  return index < 0 ? undefined : index + 1;
}

// A simulator's state kept in a JSON file between two runs of the local stack (BULKPILOT_LOCAL_DATA), so a
// job that was running when the stack stopped is still known to the "remote system" when it starts again —
// as a real master, gateway or cloud keeps its jobs while bulkpilot is down. Saved when the simulator
// closes; the clock-computed lifecycles then carry on from the saved start times.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Bumped when a simulator's saved shape changes: an older file is then ignored rather than misread. */
export interface SavedState<T> {
  simulator: string;
  version: number;
  savedAt: string;
  state: T;
}

/** The state saved by an earlier run, or undefined when there is none (first run, or another simulator's or version's file). */
export function loadState<T>(file: string | undefined, simulator: string, version: number): T | undefined {
  if (file === undefined || !existsSync(file)) return undefined;
  let saved: SavedState<T>;
  try {
    saved = JSON.parse(readFileSync(file, 'utf8')) as SavedState<T>;
  } catch (error) {
    throw new Error(
      `${file}: the saved ${simulator} state is not JSON (${error instanceof Error ? error.message : String(error)}); delete the file to start empty`,
    );
  }
  if (saved.simulator !== simulator || saved.version !== version) return undefined;
  return saved.state;
}

/** Written to a temporary file and renamed, so a crash while saving leaves the previous state, never half of one. */
export function saveState<T>(file: string | undefined, simulator: string, version: number, state: T): void {
  if (file === undefined) return;
  mkdirSync(dirname(file), { recursive: true });
  const saved: SavedState<T> = { simulator, version, savedAt: new Date().toISOString(), state };
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(saved)}\n`);
  renameSync(temporary, file);
}

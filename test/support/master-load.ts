// What the simulated Lindorm master runs now, by its own view (not bulkpilot's): jobs RUNNING, in all and per
// writer table. The concurrency-limit tests check their limits against it.
import type { LindormMaster } from '../../local/lindorm-master/simulator.ts';

export function runningAtMaster(master: LindormMaster): { total: number; perTable: Map<string, number>; most: number } {
  const active = master.procs().filter((p) => p.state === 'RUNNING');
  const perTable = new Map<string, number>();
  for (const p of active) {
    const table = (JSON.parse(p.form.writerConfig!) as { lindormTable: string }).lindormTable;
    perTable.set(table, (perTable.get(table) ?? 0) + 1);
  }
  return { total: active.length, perTable, most: Math.max(0, ...perTable.values()) };
}

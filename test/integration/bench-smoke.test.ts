// The throughput benchmark at a tiny size, so it cannot rot. No timing is asserted: only that every due
// task was checked, every request submitted, and both sides of each ratio were measured.
import { describe, expect, it } from 'vitest';
import { cliReads } from '../../bench/cli-reads.ts';
import { lifecycleCost } from '../../bench/lifecycle-cost.ts';
import { throughput } from '../../bench/throughput.ts';

describe('npm run bench (smoke size)', () => {
  it("polls every due task and submits every request on each backend's simulator, against floors measured in the same run", async () => {
    const rows = await throughput({ pollTasks: 12, submitRequests: 10, infoLatencyMs: 5, concurrency: 8 });
    const plain = rows.filter((r) => !r.ledger);
    expect(plain.map((r) => [r.target, r.kind])).toEqual(
      ['lindorm', 'linkis', 'cdm', 'dis'].flatMap((target) => [
        [target, 'steady'],
        [target, 'first-check'],
        [target, 'submit'],
      ]),
    );
    // As deployed (cost ledger on): one first-check and one submit row, on the first target.
    expect(rows.filter((r) => r.ledger).map((r) => [r.target, r.kind])).toEqual([
      ['lindorm', 'first-check'],
      ['lindorm', 'submit'],
    ]);
    for (const row of rows) {
      expect(row.items).toBe(row.kind === 'submit' ? 10 : 12);
      expect(row.bulkpilotMs).toBeGreaterThan(0);
      expect(row.floorMs).toBeGreaterThan(0);
      expect(Number.isFinite(row.ratio)).toBe(true);
      expect(row.met).toBe(row.kind === 'submit' ? row.ratio <= 1.5 : row.ratio >= 0.8);
      if (row.kind !== 'steady') expect(row.requiredFloorMs).toBeGreaterThan(0);
    }
  }, 240_000);

  it('counts whole lifecycles: every task reaches SUCCEEDED through its four states, with its units and calls', async () => {
    const cost = await lifecycleCost({ tasks: 2, runMinutes: 10 });
    expect(cost.tasks).toBe(2);
    expect(cost.stateChangesPerTask).toBe(4); // ACCEPTED, SUBMITTED, RUNNING, SUCCEEDED
    // The goal of the benchmark issue: one write per state change (the claim rides on the intent) plus the
    // notification mark. Checks without news write nothing.
    expect(cost.writesPerTask).toBe(cost.stateChangesPerTask + 1);
    expect(cost.readUnitsPerTask).toBeGreaterThan(0);
    expect(cost.writeUnitsPerTask).toBeGreaterThan(0);
    expect(cost.backendCallsPerTaskHour).toBeGreaterThan(0);
  }, 120_000);

  it('counts lifecycles on a limited target: with room, no extra task write (two slot writes); at 1 at once, the others wait and still end', async () => {
    const roomy = await lifecycleCost({ tasks: 2, runMinutes: 10, limits: { maxConcurrent: 10, maxConcurrentPerDestination: 1 } });
    const tight = await lifecycleCost({ tasks: 3, runMinutes: 10, limits: { maxConcurrent: 1 } });
    expect(roomy.waited).toBe(0);
    expect(roomy.stateChangesPerTask).toBe(4);
    expect(roomy.writesPerTask).toBe(roomy.stateChangesPerTask + 1);
    expect(roomy.slotWritesPerTask).toBe(2); // one take, one give-back
    expect([roomy.unfinished, tight.unfinished]).toEqual([0, 0]);
    expect(tight.waited).toBe(2);
    // A task that waited went ACCEPTED → WAITING → ACCEPTED: two changes more, one write each; and its start
    // message's create (a conditional put refused, the task exists) is one write more.
    expect(tight.stateChangesPerTask).toBeCloseTo(4 + (2 * 2) / 3);
    expect(tight.writesPerTask).toBeCloseTo(tight.stateChangesPerTask + 1 + 2 / 3);
    // A waiting task's slot: the take that found the target full, the line's reservation, the submit's
    // (idempotent) take, the give-back.
    expect(tight.slotWritesPerTask).toBeCloseTo((2 + 4 * 2) / 3);
  }, 180_000);

  it("measures the operator's reads at two table sizes: no scan, and the same calls whatever the size", async () => {
    const rows = await cliReads([60, 600], 1);
    expect(rows.map((r) => [r.command, r.tasks])).toEqual([
      ['list --limit 50', 60],
      ['status <job id>', 60],
      ['list --limit 50', 600],
      ['status <job id>', 600],
    ]);
    for (const row of rows) {
      expect(row.scans).toBe(0);
      expect(row.readUnits).toBeGreaterThan(0);
      expect(row.medianMs).toBeGreaterThan(0);
    }
    const calls = (command: string) => rows.filter((r) => r.command === command).map((r) => r.calls);
    expect(new Set(calls('status <job id>')).size).toBe(1);
    expect(new Set(calls('list --limit 50')).size).toBe(1);
  }, 180_000);
});

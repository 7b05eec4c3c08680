// The throughput benchmark at a tiny size, so it cannot rot. No timing is asserted: only that every due
// task was checked, every request submitted, and both sides of each ratio were measured.
import { describe, expect, it } from 'vitest';
import { throughput } from '../../bench/throughput.ts';

describe('npm run bench (smoke size)', () => {
  it('polls every due task and submits every request, against floors measured in the same run', async () => {
    const [poll, submit] = await throughput({ pollTasks: 30, submitRequests: 20, infoLatencyMs: 5, concurrency: 8 });
    expect(poll).toMatchObject({ items: 30 });
    expect(submit).toMatchObject({ items: 20 });
    for (const row of [poll!, submit!]) {
      expect(row.bulkpilotMs).toBeGreaterThan(0);
      expect(row.floorMs).toBeGreaterThan(0);
      expect(Number.isFinite(row.ratio)).toBe(true);
    }
  }, 120_000);
});

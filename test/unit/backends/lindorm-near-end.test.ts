// The Lindorm module decides when a proc is about to end (its last stages), as each target configures it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LindormBulkloadBackend } from '../../../lib/backends/lindorm/backend.ts';
import { LindormBulkloadClient } from '../../../lib/backends/lindorm/client.ts';
import { parseLindormRequest } from '../../../lib/backends/lindorm/request.ts';
import { type LindormMaster, startLindormMaster } from '../../../local/lindorm-master/simulator.ts';
import { seedRequest } from '../../support/seed-request.ts';

const clock = { current: Date.parse('2026-11-21T10:00:00Z'), now: () => clock.current };
let master: LindormMaster;
const backends: LindormBulkloadBackend[] = [];
beforeAll(async () => {
  master = await startLindormMaster({
    clock,
    stages: [
      { name: 'BULKLOAD', durationMs: 60_000 },
      { name: 'MERGE', durationMs: 60_000 },
      { name: 'WAIT_FOR_SUCCESS', durationMs: 60_000 },
    ],
  });
});
afterAll(async () => {
  await Promise.all(backends.map((b) => b.close()));
  await master.close();
});
const connect = (nearEndStages?: string[]) => {
  const backend = new LindormBulkloadBackend(
    new LindormBulkloadClient({ baseUrl: master.url, keepAliveTimeoutMs: 100 }),
    nearEndStages ? { nearEndStages } : {},
  );
  backends.push(backend);
  return backend;
};

describe('near the end of a proc', () => {
  it('is its WAIT_FOR_SUCCESS stage by default, and not the stages before', async () => {
    const backend = connect();
    const ref = await backend.create(parseLindormRequest(seedRequest), { marker: 'm', startedAt: 0 });
    const early = await backend.status(ref);
    expect(early.stage).toBe('BULKLOAD');
    expect(early.nearEnd).toBeUndefined();
    clock.current += 2 * 60_000;
    expect(await backend.status(ref)).toMatchObject({ stage: 'WAIT_FOR_SUCCESS', nearEnd: true });
  });

  it('follows the stages a target names, whatever their case', async () => {
    const backend = connect(['merge']);
    const ref = await backend.create(parseLindormRequest(seedRequest), { marker: 'm', startedAt: 0 });
    clock.current += 60_000;
    expect(await backend.status(ref)).toMatchObject({ stage: 'MERGE', nearEnd: true });
    clock.current += 60_000;
    expect((await backend.status(ref)).nearEnd).toBeUndefined();
  });
});

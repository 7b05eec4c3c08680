// Concurrency slots on DynamoDB Local: never over a limit under concurrent takers, all-or-nothing across a
// target and a destination, and taking or giving back twice changes nothing.
import { beforeAll, describe, expect, it } from 'vitest';
import { destinationScope, targetScope } from '../../lib/limits/slots.ts';
import { DynamoDbSlotStore } from '../../lib/store/dynamodb-slot-store.ts';
import { createTestAws } from '../support/stack.ts';

let slots: DynamoDbSlotStore;
beforeAll(async () => {
  const aws = await createTestAws();
  slots = new DynamoDbSlotStore({ client: aws.dynamodb, tableName: aws.tableName });
});

const now = Date.parse('2026-12-01T12:00:00Z');

describe('concurrency slots', () => {
  it('gives 40 concurrent takers of a 3-slot target exactly 3 slots, and the rest "full"', async () => {
    const target = targetScope('busy', 3);
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => slots.acquire(`t-${i}`, [target], { since: now })));
    expect(results.filter((r) => r.kind === 'held')).toHaveLength(3);
    expect(results.filter((r) => r.kind === 'full')).toHaveLength(37);
    expect(results.find((r) => r.kind === 'full')).toMatchObject({ scope: 'target:busy', holders: 3, max: 3 });
    expect(await slots.holders(target.id)).toHaveLength(3);
  });

  it('takes a target slot and a destination slot together or not at all', async () => {
    const target = targetScope('pair', 3);
    const table = destinationScope('pair', 'ld/default:orders', 1);
    expect(await slots.acquire('t-a', [target, table], { since: now })).toEqual({ kind: 'held' });
    // The destination is full: the target keeps its free slots.
    expect(await slots.acquire('t-b', [target, table], { since: now + 1 })).toMatchObject({ kind: 'full', scope: table.id });
    expect((await slots.holders(target.id)).map((h) => h.taskId)).toEqual(['t-a']);
    const other = destinationScope('pair', 'ld/default:events', 1);
    expect(await slots.acquire('t-c', [target, other], { since: now + 2 })).toEqual({ kind: 'held' });
  });

  it('takes and gives back idempotently, and a freed slot is taken by the next', async () => {
    const target = targetScope('once', 1);
    expect(await slots.acquire('t-1', [target], { since: now, leaseUntil: now + 30_000 })).toEqual({ kind: 'held' });
    expect(await slots.acquire('t-1', [target], { since: now })).toEqual({ kind: 'held' });
    expect(await slots.holders(target.id)).toEqual([{ taskId: 't-1', since: now, leaseUntil: now + 30_000 }]);
    expect(await slots.acquire('t-2', [target], { since: now })).toMatchObject({ kind: 'full' });
    await slots.release('t-1', [target.id]);
    await slots.release('t-1', [target.id]);
    expect(await slots.holders(target.id)).toEqual([]);
    expect(await slots.acquire('t-2', [target], { since: now })).toEqual({ kind: 'held' });
    expect(await slots.acquire('t-3', [target], { since: now })).toMatchObject({ kind: 'full', holders: 1 });
  });

  it('never exceeds a destination limit of 1 while takers and givers-back race', async () => {
    const target = targetScope('race', 3);
    const destinations = Array.from({ length: 4 }, (_, d) => destinationScope('race', `dst-${d}`, 1));
    let maxSeen = 0;
    await Promise.all(
      Array.from({ length: 24 }, async (_, i) => {
        const dest = destinations[i % destinations.length]!;
        for (let attempt = 0; attempt < 30; attempt++) {
          if ((await slots.acquire(`r-${i}`, [target, dest], { since: now })).kind === 'held') {
            const holding = (await slots.holders(target.id)).length;
            maxSeen = Math.max(maxSeen, holding);
            expect((await slots.holders(dest.id)).length).toBeLessThanOrEqual(1);
            await slots.release(`r-${i}`, [target.id, dest.id]);
            return;
          }
          await new Promise((r) => setTimeout(r, 5));
        }
      }),
    );
    expect(maxSeen).toBeLessThanOrEqual(3);
    expect(await slots.holders(target.id)).toEqual([]);
  });
});

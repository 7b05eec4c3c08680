// The generic code around backends, with in-memory fakes: which connection a task's calls go to, and the
// metering wrapper (per-target metrics, the call counted for the task, absent operations kept absent).
import { describe, expect, it } from 'vitest';
import { BackendRegistry } from '../../../lib/backends/registry.ts';
import { CostLedger } from '../../../lib/cost/cost-ledger.ts';
import { metered } from '../../../lib/observability/metered-backend.ts';
import type { MetricDimensions } from '../../../lib/observability/metrics.ts';
import { FakeBackend } from '../../support/fake-backend.ts';

describe('the registry of connected targets', () => {
  const a = new FakeBackend({ target: 'a', id: 'fake' });
  const b = new FakeBackend({ target: 'b', id: 'fake' });
  const other = new FakeBackend({ target: 'c', id: 'other' });

  it('finds a task’s connection by its target, and only when the backend matches', () => {
    const registry = new BackendRegistry([a, b, other]);
    expect(registry.forTask({ target: 'b', backend: 'fake' })).toBe(b);
    expect(registry.forTask({ target: 'b', backend: 'other' })).toBeUndefined();
    expect(registry.forTask({ target: 'z', backend: 'fake' })).toBeUndefined();
  });

  it('places a task written before targets existed on the only target of its backend', () => {
    const registry = new BackendRegistry([a, other]);
    expect(registry.forTask({ backend: 'other' })).toBe(other);
    expect(new BackendRegistry([a, b]).forTask({ backend: 'fake' })).toBeUndefined(); // two candidates: no guess
  });
});

describe('a metered backend', () => {
  const recorded: Array<{ name: string; dimensions?: MetricDimensions }> = [];
  const metrics = {
    count: (name: string, _v?: number, dimensions?: MetricDimensions) => void recorded.push({ name, ...(dimensions ? { dimensions } : {}) }),
    milliseconds: (name: string, _v: number, dimensions?: MetricDimensions) => void recorded.push({ name, ...(dimensions ? { dimensions } : {}) }),
  };

  it('records latency and errors per operation and target, and counts the call for the task at hand', async () => {
    const fake = new FakeBackend({ target: 'orders' });
    const ledger = new CostLedger();
    const backend = metered(fake, metrics, ledger);
    const ref = await ledger.within('t-1', () => backend.create({ job: 'x' }, { marker: 'm', startedAt: 0 }));
    fake.fail('status', 'error');
    await ledger.within('t-1', () => backend.status(ref).catch(() => undefined));
    expect(recorded).toEqual([
      { name: 'BackendCreateLatency', dimensions: { target: 'orders' } },
      { name: 'BackendStatusErrors', dimensions: { target: 'orders' } },
      { name: 'BackendStatusLatency', dimensions: { target: 'orders' } },
    ]);
    expect(ledger.take('t-1').backendCalls).toBe(2);
  });

  it('keeps the operations a backend lacks absent, so its capabilities still show', () => {
    const bare = metered(new FakeBackend({ capabilities: { rerun: 'none', delete: false } }), metrics);
    expect(bare.rerun).toBeUndefined();
    expect(bare.delete).toBeUndefined();
    expect(bare.findCreated).toBeUndefined();
    const full = metered(new FakeBackend({ lookup: true }), metrics);
    expect(typeof full.rerun).toBe('function');
    expect(typeof full.findCreated).toBe('function');
  });
});

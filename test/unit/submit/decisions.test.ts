// What the submit path does with what it finds, as pure decisions: the rules that make submission
// idempotent, without a queue, a store or a backend.
import { describe, expect, it } from 'vitest';
import { decideCreateFailure, decideExisting, decideUnknownOutcome } from '../../../lib/submit/decisions.ts';
import { newTask, type Task, taskIdFor } from '../../../lib/task/task.ts';
import { lookupSettleMs, readLookup } from '../../../lib/task/uncertain-create.ts';

const t0 = Date.parse('2026-11-21T10:00:00Z');
const request = { requestId: 'r-1', contentHash: 'h1' };

function existing(state: Task['state'], changes: Partial<Task> = {}): Task {
  const task = newTask(
    {
      taskId: taskIdFor('r-1'),
      requestId: 'r-1',
      requestIdSource: 'client',
      target: 't',
      backend: 'fake',
      state: 'ACCEPTED',
      createdAt: t0,
      summary: {},
      contentHash: 'h1',
    },
    'x',
    { historyLimit: 50, shards: 4, retentionDays: 30 },
  );
  return { ...task, state, ...changes };
}

describe('a delivery that finds its task written', () => {
  it('goes on with its own intent when the SDK’s retried put found the item it had written', () => {
    expect(
      decideExisting(existing('ACCEPTED', { create: { attempts: 1, startedAt: t0, leaseUntil: t0 + 30_000, token: 'mine' } }), request, 'mine', t0),
    ).toEqual({ kind: 'own-intent' });
  });

  it('refuses a requestId reused for a different request, whatever the state of the first', () => {
    expect(decideExisting(existing('SUBMITTED', { contentHash: 'other' }), request, 'x', t0)).toMatchObject({
      kind: 'reused',
      reason: expect.stringMatching(/already used by task .* \(SUBMITTED\)/),
    });
  });

  it('sends a refused request’s letter again, and ignores a redelivery of one submitted', () => {
    expect(decideExisting(existing('REJECTED', { error: { reason: 'bad dst', field: 'dst', source: 'backend', at: t0 } }), request, 'x', t0)).toEqual({
      kind: 'rejected-again',
      reason: 'refused by the backend: bad dst',
      field: 'dst',
    });
    expect(decideExisting(existing('RUNNING'), request, 'x', t0)).toEqual({ kind: 'duplicate' });
  });

  it('waits for another delivery’s create in flight, and treats an expired claim as an unknown outcome', () => {
    const claimed = existing('ACCEPTED', { create: { attempts: 2, startedAt: t0, leaseUntil: t0 + 30_000, token: 'theirs' } });
    expect(decideExisting(claimed, request, 'mine', t0 + 10_000).kind).toBe('in-progress');
    expect(decideExisting(claimed, request, 'mine', t0 + 31_000)).toMatchObject({
      kind: 'unrecorded',
      reason: expect.stringMatching(/^create attempt 2 started at/),
    });
  });

  it('claims again after a create that failed before leaving', () => {
    expect(decideExisting(existing('ACCEPTED', { create: { attempts: 1, lastError: 'refused connection' } }), request, 'mine', t0)).toEqual({
      kind: 'claim-again',
    });
  });
});

describe('a create that failed', () => {
  it('is rejected for good, tried again, or its outcome unknown, as the backend classified it', () => {
    expect(decideCreateFailure({ kind: 'refused', reason: 'no such table' }, 1)).toEqual({ kind: 'reject', reason: 'no such table' });
    expect(decideCreateFailure({ kind: 'not-created', reason: '503' }, 1)).toEqual({ kind: 'retry-later', reason: '503' });
    expect(decideCreateFailure({ kind: 'ambiguous', reason: 'reset' }, 3)).toEqual({
      kind: 'unknown-outcome',
      reason: 'create attempt 3 got no usable answer: reset',
    });
  });

  it('whose outcome is unknown is looked up where the backend can be asked, else held or resubmitted by policy', () => {
    expect(decideUnknownOutcome(true, 'hold')).toEqual({ kind: 'look-up' });
    expect(decideUnknownOutcome(true, 'resubmit')).toEqual({ kind: 'look-up' });
    expect(decideUnknownOutcome(false, 'hold')).toEqual({ kind: 'hold' });
    expect(decideUnknownOutcome(false, 'resubmit')).toEqual({ kind: 'resubmit' });
  });
});

describe('a lookup for the job of a lost call', () => {
  const call = { startedAt: t0, boundMs: 20_000 };

  it('adopts a job it finds at once', () => {
    expect(readLookup({ found: { jobId: 'job-7' } }, call, t0 + 1)).toEqual({ adopt: { jobId: 'job-7' } });
  });

  it('believes "none" only once the call cannot still be under way at the backend', () => {
    const none = { absent: true as const, reason: 'no job carries the marker' };
    expect(readLookup(none, call, t0 + 20_000 + lookupSettleMs - 1)).toEqual({ wait: 'too early to trust that no job exists (no job carries the marker)' });
    expect(readLookup(none, call, t0 + 20_000 + lookupSettleMs)).toEqual({ absent: 'no job carries the marker' });
  });

  it('waits when the lookup could not tell', () => {
    expect(readLookup({ unknown: 'HTTP 503' }, call, t0 + 10 * 60_000)).toEqual({ wait: 'HTTP 503' });
  });
});

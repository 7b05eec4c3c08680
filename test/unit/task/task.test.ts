import { describe, expect, it } from 'vitest';
import { allowedTransitions, IllegalTransitionError, isTerminal, taskStates, terminalStates } from '../../../lib/task/states.ts';
import { newTask, shardOf, type Task, taskIdFor, transition, transitionPatch } from '../../../lib/task/task.ts';

const policy = { historyLimit: 5, shards: 4, retentionDays: 30 };
const t0 = Date.parse('2026-11-21T10:00:00Z');

function accepted(): Task {
  return newTask(
    { taskId: taskIdFor('r'), requestId: 'r', requestIdSource: 'client', backend: 'lindorm-bulkload', state: 'ACCEPTED', createdAt: t0, summary: {} },
    'received',
    policy,
    t0 + 1000,
  );
}

describe('the task state machine', () => {
  it('has no way out of a terminal state', () => {
    for (const state of terminalStates) expect(allowedTransitions[state]).toEqual([]);
    expect(taskStates.filter(isTerminal)).toEqual(['SUCCEEDED', 'FAILED_FINAL', 'ABORTED', 'REJECTED', 'LOST']);
  });

  it('refuses a transition outside its table', () => {
    expect(() => transition(accepted(), { to: 'SUCCEEDED', reason: 'x', now: t0, policy })).toThrow(IllegalTransitionError);
  });

  it('records each transition in the history with time, from, to and reason, and bumps the version', () => {
    const submitted = transition(accepted(), { to: 'SUBMITTED', reason: 'created as proc-1', now: t0 + 5, policy, changes: { remoteId: 'proc-1' } });
    expect(submitted.version).toBe(2);
    expect(submitted.history).toEqual([
      { at: t0, from: null, to: 'ACCEPTED', reason: 'received' },
      { at: t0 + 5, from: 'ACCEPTED', to: 'SUBMITTED', reason: 'created as proc-1' },
    ]);
  });

  it('bounds the history, keeping the first entry and counting what it dropped', () => {
    let task = transition(accepted(), { to: 'SUBMITTED', reason: 's', now: t0, policy });
    for (let i = 0; i < 3; i++) {
      task = transition(task, { to: 'FAILED', reason: `f${i}`, now: t0 + i, policy });
      task = transition(task, { to: 'RETRY_WAIT', reason: `w${i}`, now: t0 + i, policy });
      task = transition(task, { to: 'RUNNING', reason: `r${i}`, now: t0 + i, policy });
    }
    expect(task.history).toHaveLength(5);
    expect(task.history[0]!.to).toBe('ACCEPTED');
    expect(task.history.at(-1)!.reason).toBe('r2');
    expect(task.historyDropped).toBe(6);
  });

  it('keeps active tasks in the due index and takes terminal ones out, with a TTL', () => {
    const task = accepted();
    expect(task).toMatchObject({ dueShard: shardOf(task.taskId, 4), dueAt: t0 + 1000 });
    expect(task.expiresAt).toBeUndefined();
    const rejected = transition(task, { to: 'REJECTED', reason: 'bad', now: t0, policy });
    expect(rejected.dueShard).toBeUndefined();
    expect(rejected.dueAt).toBeUndefined();
    expect(rejected.expiresAt).toBe(Math.floor(t0 / 1000) + 30 * 86_400);
    const uncertain = transition(task, { to: 'UNCERTAIN', reason: 'unknown outcome', now: t0, policy });
    expect(uncertain.dueAt).toBeUndefined();
    expect(uncertain.expiresAt).toBeUndefined();
  });

  it('maps one requestId to one task id, spread over the shards', () => {
    expect(taskIdFor('a')).toBe(taskIdFor('a'));
    expect(taskIdFor('a')).not.toBe(taskIdFor('b'));
    const shards = new Set(Array.from({ length: 200 }, (_, i) => shardOf(taskIdFor(`r${i}`), 4)));
    expect([...shards].sort()).toEqual([0, 1, 2, 3]);
  });
});

describe('a transition applied from an index entry (transitionPatch)', () => {
  /** What a store does with a patch: set, remove, append the history entry. */
  function apply(task: Task, patch: ReturnType<typeof transitionPatch>): Task {
    const next = { ...task, ...patch.set, history: [...task.history, patch.historyEntry] } as Record<string, unknown>;
    for (const key of patch.remove) delete next[key];
    return next as unknown as Task;
  }

  it('gives the same task as transition(), for running, terminal and waiting targets', () => {
    const running = transition(transition(accepted(), { to: 'SUBMITTED', reason: 's', now: t0 + 5, policy, changes: { remoteId: 'p' }, dueAt: t0 + 30_000 }), {
      to: 'RUNNING',
      reason: 'r',
      now: t0 + 40_000,
      policy,
      dueAt: t0 + 90_000,
    });
    const cases = [
      { to: 'SUCCEEDED' as const, reason: 'done', now: t0 + 600_000, policy, changes: { remoteState: 'SUCCEEDED' } },
      {
        to: 'FAILED' as const,
        reason: 'failed',
        now: t0 + 600_000,
        policy,
        changes: { error: { reason: 'boom', source: 'backend' as const, at: t0 + 600_000 } },
        dueAt: t0 + 900_000,
      },
      {
        to: 'ABORTING' as const,
        reason: 'timeout',
        now: t0 + 600_000,
        policy,
        changes: { abort: { reason: 'timeout' as const, requestedAt: t0 + 600_000, calls: 1 } },
        dueAt: t0 + 630_000,
      },
    ];
    for (const options of cases) {
      const entry = { taskId: running.taskId, state: running.state, version: running.version, dueAt: running.dueAt };
      expect(apply(running, transitionPatch(entry, options))).toEqual(transition(running, options));
    }
  });

  it('refuses an illegal transition as transition() does', () => {
    expect(() => transitionPatch({ taskId: 't', state: 'ACCEPTED', version: 1 }, { to: 'SUCCEEDED', reason: 'x', now: t0, policy })).toThrow(
      IllegalTransitionError,
    );
  });
});

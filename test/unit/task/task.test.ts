import { describe, expect, it } from 'vitest';
import { allowedTransitions, IllegalTransitionError, isTerminal, taskStates, terminalStates } from '../../../lib/task/states.ts';
import { newTask, shardOf, taskIdFor, transition, type Task } from '../../../lib/task/task.ts';

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

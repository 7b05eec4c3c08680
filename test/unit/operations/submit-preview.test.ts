import { describe, expect, it } from 'vitest';
import { previewSubmit } from '../../../lib/operations/submit-preview.ts';
import type { TaskState } from '../../../lib/task/states.ts';
import { defaultTaskPolicy, newTask, type Task } from '../../../lib/task/task.ts';

const now = Date.parse('2026-12-01T12:00:00Z');
const request = { requestId: 'r-1', contentHash: 'h-1' };

function existing(state: TaskState, extra: Partial<Task> = {}): Task {
  return {
    ...newTask(
      {
        taskId: 't-000000000000000000000001',
        requestId: 'r-1',
        requestIdSource: 'client',
        backend: 'b',
        state,
        createdAt: now - 60_000,
        summary: {},
        contentHash: 'h-1',
      },
      'x',
      defaultTaskPolicy,
    ),
    ...extra,
  };
}

describe('what bulkpilot submit says a message will do', () => {
  it('sends a request with no task yet: it becomes a new task', () => {
    expect(previewSubmit(undefined, request, now)).toEqual({ send: true, message: 'it becomes a new task' });
  });

  it('does not send a request whose task has ended, and says how to run it again', () => {
    for (const state of ['FAILED_FINAL', 'ABORTED'] as const) {
      const p = previewSubmit(existing(state), request, now);
      expect(p.send).toBe(false);
      expect(p.message).toMatch(/has ended: the message would do nothing; `bulkpilot retry t-0+1` runs it again, or use --force-new/);
    }
    expect(previewSubmit(existing('SUCCEEDED'), request, now)).toMatchObject({ send: false, message: expect.stringMatching(/has ended.*--force-new/) });
  });

  it('does not send a deleted task, a different request under the same requestId, or one rejected before', () => {
    expect(previewSubmit(existing('SUCCEEDED', { deletedAt: now }), request, now).message).toMatch(/deleted: the message would do nothing/);
    expect(previewSubmit(existing('RUNNING', { contentHash: 'other' }), request, now)).toMatchObject({
      send: false,
      message: expect.stringMatching(/already used by task t-0+1 \(RUNNING\) for a different request; use a new requestId, or --force-new/),
    });
    expect(previewSubmit(existing('REJECTED', { error: { reason: 'dst: is required', source: 'validation', at: now } }), request, now).message).toMatch(
      /was rejected \(dst: is required\): the same request would be rejected again/,
    );
  });

  it('does not send a duplicate of a running task, nor one whose create is in flight', () => {
    expect(previewSubmit(existing('RUNNING'), request, now).message).toMatch(/is this request already: the message would change nothing/);
    const inFlight = existing('ACCEPTED', { create: { attempts: 1, startedAt: now - 1000, leaseUntil: now + 10_000, token: 'x' } });
    expect(previewSubmit(inFlight, request, now)).toMatchObject({
      send: false,
      message: expect.stringMatching(/still in progress: the message would change nothing/),
    });
  });

  it('sends a request whose create never finished: the message resumes it', () => {
    const stalled = existing('ACCEPTED', { create: { attempts: 1 } });
    expect(previewSubmit(stalled, request, now)).toEqual({
      send: true,
      message: 'it resumes task t-000000000000000000000001 (ACCEPTED), whose create did not finish',
    });
  });
});

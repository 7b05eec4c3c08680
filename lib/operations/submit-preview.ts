import { decideExisting } from '../submit/decisions.ts';
import type { Task } from '../task/task.ts';

/** What a message will do once the submit function reads it, told before it is sent. */
export type SubmitPreview = { send: true; message: string } | { send: false; message: string };

/**
 * The truth about a message whose requestId may already have a task: the submit function's own rule
 * (decideExisting) decides, so what `bulkpilot submit` says is what will happen.
 */
export function previewSubmit(existing: Task | undefined, request: { requestId: string; contentHash: string }, now: number): SubmitPreview {
  if (!existing) return { send: true, message: `it becomes a new task` };
  const task = `task ${existing.taskId} (${existing.state})`;
  const fresh = 'use --force-new to load it again as a new task';
  if (existing.deletedAt) return { send: false, message: `requestId ${request.requestId} belongs to ${task}, deleted: the message would do nothing; ${fresh}` };
  const decision = decideExisting(existing, request, '', now);
  switch (decision.kind) {
    case 'reused':
      return { send: false, message: `${decision.reason}, or --force-new to derive one` };
    case 'rejected-again':
      return {
        send: false,
        message: `${task} was rejected (${existing.error?.reason ?? 'see its history'}): the same request would be rejected again; fix it and use a new requestId`,
      };
    case 'duplicate':
      if (existing.state === 'FAILED_FINAL' || existing.state === 'ABORTED')
        return { send: false, message: `${task} has ended: the message would do nothing; \`bulkpilot retry ${existing.taskId}\` runs it again, or ${fresh}` };
      if (existing.state === 'SUCCEEDED' || existing.state === 'LOST')
        return { send: false, message: `${task} has ended: the message would do nothing; ${fresh}` };
      return { send: false, message: `${task} is this request already: the message would change nothing (\`bulkpilot watch ${existing.taskId}\`)` };
    case 'in-progress':
      return { send: false, message: `${decision.reason}: the message would change nothing` };
    case 'start-waiting':
      return { send: false, message: `${task} waits for a slot of its target; it starts when one frees (\`bulkpilot status ${existing.taskId}\`)` };
    case 'unrecorded':
    case 'claim-again':
    case 'own-intent':
      return { send: true, message: `it resumes ${task}, whose create did not finish` };
  }
}

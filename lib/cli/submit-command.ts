import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { requireVar } from '../config.ts';
import { previewSubmit } from '../operations/submit-preview.ts';
import { createSqsClient } from '../queue/sqs-client.ts';
import { type ImportRequest, parseImportRequest } from '../request/import-request.ts';
import { targetsFromEnv } from '../runtime/deployment-targets.ts';
import type { TaskStore } from '../store/task-store.ts';
import { taskIdFor } from '../task/task.ts';
import type { CliIo } from './main.ts';

export class SubmitRefusedError extends Error {}

/**
 * Validates a request, reads its task (if its requestId has one) and says what the message will do; sends
 * it only when it will do something. `forceNew` derives a fresh requestId, for loading the same data again.
 */
export async function submitRequest(
  body: string,
  io: CliIo,
  deps: { store: TaskStore; sqsOptions: Parameters<typeof createSqsClient>[0] },
  o: { json: boolean; forceNew: boolean },
): Promise<number> {
  const targets = targetsFromEnv(io.env);
  let request = parseImportRequest(body, targets);
  const queueUrl = requireVar(io.env, 'IMPORT_QUEUE_URL');
  if (o.forceNew) {
    ({ body, request } = await freshRequest(body, request, deps.store, targets, io.now()));
  }
  const taskId = taskIdFor(request.requestId);
  const preview = previewSubmit(await deps.store.get(taskId), request, io.now());
  if (!preview.send) throw new SubmitRefusedError(`not sent: ${preview.message}`);
  const { MessageId } = await createSqsClient(deps.sqsOptions).send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
  io.out(
    o.json
      ? JSON.stringify({ messageId: MessageId, requestId: request.requestId, taskId, ...(o.forceNew ? { forcedNew: true } : {}) }, null, 2)
      : `queued request ${request.requestId} as message ${MessageId}: ${preview.message.replace('it becomes a new task', `it becomes task ${taskId}`)}`,
  );
  return 0;
}

/** The same request under a requestId no task has: the original's with the time appended. */
async function freshRequest(
  body: string,
  request: ImportRequest,
  store: TaskStore,
  targets: ReturnType<typeof targetsFromEnv>,
  now: number,
): Promise<{ body: string; request: ImportRequest }> {
  const stamp = new Date(now)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.(\d+)Z$/, '$1Z');
  for (let n = 0; n < 10; n++) {
    const suffix = `-new-${stamp}${n ? `-${n}` : ''}`;
    const requestId = request.requestId.slice(0, 128 - suffix.length) + suffix;
    if (await store.get(taskIdFor(requestId))) continue;
    const fresh = JSON.stringify({ ...(JSON.parse(body) as object), requestId });
    return { body: fresh, request: parseImportRequest(fresh, targets) };
  }
  throw new SubmitRefusedError(`not sent: no free requestId derived from ${request.requestId}`);
}

import type { Logger } from '../logger.ts';
import type { MetricsSink } from '../observability/metrics.ts';
import { routeObject } from './file-routing.ts';
import type { ImportQueue, QueuedImport } from './import-queue.ts';
import type { FileRule } from './import-rules.ts';
import { type CreatedObject, isSkipped, objectOfEventBridge, objectsOfS3Notification, type Skipped } from './s3-events.ts';

export interface OnFileDependencies {
  rules: readonly FileRule[];
  queue: ImportQueue;
  logger: Logger;
  metrics?: MetricsSink;
}

export interface OnFileResult {
  /** Only for SQS-delivered notifications: the messages to deliver again. */
  batchItemFailures?: Array<{ itemIdentifier: string }>;
  enqueued: number;
}

/**
 * A file-arrival event in any of its shapes. SQS records succeed or fail one by one (partial batch
 * response); a direct S3 or EventBridge invocation fails as a whole, so Lambda's own retry repeats it —
 * harmless, as the derived requestIds make a repeated import one task.
 */
export async function handleFileEvent(event: unknown, deps: OnFileDependencies): Promise<OnFileResult> {
  const e = event as { Records?: Array<{ eventSource?: string; messageId?: string; body?: string }>; source?: string };
  if (e.source === 'aws.s3') return { enqueued: await importObjects([objectOfEventBridge(event)], deps) };
  const records = e.Records ?? [];
  if (records[0]?.eventSource !== 'aws:sqs') return { enqueued: await importObjects(objectsOfS3Notification(event), deps) };
  const failures: Array<{ itemIdentifier: string }> = [];
  let enqueued = 0;
  for (const record of records) {
    try {
      enqueued += await importObjects(objectsOfS3Notification(JSON.parse(record.body ?? '')), deps);
    } catch (error) {
      deps.logger.error('file notification failed; it will be delivered again', { messageId: record.messageId, error });
      failures.push({ itemIdentifier: record.messageId ?? '' });
    }
  }
  return { batchItemFailures: failures, enqueued };
}

async function importObjects(items: Array<CreatedObject | Skipped>, deps: OnFileDependencies): Promise<number> {
  const messages: QueuedImport[] = [];
  for (const item of items) {
    if (isSkipped(item)) {
      deps.logger.debug('notification skipped', { reason: item.reason });
      continue;
    }
    const routed = routeObject(item, deps.rules);
    if (routed.length === 0) {
      deps.logger.info('no rule matches the file', { bucket: item.bucket, key: item.key });
      deps.metrics?.count('FilesUnmatched', 1);
    }
    for (const { ruleId, request } of routed) {
      deps.logger.info('file arrival becomes an import request', { bucket: item.bucket, key: item.key, ruleId, requestId: request.requestId });
      messages.push({ body: JSON.stringify(request), sourceFile: `s3://${item.bucket}/${item.key}` });
    }
  }
  await deps.queue.enqueue(messages);
  return messages.length;
}

import type { Context, EventBridgeEvent, S3Event, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createTriggersRuntime, type TriggersRuntime } from '../lib/runtime/triggers-runtime.ts';
import { handleFileEvent } from '../lib/triggers/on-file.ts';

let runtime: TriggersRuntime | undefined;

/** File arrivals (S3 directly, through SQS, or through EventBridge) become import requests on the queue. */
export const handler = async (event: SQSEvent | S3Event | EventBridgeEvent<'Object Created', unknown>, context?: Context): Promise<SQSBatchResponse | void> => {
  runtime ??= createTriggersRuntime(process.env, 'on-file');
  const { rules, queue, logger, metrics, observability } = runtime;
  return observability.invoke(context, async () => {
    const result = await handleFileEvent(event, { rules: rules.fileRules, queue, logger, metrics });
    return result.batchItemFailures ? { batchItemFailures: result.batchItemFailures } : undefined;
  });
};

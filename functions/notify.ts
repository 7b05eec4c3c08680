import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { createNotifyRuntime, type NotifyRuntime } from '../lib/runtime/notify-runtime.ts';
import type { TaskStreamRecord } from '../lib/store/stream-images.ts';
import { handleTerminalTransitions } from '../lib/tracking/stream-processing.ts';

let runtime: NotifyRuntime | undefined;

export const handler = async (event: DynamoDBStreamEvent, context?: Context): Promise<DynamoDBBatchResponse> => {
  const deps = (runtime ??= createNotifyRuntime(process.env));
  return deps.observability.invoke(context, () => handleTerminalTransitions(event.Records as TaskStreamRecord[], deps));
};

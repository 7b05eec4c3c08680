import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { createNotifyRuntime, type NotifyRuntime } from '../lib/runtime/notify-runtime.ts';
import { terminalTransitions } from '../lib/runtime/stream-entry.ts';

let runtime: NotifyRuntime | undefined;

export const handler = async (event: DynamoDBStreamEvent, context?: Context): Promise<DynamoDBBatchResponse> => {
  runtime ??= createNotifyRuntime(process.env);
  const deps = runtime;
  return deps.observability.invoke(context, () => terminalTransitions(event, deps));
};

import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { failedTransitions } from '../lib/runtime/stream-entry.ts';
import { createTrackingRuntime } from '../lib/runtime/tracking-runtime.ts';

let runtime: ReturnType<typeof createTrackingRuntime> | undefined;

export const handler = async (event: DynamoDBStreamEvent, context?: Context): Promise<DynamoDBBatchResponse> => {
  // The retry function decides and writes; it never calls the backend (the poller does when the wait ends).
  runtime ??= createTrackingRuntime(process.env, { functionName: 'retry', connect: false });
  const { deps, observability } = await runtime;
  return observability.invoke(context, () => failedTransitions(event, deps));
};

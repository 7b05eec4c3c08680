import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { createTrackingRuntime } from '../lib/runtime/tracking-runtime.ts';
import type { TaskStreamRecord } from '../lib/store/stream-images.ts';
import { handleFailedTransitions } from '../lib/tracking/stream-processing.ts';

let runtime: ReturnType<typeof createTrackingRuntime> | undefined;

export const handler = async (event: DynamoDBStreamEvent, context?: Context): Promise<DynamoDBBatchResponse> => {
  // The retry function decides and writes; it never calls the backend (the poller does when the wait ends).
  const { deps, observability } = await (runtime ??= createTrackingRuntime(process.env, { functionName: 'retry', connect: false }));
  return observability.invoke(context, () => handleFailedTransitions(event.Records as TaskStreamRecord[], deps));
};

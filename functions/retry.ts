import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { createTrackingRuntime, type TrackingRuntime } from '../lib/runtime/tracking-runtime.ts';
import type { TaskStreamRecord } from '../lib/store/stream-images.ts';
import { handleFailedTransitions } from '../lib/tracking/stream-processing.ts';

let runtime: TrackingRuntime | undefined;

export const handler = async (event: DynamoDBStreamEvent, context?: Context): Promise<DynamoDBBatchResponse> => {
  // The retry function decides and writes; it never calls the backend (the poller does when the wait ends).
  runtime ??= createTrackingRuntime(process.env, { functionName: 'retry', withBackends: false });
  runtime.observability?.startInvocation(context);
  try {
    return await handleFailedTransitions(event.Records as TaskStreamRecord[], runtime.deps);
  } finally {
    runtime.observability?.endInvocation();
  }
};

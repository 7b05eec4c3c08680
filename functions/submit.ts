import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createSubmitRuntime, type SubmitRuntime } from '../lib/runtime/submit-runtime.ts';
import { submitBatch } from '../lib/submit/submit-batch.ts';

// Made on the first invocation and kept for the container's life (keep-alive pools, SDK clients).
let runtime: Promise<SubmitRuntime> | undefined;

export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  runtime ??= createSubmitRuntime(process.env);
  const { deps, concurrency, observability } = await runtime;
  return observability.invoke(context, async () => {
    const { batchItemFailures } = await submitBatch(event.Records, { remainingMs: () => context.getRemainingTimeInMillis() }, deps, concurrency);
    return { batchItemFailures };
  });
};

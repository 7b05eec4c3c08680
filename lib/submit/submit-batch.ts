import { mapWithConcurrency } from '../concurrency.ts';
import type { QueueRecord } from './queue-record.ts';
import { RetryLaterError } from './queue-record.ts';
import { type InvocationBudget, type SubmitDependencies, type SubmitOutcome, submitRecord } from './submit-record.ts';

export interface BatchResult {
  batchItemFailures: Array<{ itemIdentifier: string }>;
}

export interface BatchReport extends BatchResult {
  outcomes: Array<{ messageId: string; outcome: SubmitOutcome | { kind: 'retry'; reason: string } }>;
}

/**
 * A batch from the import queue. Each record succeeds or fails alone: a failure is reported as a partial
 * batch failure so SQS redelivers just that message (and its redrive policy dead-letters it in the end).
 */
export async function submitBatch(records: readonly QueueRecord[], budget: InvocationBudget, deps: SubmitDependencies, concurrency = 5): Promise<BatchReport> {
  const outcomes = await mapWithConcurrency(records, concurrency, async (record) => {
    try {
      return { messageId: record.messageId, outcome: await submitRecord(record, budget, deps) };
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      if (error instanceof RetryLaterError) deps.logger.info('record will be retried', { messageId: record.messageId, reason });
      else deps.logger.error('record failed unexpectedly; it will be redelivered', { messageId: record.messageId, error });
      return { messageId: record.messageId, outcome: { kind: 'retry' as const, reason } };
    }
  });
  return {
    outcomes,
    batchItemFailures: outcomes.filter((o) => o.outcome.kind === 'retry').map((o) => ({ itemIdentifier: o.messageId })),
  };
}

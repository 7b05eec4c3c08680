import type { DynamoDBStreamEvent } from 'aws-lambda';
import { type TaskStreamRecord, taskChanges } from '../store/stream-images.ts';
import { handleFailedTransitions, handleTerminalTransitions, type StreamBatchResult } from '../tracking/stream-processing.ts';
import type { TrackingDependencies } from '../tracking/tracking-deps.ts';

/** The retry function's entry: the table's stream records, decoded, to the retry decisions. */
export function failedTransitions(event: DynamoDBStreamEvent, deps: TrackingDependencies): Promise<StreamBatchResult> {
  return handleFailedTransitions(taskChanges(event.Records as TaskStreamRecord[]), deps);
}

/** The notify function's entry: the table's stream records, decoded, to the announcements. */
export function terminalTransitions(event: DynamoDBStreamEvent, deps: Parameters<typeof handleTerminalTransitions>[1]): Promise<StreamBatchResult> {
  return handleTerminalTransitions(taskChanges(event.Records as TaskStreamRecord[]), deps);
}

import { attributeTo } from '../cost/cost-ledger.ts';
import type { SlotStore } from '../limits/slots.ts';
import type { Logger } from '../logger.ts';
import type { TaskStore } from '../store/task-store.ts';
import { isTerminal } from '../task/states.ts';
import type { Task } from '../task/task.ts';
import { announceTerminal, announceUncertain, announceWarnings, type NotificationPublisher } from './notification.ts';
import { settleFailedTask } from './settle-failed.ts';
import type { TrackingDependencies } from './tracking-deps.ts';

export interface StreamBatchResult {
  batchItemFailures: Array<{ itemIdentifier: string }>;
}

/** One record of the tasks' change stream: its position, and the task before and after (decoded when read). */
export interface TaskChange {
  id: string;
  read(): { before?: Task; after?: Task };
}

/**
 * Records of one shard, in order. On the first failure the rest is left: Lambda resumes the shard from
 * the reported sequence number, so later records of the same task are never applied before earlier ones.
 * The filter patterns in serverless.yml already drop irrelevant records; the checks here keep a record
 * that slips through (or a local run without filters) harmless.
 */
async function inOrder(
  records: readonly TaskChange[],
  logger: Logger,
  apply: (before: Task | undefined, after: Task) => Promise<void>,
): Promise<StreamBatchResult> {
  for (const record of records) {
    try {
      const { before, after } = record.read();
      if (after) await apply(before, after);
    } catch (error) {
      logger.error('stream record failed; the shard resumes from it', { sequenceNumber: record.id, error });
      return { batchItemFailures: [{ itemIdentifier: record.id }] };
    }
  }
  return { batchItemFailures: [] };
}

export function isTransitionInto(state: Task['state'], before: Task | undefined, after: Task): boolean {
  return after.state === state && before?.state !== state;
}

/** The retry function: every transition into FAILED gets its retry decision. */
export function handleFailedTransitions(records: readonly TaskChange[], deps: TrackingDependencies): Promise<StreamBatchResult> {
  return inOrder(records, deps.logger, async (before, after) => {
    if (isTransitionInto('FAILED', before, after)) await attributeTo(deps.ledger, after.taskId, () => settleFailedTask(after.taskId, deps));
  });
}

/**
 * The notify function: every transition into a terminal state is announced once (and gives back the task's
 * concurrency slots, if its target is limited), and every warning a running task raises.
 */
export function handleTerminalTransitions(
  records: readonly TaskChange[],
  deps: Parameters<typeof announceTerminal>[1] & { slots?: SlotStore },
): Promise<StreamBatchResult> {
  return inOrder(records, deps.logger, async (before, after) => {
    if (isTerminal(after.state) && (!before || !isTerminal(before.state))) {
      // First the slots (idempotent, so a record delivered again is harmless): the next in line may start.
      if (after.slotScopes?.length && deps.slots) await deps.slots.release(after.taskId, after.slotScopes);
      // History pages live as long as their task: they get its expiry now that it has one.
      if (after.historyDropped) await deps.store.expireHistory(after);
      await attributeTo(deps.ledger, after.taskId, () => announceTerminal(after, deps));
    } else if (after.state === 'UNCERTAIN' && before?.state !== 'UNCERTAIN') await attributeTo(deps.ledger, after.taskId, () => announceUncertain(after, deps));
    else if (after.warnedAt !== undefined && after.warnedAt !== before?.warnedAt)
      await attributeTo(deps.ledger, after.taskId, () => announceWarnings(after, deps));
  });
}

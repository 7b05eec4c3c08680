// The import queue as SQS and the event source mapping treat it, on the harness's virtual clock: every
// visible message handed to the submit function in batches, several invocations at once; a failed item
// comes back after the visibility timeout, and the redrive policy moves it to the dead-letter queue
// instead of a sixth delivery. Shared by the fault-mix scenarios of every backend.
import { expect } from 'vitest';
import { mapWithConcurrency } from '../../lib/concurrency.ts';
import type { QueueRecord } from '../../lib/submit/queue-record.ts';
import { roundTripThroughQueue } from '../support/stack.ts';
import type { TrackingHarness } from '../support/tracking-harness.ts';

export type MessageEnd = 'submitted' | 'rejected' | 'uncertain' | 'duplicate' | 'waiting' | 'dead-lettered';

export interface QueuedMessage<L> {
  record: QueueRecord;
  lifecycle: L;
  receives: number;
  visibleAt: number;
  final?: MessageEnd;
}

const defaults = {
  batchSize: 10,
  concurrentInvocations: 3,
  /** serverless.yml's redrive policy of the import queue. */
  maxReceiveCount: 5,
  /** serverless.yml's VisibilityTimeout of the import queue. */
  visibilityTimeoutMs: 360_000,
};

export class VirtualQueue<L extends { body: string; taskId: string }> {
  readonly messages: Array<QueuedMessage<L>> = [];
  deliveries = 0;
  readonly #h: TrackingHarness;
  readonly #options: typeof defaults;

  constructor(h: TrackingHarness, options: Partial<typeof defaults> = {}) {
    this.#h = h;
    this.#options = { ...defaults, ...options };
  }

  /** Each lifecycle's body sent through the real queue once (so records are as SQS makes them). */
  async fill(lifecycles: L[]): Promise<void> {
    const byBody = new Map(lifecycles.map((l) => [l.body, l]));
    for (let i = 0; i < lifecycles.length; i += 50) {
      const records = await roundTripThroughQueue(
        this.#h.aws,
        lifecycles.slice(i, i + 50).map((l) => l.body),
      );
      for (const record of records) this.messages.push({ record, lifecycle: byBody.get(record.body)!, receives: 0, visibleAt: this.#h.clock.now() });
    }
    expect(this.messages).toHaveLength(lifecycles.length);
  }

  /** Hands every visible message to the submit function, in batches; failed items come back after the visibility timeout. */
  async deliverVisible(): Promise<void> {
    const h = this.#h;
    const { batchSize, concurrentInvocations, maxReceiveCount, visibilityTimeoutMs } = this.#options;
    const now = h.clock.now();
    const visible: Array<QueuedMessage<L>> = [];
    for (const m of this.messages) {
      if (m.final || m.visibleAt > now) continue;
      if (m.receives >= maxReceiveCount) m.final = 'dead-lettered';
      else visible.push(m);
    }
    const batches: Array<Array<QueuedMessage<L>>> = [];
    for (let i = 0; i < visible.length; i += batchSize) batches.push(visible.slice(i, i + batchSize));
    await mapWithConcurrency(batches, concurrentInvocations, async (batch) => {
      for (const m of batch) m.receives++;
      this.deliveries += batch.length;
      const result = await h.submit.invoke(batch.map((m) => ({ ...m.record, attributes: { ApproximateReceiveCount: String(m.receives) } })));
      const failed = new Set(result.batchItemFailures.map((f) => f.itemIdentifier));
      for (const m of batch) {
        const outcome = result.outcomes.find((o) => o.messageId === m.record.messageId)!.outcome;
        expect(failed.has(m.record.messageId)).toBe(outcome.kind === 'retry');
        if (outcome.kind === 'retry') m.visibleAt = h.clock.now() + visibilityTimeoutMs;
        else m.final = outcome.kind;
      }
    });
  }

  settled(): boolean {
    return this.messages.every((m) => m.final);
  }

  /** How the messages ended (`pending` for those still on the queue). */
  finals(): Record<string, number> {
    const finals: Record<string, number> = {};
    for (const m of this.messages) finals[m.final ?? 'pending'] = (finals[m.final ?? 'pending'] ?? 0) + 1;
    return finals;
  }

  deadLettered(): Set<string> {
    return new Set(this.messages.filter((m) => m.final === 'dead-lettered').map((m) => m.lifecycle.taskId));
  }
}

/** The ids of the tasks still in the poller's index, leaving out those whose message was dead-lettered. */
export async function activeTaskIds(h: TrackingHarness, excluded: Set<string>): Promise<string[]> {
  const ids: string[] = [];
  for (let shard = 0; shard < h.deps.settings.taskPolicy.shards; shard++) {
    for await (const page of h.store.queryActive(shard, Number.MAX_SAFE_INTEGER, 100)) ids.push(...page.map((t) => t.taskId));
  }
  return ids.filter((id) => !excluded.has(id));
}

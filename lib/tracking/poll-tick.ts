import { Semaphore } from '../concurrency.ts';
import { attributeTo } from '../cost/cost-ledger.ts';
import type { DueCursor, LeaseStore } from '../store/task-store.ts';
import { pollTask, type PollOutcome } from './poll-task.ts';
import type { TrackingDependencies } from './tracking-deps.ts';

export interface TickOptions {
  /** Who holds the shard leases (the invocation's request id). */
  owner: string;
  remainingMs(): number;
  /** Stop taking new tasks when less than this is left: one task may need an info call with its retries. */
  marginMs: number;
  /** Calls in flight to one backend (one master per backend here). */
  concurrencyPerBackend: number;
  pageSize: number;
}

// One status call can take connect + headers + body timeouts (23 s by default): the margin covers it.
export const defaultTickOptions = { marginMs: 25_000, concurrencyPerBackend: 16, pageSize: 100 };

export interface TickReport {
  shards: number;
  /** Shards another invocation was working on: skipped, so no task is processed twice at once. */
  shardsBusy: number;
  checked: number;
  outcomes: Record<PollOutcome | 'error', number>;
  /** Due tasks seen but not processed before the time budget ran out: the next tick takes them. */
  leftForNextTick: number;
}

/**
 * One scheduled run of the poller. Reads due tasks from the sparse index only (never a scan), shard by
 * shard, oldest first, each shard under a lease so overlapping invocations split the work instead of
 * repeating it; stops taking work when the invocation's time runs low, so a backlog drains over ticks.
 */
export async function pollTick(deps: TrackingDependencies & { leases: LeaseStore }, options: TickOptions): Promise<TickReport> {
  const shards = deps.settings.taskPolicy.shards;
  const report: TickReport = { shards, shardsBusy: 0, checked: 0, outcomes: { changed: 0, unchanged: 0, 'info-failed': 0, 'not-found': 0, skipped: 0, error: 0 }, leftForNextTick: 0 };
  const limiters = new Map<string, Semaphore>();
  const limiterFor = (backend: string) => {
    let limiter = limiters.get(backend);
    if (!limiter) limiters.set(backend, (limiter = new Semaphore(options.concurrencyPerBackend)));
    return limiter;
  };
  const timeLeft = () => options.remainingMs() > options.marginMs;

  const workShard = async (shard: number) => {
    const lease = `poll-shard-${shard}`;
    if (!(await deps.leases.acquire(lease, options.owner, deps.clock.now(), Math.max(1_000, options.remainingMs())))) {
      report.shardsBusy++;
      return;
    }
    try {
      let cursor: DueCursor | undefined;
      do {
        const page = await deps.store.queryDue(shard, deps.clock.now(), { limit: options.pageSize, ...(cursor ? { after: cursor } : {}) });
        cursor = page.next;
        await Promise.all(
          page.refs.map((ref) =>
            limiterFor(ref.backend).run(async () => {
              if (!timeLeft()) {
                report.leftForNextTick++;
                return;
              }
              report.checked++;
              // How late the check is against its due time: the poll-lag alarm watches the maximum.
              deps.metrics?.milliseconds('PollLag', Math.max(0, deps.clock.now() - ref.dueAt));
              try {
                report.outcomes[await attributeTo(deps.ledger, ref.taskId, () => pollTask(ref.taskId, deps))]++;
              } catch (error) {
                report.outcomes.error++;
                deps.logger.error('poll of a task failed; it stays due for the next tick', { taskId: ref.taskId, error });
              }
            }),
          ),
        );
      } while (cursor && timeLeft());
      if (cursor) report.leftForNextTick++; // at least one more page waits
    } finally {
      await deps.leases.release(lease, options.owner);
    }
  };

  // A shard that fails (a throttled query, a lease write) must not end the invocation under the others'
  // feet: each is settled on its own, and what it left stays due for the next tick.
  const results = await Promise.allSettled(Array.from({ length: shards }, (_, shard) => workShard(shard)));
  for (const [shard, result] of results.entries()) {
    if (result.status === 'rejected') {
      report.outcomes.error++;
      deps.logger.error('poll of a shard failed; its tasks stay due for the next tick', { shard, error: result.reason });
    }
  }
  return report;
}

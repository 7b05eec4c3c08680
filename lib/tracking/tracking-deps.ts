import type { RerunKind } from '../backends/backend.ts';
import type { BackendRegistry } from '../backends/registry.ts';
import type { Clock } from '../clock.ts';
import type { CostLedger } from '../cost/cost-ledger.ts';
import type { Logger } from '../logger.ts';
import type { MetricsSink } from '../observability/metrics.ts';
import type { TaskStore } from '../store/task-store.ts';
import type { TaskPolicy } from '../task/task.ts';
import type { PollPolicy } from './poll-policy.ts';
import type { RetryPolicy } from './retry-policy.ts';

export interface TrackingSettings {
  taskPolicy: TaskPolicy;
  poll: PollPolicy;
  retry: RetryPolicy;
}

/** What the poller, the retry function and operator operations share. */
export interface TrackingDependencies {
  store: TaskStore;
  backends: BackendRegistry;
  clock: Clock;
  random: () => number;
  logger: Logger;
  metrics?: MetricsSink;
  ledger?: CostLedger;
  settings: TrackingSettings;
  /**
   * How a task's backend runs a failed job again, where known without a connection (the retry function
   * has none): a backend that cannot makes its failures final at once.
   */
  rerunKindOf?: (task: { target?: string | undefined; backend: string }) => RerunKind | undefined;
}

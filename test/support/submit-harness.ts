// The submit path wired to real parts: DynamoDB Local, fauxqs and a simulated bulk load master.
import { LindormBulkloadBackend } from '../../lib/backends/lindorm/backend.ts';
import { LindormBulkloadClient } from '../../lib/backends/lindorm/client.ts';
import { BackendRegistry } from '../../lib/backends/registry.ts';
import { createJsonLogger, type Logger } from '../../lib/logger.ts';
import type { MetricsSink } from '../../lib/observability/metrics.ts';
import { SqsDeadLetterSink } from '../../lib/queue/sqs-dead-letter-sink.ts';
import { DynamoDbTaskStore } from '../../lib/store/dynamodb-task-store.ts';
import type { TaskStore } from '../../lib/store/task-store.ts';
import type { QueueRecord } from '../../lib/submit/queue-record.ts';
import { submitBatch } from '../../lib/submit/submit-batch.ts';
import { defaultSubmitSettings, type SubmitDependencies, type SubmitSettings } from '../../lib/submit/submit-record.ts';
import { defaultTaskPolicy } from '../../lib/task/task.ts';
import type { LindormMaster } from '../../local/lindorm-master/simulator.ts';
import { FakeClock } from './fake-clock.ts';
import type { TestAws } from './stack.ts';
import { lindormTargets } from './targets.ts';

export interface SubmitHarness {
  deps: SubmitDependencies;
  store: DynamoDbTaskStore;
  clock: FakeClock;
  logLines: Array<Record<string, unknown>>;
  /** One invocation with plenty of time left (override remainingMs to test the time guard). */
  invoke(records: QueueRecord[], remainingMs?: number): ReturnType<typeof submitBatch>;
  close(): Promise<void>;
}

export function createSubmitHarness(
  aws: TestAws,
  master: LindormMaster,
  options: {
    settings?: Partial<SubmitSettings>;
    wrapStore?: (store: TaskStore) => TaskStore;
    clientTimeouts?: { connectMs: number; headersMs: number; bodyMs: number };
    clock?: FakeClock;
    logger?: Logger;
    metrics?: MetricsSink;
    masterUrl?: string;
  } = {},
): SubmitHarness {
  const clock = options.clock ?? new FakeClock();
  const logLines: Array<Record<string, unknown>> = [];
  const store = new DynamoDbTaskStore({ client: aws.dynamodb, tableName: aws.tableName });
  const client = new LindormBulkloadClient({
    baseUrl: options.masterUrl ?? master.url,
    timeouts: options.clientTimeouts ?? { connectMs: 1_000, headersMs: 2_000, bodyMs: 2_000 },
    keepAliveTimeoutMs: 200,
    clock,
  });
  const backends = new BackendRegistry([new LindormBulkloadBackend(client)]);
  const deps: SubmitDependencies = {
    store: options.wrapStore ? options.wrapStore(store) : store,
    targets: lindormTargets(options.masterUrl ?? master.url),
    backends,
    deadLetters: new SqsDeadLetterSink({ client: aws.sqs, queueUrl: aws.dlqUrl }),
    clock,
    logger: options.logger ?? createJsonLogger({ level: 'debug', write: (line) => logLines.push(JSON.parse(line) as Record<string, unknown>) }),
    ...(options.metrics ? { metrics: options.metrics } : {}),
    settings: { ...defaultSubmitSettings, taskPolicy: defaultTaskPolicy, ...options.settings },
  };
  return {
    deps,
    store,
    clock,
    logLines,
    invoke: (records, remainingMs = 60_000) => submitBatch(records, { remainingMs: () => remainingMs }, deps),
    close: () => backends.close(),
  };
}

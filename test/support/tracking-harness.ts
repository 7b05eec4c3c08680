// Whole task lifecycles on real parts: the submit path, the poller, the retry and notify functions fed by
// the table's DynamoDB Local stream with serverless.yml's filter patterns, SNS on fauxqs, and a simulated
// master, all on one virtual clock. `tick()` is one minute of bulkpilot.

import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { SNSClient } from '@aws-sdk/client-sns';
import { DeleteMessageCommand } from '@aws-sdk/client-sqs';
import { inject } from 'vitest';
import type { Backend, TargetLimits } from '../../lib/backends/backend.ts';
import { LindormBulkloadBackend } from '../../lib/backends/lindorm/backend.ts';
import { LindormBulkloadClient } from '../../lib/backends/lindorm/client.ts';
import { BackendRegistry } from '../../lib/backends/registry.ts';
import type { CostLedger } from '../../lib/cost/cost-ledger.ts';
import { createJsonLogger, type Logger } from '../../lib/logger.ts';
import { SnsPublisher } from '../../lib/notify/sns-publisher.ts';
import { metered } from '../../lib/observability/metered-backend.ts';
import type { MetricsSink } from '../../lib/observability/metrics.ts';
import { SqsImportQueue } from '../../lib/queue/sqs-import-queue.ts';
import { seededRandom } from '../../lib/random.ts';
import { DynamoDbSlotStore } from '../../lib/store/dynamodb-slot-store.ts';
import { DynamoDbTaskStore } from '../../lib/store/dynamodb-task-store.ts';
import { type TaskStreamRecord, taskChanges } from '../../lib/store/stream-images.ts';
import type { Targets } from '../../lib/targets/targets.ts';
import type { Task } from '../../lib/task/task.ts';
import { defaultTaskPolicy, taskIdFor } from '../../lib/task/task.ts';
import { defaultPollPolicy } from '../../lib/tracking/poll-policy.ts';
import { pollTick, type TickReport } from '../../lib/tracking/poll-tick.ts';
import { defaultRetryPolicy } from '../../lib/tracking/retry-policy.ts';
import { handleFailedTransitions, handleTerminalTransitions } from '../../lib/tracking/stream-processing.ts';
import type { TrackingDependencies, TrackingSettings } from '../../lib/tracking/tracking-deps.ts';
import { startWaitingTasks } from '../../lib/tracking/waiting-starter.ts';
import { type LindormMaster, type LindormMasterOptions, startLindormMaster } from '../../local/lindorm-master/simulator.ts';
import { provisionTable, provisionTopic } from '../../local/provision/provision.ts';
import { readServerlessConfig } from '../../local/provision/serverless-resources.ts';
import { DynamoDbStreamEventSource, DynamoDbStreamReader } from '../../local/stack/dynamodb-stream-source.ts';
import { filterPatternsOf } from '../../local/stack/event-filter.ts';
import { FakeClock } from './fake-clock.ts';
import { receiveAll, roundTripThroughQueue, type TestAws } from './stack.ts';
import { createSubmitHarness, type SubmitHarness } from './submit-harness.ts';
import { targetsOf } from './targets.ts';

export interface TrackingHarness {
  /** The shared parts with this harness's own table (env.TASKS_TABLE names it). */
  aws: TestAws;
  clock: FakeClock;
  master: LindormMaster;
  store: DynamoDbTaskStore;
  deps: TrackingDependencies;
  submit: SubmitHarness;
  logLines: Array<Record<string, unknown>>;
  /** Submits requests through the queue and the submit path; returns their task ids. */
  submitRequests(requests: Array<Record<string, unknown>>): Promise<string[]>;
  /** Advances the clock, runs one poll tick, then lets the stream functions catch up. */
  /** Advances the clock (a minute by default) and runs one poll invocation; `passWindowMs` adds passes as in Lambda. */
  tick(options?: { advanceMs?: number; remainingMs?: () => number; owner?: string; passWindowMs?: number }): Promise<TickReport>;
  /** Ticks until every given task is in one of `states` (or throws after `maxTicks`). */
  runUntil(taskIds: string[], states: Task['state'][], maxTicks?: number): Promise<Task[]>;
  /** Lets the retry and notify functions process every stream record so far. */
  drainStreams(): Promise<void>;
  notifications(): Promise<Array<Record<string, unknown>>>;
  get(taskId: string): Promise<Task>;
  /** With limits: a targets file naming the limited `lindorm` target, as an operator's CLI would read it. */
  targetsFile?: string;
  close(): Promise<void>;
}

export async function createTrackingHarness(
  sharedAws: TestAws,
  options: {
    master?: LindormMasterOptions;
    settings?: Partial<TrackingSettings>;
    seed?: number;
    /** The clock of the simulators the targets drive (a new one otherwise). */
    clock?: FakeClock;
    logger?: Logger;
    metrics?: MetricsSink;
    ledger?: CostLedger;
    masterUrl?: (url: string) => string;
    /** Other targets instead of the simulated Lindorm master (fake backends), with the targets that route to them. */
    targets?: { backends: Backend[]; targets: Targets };
    /** Concurrency limits of the `lindorm` target: slots taken and given back, waiting lines started each tick. */
    limits?: TargetLimits;
  } = {},
): Promise<TrackingHarness> {
  // Its own table: the active tasks and shard checkpoints of one test never meet another's (time restarts).
  const tableName = `${sharedAws.tableName}-${randomUUID().slice(0, 6)}`;
  await provisionTable(sharedAws.dynamodb, { tableName });
  const aws: TestAws = { ...sharedAws, tableName, env: { ...sharedAws.env, TASKS_TABLE: tableName } };
  const clock = options.clock ?? new FakeClock();
  const master = await startLindormMaster({
    clock,
    stages: [
      { name: 'PREPARE', durationMs: 60_000 },
      { name: 'BULKLOAD', durationMs: 5 * 60_000 },
      { name: 'WAIT_FOR_SUCCESS', durationMs: 2 * 60_000 },
    ],
    ...options.master,
  });
  const logLines: Array<Record<string, unknown>> = [];
  const logger = options.logger ?? createJsonLogger({ level: 'debug', write: (line) => logLines.push(JSON.parse(line) as Record<string, unknown>) });
  const masterUrl = options.masterUrl ? options.masterUrl(master.url) : master.url;
  const store = new DynamoDbTaskStore({ client: aws.dynamodb, tableName: aws.tableName, ...(options.ledger ? { ledger: options.ledger } : {}) });
  const client = new LindormBulkloadClient({
    baseUrl: masterUrl,
    clock,
    timeouts: { connectMs: 1_000, headersMs: 400, bodyMs: 400 },
    keepAliveTimeoutMs: 200,
    infoRetry: { maxAttempts: 2 },
  });
  const lindorm = new LindormBulkloadBackend(client);
  const deps: TrackingDependencies = {
    store,
    backends: options.targets
      ? new BackendRegistry(options.targets.backends, { targetOf: (task) => options.targets!.targets.targetOf(task) })
      : new BackendRegistry([options.metrics ? metered(lindorm, options.metrics, options.ledger) : lindorm]),
    clock,
    random: seededRandom(options.seed ?? 7),
    logger,
    ...(options.metrics ? { metrics: options.metrics } : {}),
    ...(options.ledger ? { ledger: options.ledger } : {}),
    settings: { taskPolicy: defaultTaskPolicy, poll: defaultPollPolicy, retry: defaultRetryPolicy, ...options.settings },
  };
  const submit = createSubmitHarness(aws, master, { clock, logger, masterUrl, ...(options.metrics ? { metrics: options.metrics } : {}) });
  const slots = options.limits ? new DynamoDbSlotStore({ client: aws.dynamodb, tableName: aws.tableName }) : undefined;
  let targetsFile: string | undefined;
  if (options.limits) {
    const document = { targets: { lindorm: { backend: 'lindorm-bulkload', url: masterUrl, ...options.limits } } };
    submit.deps.targets = targetsOf(document);
    submit.deps.slots = slots!;
    targetsFile = join(mkdtempSync(join(tmpdir(), 'bulkpilot-limits-')), 'targets.json');
    writeFileSync(targetsFile, JSON.stringify(document));
  }
  // The submit path shares this harness's store and backends (and so its cost ledger and metrics).
  submit.deps.store = store;
  submit.deps.backends = deps.backends;
  if (options.targets) submit.deps.targets = options.targets.targets;
  if (options.ledger) submit.deps.ledger = options.ledger;

  const endpoint = inject('sqsEndpoint');
  const sns = new SNSClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const suffix = crypto.randomUUID().slice(0, 8);
  const topic = await provisionTopic(sns, aws.sqs, { topicName: `events-${suffix}`, subscribeQueueName: `notes-${suffix}` });
  const publisher = new SnsPublisher({ client: sns, topicArn: topic.arn });

  const streams = new DynamoDBStreamsClient({
    endpoint: inject('dynamodbEndpoint'),
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const functions = readServerlessConfig().functions;
  const streamSource = (
    name: 'retry' | 'notify',
    handler: (records: TaskStreamRecord[]) => Promise<{ batchItemFailures: Array<{ itemIdentifier: string }> }>,
  ) =>
    new DynamoDbStreamEventSource({
      reader: new DynamoDbStreamReader({ dynamodb: aws.dynamodb, streams, tableName: aws.tableName }),
      handler: (event) => handler(event.Records as TaskStreamRecord[]),
      filterPatterns: filterPatternsOf(functions[name]!.events![0]!.stream),
      onError: (error) => logger.error('stream handler failed', { function: name, error }),
    });
  const retrySource = streamSource('retry', (records) => handleFailedTransitions(taskChanges(records), deps));
  const notifySource = streamSource('notify', (records) =>
    handleTerminalTransitions(taskChanges(records), {
      store,
      publisher,
      logger,
      ...(slots ? { slots } : {}),
      ...(options.metrics ? { metrics: options.metrics } : {}),
      ...(options.ledger ? { ledger: options.ledger } : {}),
    }),
  );

  const drainStreams = async () => {
    // The retry function writes RETRY_WAIT or FAILED_FINAL, which the notify function then sees.
    for (let i = 0; i < 5; i++) {
      const delivered = (await retrySource.pump()) + (await notifySource.pump());
      if (delivered === 0) return;
    }
  };
  const tick: TrackingHarness['tick'] = async (o = {}) => {
    clock.advance(o.advanceMs ?? 60_000);
    const report = await pollTick(
      { ...deps, checkpoints: store },
      {
        owner: o.owner ?? 'tick',
        remainingMs: o.remainingMs ?? (() => 60_000),
        marginMs: 15_000,
        concurrencyPerTarget: 8,
        pageSize: 25,
        ...(o.passWindowMs ? { passIntervalMs: deps.settings.poll.nearEndIntervalMs, passesUntil: clock.now() + o.passWindowMs } : {}),
      },
    );
    await drainStreams();
    if (slots && options.limits) {
      // The poll function's second half: freed slots start the head of the line through the import queue.
      const queue = new SqsImportQueue({ client: aws.sqs, queueUrl: aws.queueUrl });
      const lines = await startWaitingTasks([{ name: 'lindorm', limits: options.limits }], {
        store,
        slots,
        queue,
        clock,
        logger,
        ...(options.metrics ? { metrics: options.metrics } : {}),
      });
      if (lines.started > 0) {
        const messages = await receiveAll(aws.sqs, aws.queueUrl, lines.started);
        for (const m of messages) await aws.sqs.send(new DeleteMessageCommand({ QueueUrl: aws.queueUrl, ReceiptHandle: m.ReceiptHandle }));
        // What a batch hands back is delivered again, as SQS would after the visibility timeout.
        let records = messages.map((m) => ({ messageId: m.MessageId!, body: m.Body! }));
        for (let round = 0; records.length && round < 10; round++) {
          const { batchItemFailures } = await submit.invoke(records);
          const failed = new Set(batchItemFailures.map((f) => f.itemIdentifier));
          records = records.filter((r) => failed.has(r.messageId));
        }
        await drainStreams();
      }
    }
    return report;
  };
  const get = async (taskId: string) => (await store.get(taskId))!;

  return {
    ...(targetsFile ? { targetsFile } : {}),
    aws,
    clock,
    master,
    store,
    deps,
    submit,
    logLines,
    tick,
    drainStreams,
    get,
    async submitRequests(requests) {
      const records = await roundTripThroughQueue(
        aws,
        requests.map((r) => JSON.stringify(r)),
      );
      const result = await submit.invoke(records);
      await drainStreams();
      // In the order of the requests (SQS may hand them back in another), each by its own requestId.
      return requests.map((request) => {
        if (typeof request.requestId === 'string') return taskIdFor(request.requestId);
        const record = records.find((r) => r.body === JSON.stringify(request))!;
        return (result.outcomes.find((o) => o.messageId === record.messageId)!.outcome as { taskId: string }).taskId;
      });
    },
    async runUntil(taskIds, states, maxTicks = 200) {
      for (let i = 0; i < maxTicks; i++) {
        const tasks = await Promise.all(taskIds.map(get));
        if (tasks.every((t) => states.includes(t.state))) return tasks;
        await tick();
      }
      const tasks = await Promise.all(taskIds.map(get));
      throw new Error(`after ${maxTicks} ticks: ${tasks.map((t) => `${t.taskId}=${t.state}`).join(', ')}`);
    },
    async notifications() {
      const messages = await receiveAll(aws.sqs, topic.subscriberQueueUrl!, Number.MAX_SAFE_INTEGER, 300);
      return messages.map((m) => JSON.parse(m.Body!) as Record<string, unknown>);
    },
    async close() {
      await submit.close();
      await deps.backends.close();
      await master.close();
    },
  };
}

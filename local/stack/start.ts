// `npm start`: bulkpilot on this machine. DynamoDB Local, fauxqs (SQS, SNS), the simulators of the four
// systems (the bulk load master, the Linkis gateway, Huawei Cloud's IAM, CDM and DIS; or the real ones, by
// environment), declared as four targets in a targets file beside the stack's state; the table, queues and
// topic of serverless.yml; and every function of serverless.yml fed by its events with Lambda's semantics (SQS
// batches with partial failures, DynamoDB stream records through the filter patterns, schedules).
// Ctrl-C or SIGTERM stops everything; Java dies with us even if we are killed (emulators/dynamodb-local.ts).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createJsonLogger } from '../../lib/logger.ts';
import { createOperatorRuntime } from '../../lib/runtime/tracking-runtime.ts';
import { startDynamoDbLocal } from '../emulators/dynamodb-local.ts';
import { startLocalFauxqs } from '../emulators/fauxqs.ts';
import { freePort } from '../emulators/free-port.ts';
import { DEFAULT_ACCESS_KEY, DEFAULT_PROJECT, DEFAULT_STREAM, startHuaweiCloud } from '../huawei-cloud/simulator.ts';
import { startLindormMaster } from '../lindorm-master/simulator.ts';
import { startLinkisGateway } from '../linkis-gateway/simulator.ts';
import { provisionQueue, provisionTable, provisionTopic } from '../provision/provision.ts';
import { readServerlessConfig } from '../provision/serverless-resources.ts';
import { loadState, saveState } from '../sim-kit/saved-state.ts';
import type { EventSourceCheckpoint } from './dynamodb-stream-source.ts';
import { DynamoDbStreamEventSource, DynamoDbStreamReader } from './dynamodb-stream-source.ts';
import { filterPatternsOf } from './event-filter.ts';
import { functionEnvironment } from './function-environment.ts';
import { startReportServer } from './report-server.ts';
import { S3NotificationBridge } from './s3-notification-bridge.ts';
import { ScheduleSource } from './schedule-source.ts';
import { SqsEventSource } from './sqs-event-source.ts';

const stage = 'local';
const stateFile = process.env.BULKPILOT_LOCAL_STATE ?? new URL('../../.local/stack.json', import.meta.url).pathname;
// Beside the state file, so two stacks (a test's and yours) never share one.
const targetsFile = join(dirname(stateFile), 'targets.json');
const region = 'us-east-1';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
// Stopped in the reverse order of their start (each start unshifts its stop): functions before the emulators they use.
const stops: Array<() => Promise<void>> = [];
const log = (fields: Record<string, unknown>) => console.error(JSON.stringify({ time: new Date().toISOString(), stack: 'local', ...fields }));

/** Ports that were taken, so another was used: said in the banner, since exports from an earlier run now point elsewhere. */
const movedPorts: string[] = [];

async function portOr(preferred: number, what: string, variable: string): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () =>
      freePort().then((port) => {
        movedPorts.push(`${what}: port ${preferred} is taken (another process, or an earlier stack), so it is on ${port} (${variable} chooses)`);
        resolve(port);
      }),
    );
    probe.listen(preferred, '127.0.0.1', () => probe.close(() => resolve(preferred)));
  });
}

/** `!GetAtt X.Arn` / `!GetAtt X.StreamArn` → X. */
function logicalIdOf(ref: unknown): string {
  const id = (ref as { 'Fn::GetAtt'?: string[] } | undefined)?.['Fn::GetAtt']?.[0];
  if (!id) throw new Error(`serverless.yml: an event source must be !GetAtt <Resource>.Arn, got ${JSON.stringify(ref)}`);
  return id;
}

const scheduleSeconds = Number(process.env.LOCAL_SCHEDULE_SECONDS ?? 10);

// BULKPILOT_LOCAL_DATA=<dir>: everything kept there, so a stop and a start carry on where they were —
// tasks, the waiting line and slots (DynamoDB Local's files), messages, topics and objects (fauxqs' SQLite),
// the simulated systems' jobs, the stream readers' checkpoints and the files already notified. Without it,
// everything is in memory.
const dataDir = process.env.BULKPILOT_LOCAL_DATA ? resolve(process.env.BULKPILOT_LOCAL_DATA) : undefined;
const kept = (name: string) => (dataDir === undefined ? undefined : join(dataDir, name));
const savedIn = (name: string) => (dataDir === undefined ? {} : { stateFile: join(dataDir, name) });

/**
 * The local targets' concurrency limits: Lindorm at most 4 jobs, one per table (two loads into one table fight
 * each other), so the demo shows a load waiting for its table; LOCAL_LIMITS (JSON, target → limits) replaces them.
 */
function localLimits(): Record<string, { maxConcurrent?: number; maxConcurrentPerDestination?: number }> {
  const text = process.env.LOCAL_LIMITS;
  if (text === undefined || text === '') return { lindorm: { maxConcurrent: 4, maxConcurrentPerDestination: 1 } };
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as ReturnType<typeof localLimits>;
  } catch {
    // reported below
  }
  throw new Error(`LOCAL_LIMITS must be a JSON object of target name → { "maxConcurrent": n, "maxConcurrentPerDestination": n }, got ${text}`);
}

async function main() {
  const config = readServerlessConfig();
  const name = (suffix: string) => `${config.service}-${stage}-${suffix}`;

  const [dynamodb, fauxqs] = await Promise.all([
    startDynamoDbLocal({
      port: await portOr(Number(process.env.DYNAMODB_LOCAL_PORT ?? 8000), 'DynamoDB Local', 'DYNAMODB_LOCAL_PORT'),
      ...(dataDir ? { dataDir: join(dataDir, 'dynamodb') } : {}),
    }),
    startLocalFauxqs({
      port: await portOr(Number(process.env.FAUXQS_PORT ?? 4566), 'fauxqs', 'FAUXQS_PORT'),
      ...(dataDir ? { dataDir: join(dataDir, 'fauxqs') } : {}),
    }),
  ]);
  stops.unshift(
    () => dynamodb.stop(),
    () => fauxqs.stop(),
  );

  let masterUrl = process.env.BDS_MASTER_URL;
  let masterNote = 'real master (BDS_MASTER_URL)';
  if (!masterUrl) {
    const master = await startLindormMaster({
      port: await portOr(Number(process.env.SIM_PORT ?? 12311), 'the bulk load master', 'SIM_PORT'),
      ...savedIn('lindorm-master.json'),
    });
    stops.unshift(() => master.close());
    masterUrl = master.url;
    masterNote = 'simulator (sim.failAt=<STAGE> [sim.failTimes=N] in sparkAdditionalParams makes a run fail)';
  }

  // Linkis: the gateway simulator with one token (or a real gateway: LINKIS_URL, LINKIS_USER, LINKIS_TOKEN).
  let linkisUrl = process.env.LINKIS_URL;
  let linkisNote = 'real gateway (LINKIS_URL), token auth as LINKIS_USER';
  const linkisUser = process.env.LINKIS_USER ?? 'hadoop';
  process.env.LINKIS_TOKEN ??= 'bulkpilot-local-token';
  if (!linkisUrl) {
    const gateway = await startLinkisGateway({
      port: await portOr(Number(process.env.LINKIS_SIM_PORT ?? 9001), 'the Linkis gateway', 'LINKIS_SIM_PORT'),
      tokens: [{ token: process.env.LINKIS_TOKEN, user: linkisUser }],
      users: [{ userName: linkisUser, password: process.env.LINKIS_PASSWORD ?? 'hadoop' }],
      // Long enough to watch progress and logs, short enough for a demo (LINKIS_SIM_RUN_MS).
      durations: { initedMs: 2_000, scheduledMs: 3_000, runningMs: Number(process.env.LINKIS_SIM_RUN_MS ?? 20_000) },
      ...savedIn('linkis-gateway.json'),
    });
    stops.unshift(() => gateway.close());
    linkisUrl = gateway.url;
    linkisNote = 'simulator (sim.fail=true [sim.failTimes=N] in a comment of the code makes a run fail)';
  }
  // Huawei Cloud: the IAM, CDM and DIS simulator, signed with its AK/SK (or your project: HUAWEI_CDM_URL,
  // HUAWEI_DIS_URL, HUAWEI_PROJECT_ID, HW_AK, HW_SK).
  let cdmUrl = process.env.HUAWEI_CDM_URL;
  let disUrl = process.env.HUAWEI_DIS_URL;
  let huaweiNote = 'your project (HUAWEI_CDM_URL, HUAWEI_DIS_URL), AK/SK from HW_AK and HW_SK';
  const projectId = process.env.HUAWEI_PROJECT_ID ?? DEFAULT_PROJECT.id;
  if (!cdmUrl || !disUrl) {
    const cloud = await startHuaweiCloud({
      ports: {
        iam: await portOr(Number(process.env.HUAWEI_IAM_SIM_PORT ?? 12340), 'Huawei IAM', 'HUAWEI_IAM_SIM_PORT'),
        cdm: await portOr(Number(process.env.HUAWEI_CDM_SIM_PORT ?? 12341), 'Huawei CDM', 'HUAWEI_CDM_SIM_PORT'),
        dis: await portOr(Number(process.env.HUAWEI_DIS_SIM_PORT ?? 12342), 'Huawei DIS', 'HUAWEI_DIS_SIM_PORT'),
      },
      ...savedIn('huawei-cloud.json'),
    });
    stops.unshift(() => cloud.close());
    cdmUrl = cloud.cdmUrl;
    disUrl = cloud.disUrl;
    process.env.HW_AK ??= DEFAULT_ACCESS_KEY.ak;
    process.env.HW_SK ??= DEFAULT_ACCESS_KEY.sk;
    huaweiNote = `simulator: CDM clusters ${cloud.cdm
      .clusters()
      .map((c) => c.id)
      .join(', ')}, DIS stream ${DEFAULT_STREAM}`;
  }
  const huaweiAuth = { type: 'aksk', accessKey: { env: 'HW_AK' }, secretKey: { env: 'HW_SK' } };

  // The deployment's targets: Lindorm (the default, as BDS_MASTER_URL alone would give), Linkis, CDM and DIS.
  mkdirSync(dirname(targetsFile), { recursive: true });
  const limits = localLimits();
  writeFileSync(
    targetsFile,
    `${JSON.stringify(
      {
        default: 'lindorm',
        targets: {
          lindorm: { backend: 'lindorm-bulkload', url: masterUrl, ...limits.lindorm },
          linkis: { backend: 'linkis', url: linkisUrl, auth: { type: 'token', user: linkisUser, token: { env: 'LINKIS_TOKEN' } }, ...limits.linkis },
          cdm: { backend: 'huawei-cdm', url: cdmUrl, projectId, auth: huaweiAuth, ...limits.cdm },
          dis: { backend: 'huawei-dis', url: disUrl, projectId, auth: huaweiAuth, ...limits.dis },
        },
      },
      null,
      2,
    )}\n`,
  );
  stops.unshift(async () => rmSync(targetsFile, { force: true }));

  const ddb = new DynamoDBClient({ endpoint: dynamodb.endpoint, region, credentials });
  const sqs = new SQSClient({ endpoint: fauxqs.endpoint, region, credentials });
  const sns = new SNSClient({ endpoint: fauxqs.endpoint, region, credentials });
  const streams = new DynamoDBStreamsClient({ endpoint: dynamodb.endpoint, region, credentials });
  const tableName = name('tasks');
  await provisionTable(ddb, { tableName });
  // fauxqs names queues by a host (sqs.<region>.localhost) that does not resolve: plain SDK calls and the
  // CLI get URLs on the endpoint itself, which fauxqs serves the same queues from.
  const reachable = <T extends { url: string; deadLetter?: { url: string } }>(q: T): T => ({
    ...q,
    url: q.url.replace(/^https?:\/\/[^/]+/, fauxqs.endpoint),
    ...(q.deadLetter ? { deadLetter: { ...q.deadLetter, url: q.deadLetter.url.replace(/^https?:\/\/[^/]+/, fauxqs.endpoint) } } : {}),
  });
  const queue = reachable(await provisionQueue(sqs, { logicalId: 'ImportQueue', queueName: name('imports'), nameFor: () => name('imports-dlq') }));
  const topic = await provisionTopic(sns, sqs, { topicName: name('task-events'), subscribeQueueName: name('task-events-console') });
  const fileEvents = reachable(
    await provisionQueue(sqs, { logicalId: 'FileEventsQueue', queueName: name('file-events'), nameFor: () => name('file-events-dlq') }),
  );
  const s3 = new S3Client({ endpoint: fauxqs.endpoint, region, credentials, forcePathStyle: true });
  const bucket = name('landing');
  await s3.send(new CreateBucketCommand({ Bucket: bucket })).catch((error: { name?: string }) => {
    if (error.name !== 'BucketAlreadyOwnedByYou' && error.name !== 'BucketAlreadyExists') throw error;
  });
  const bridgeFile = kept('s3-notified.json');
  const bridge = new S3NotificationBridge({ s3, sqs, bucket, queueUrl: fileEvents.url, region, seen: loadState(bridgeFile, 's3-bridge', 1) ?? [] });
  bridge.start();
  stops.unshift(async () => {
    await bridge.stop();
    saveState(bridgeFile, 's3-bridge', 1, bridge.seen());
  });

  const awsEnv = {
    AWS_ENDPOINT_URL_DYNAMODB: dynamodb.endpoint,
    AWS_ENDPOINT_URL_SQS: fauxqs.endpoint,
    AWS_ENDPOINT_URL_SNS: fauxqs.endpoint,
    AWS_ENDPOINT_URL_S3: fauxqs.endpoint,
    AWS_REGION: region,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
  };
  const refs = {
    TasksTable: tableName,
    ImportQueue: queue.url,
    ImportDeadLetterQueue: queue.deadLetter!.url,
    NotificationTopic: topic.arn,
    LandingBucket: bucket,
  };
  const localArns: Record<string, string> = { ImportQueue: queue.url, ImportDeadLetterQueue: queue.deadLetter!.url, FileEventsQueue: fileEvents.url };
  // One process hosts every function; they share the provider's environment.
  const locals = { stage, overrides: { BDS_MASTER_URL: masterUrl, TARGETS_FILE: targetsFile } };
  // A poll keeps making passes for its pass window (30 s in AWS, where it runs every minute): locally the
  // window ends before the next, faster tick, so the schedule really fires every LOCAL_SCHEDULE_SECONDS.
  if (scheduleSeconds > 0) process.env.POLL_PASS_WINDOW_SECONDS ??= String(Math.floor(scheduleSeconds / 2));
  for (const fn of Object.keys(config.functions)) Object.assign(process.env, functionEnvironment(config, fn, refs, locals));
  Object.assign(process.env, awsEnv);

  const wired: string[] = [];
  for (const [fn, definition] of Object.entries(config.functions)) {
    const module = /^dist\/([^/]+)\/index\.handler$/.exec(definition.handler)?.[1];
    if (!module) throw new Error(`serverless.yml: function ${fn} has handler ${definition.handler}, expected dist/<name>/index.handler`);
    const { handler } = (await import(`../../functions/${module}.ts`)) as { handler: (...args: never[]) => Promise<unknown> };
    const timeoutSeconds = definition.timeout ?? 6;
    for (const event of definition.events ?? []) {
      if (event.sqs) {
        const source = new SqsEventSource({
          sqs,
          queueUrl: localArns[logicalIdOf(event.sqs.arn)]!,
          functionName: name(fn),
          handler: handler as never,
          batchSize: event.sqs.batchSize ?? 10,
          reportBatchItemFailures: event.sqs.functionResponseType === 'ReportBatchItemFailures',
          timeoutSeconds,
          region,
          onBatch: ({ failed, error }) => (error || failed) && log({ function: fn, failedItems: failed, ...(error ? { error: String(error) } : {}) }),
        });
        source.start();
        stops.unshift(() => source.stop());
        wired.push(
          `${fn.padEnd(8)} ← SQS ${logicalIdOf(event.sqs.arn)} (batches of ${event.sqs.batchSize ?? 10}${event.sqs.functionResponseType ? ', partial batch failures' : ''})`,
        );
      } else if (event.stream) {
        const checkpointFile = kept(`stream-checkpoint-${fn}.json`);
        const checkpoint = loadState<EventSourceCheckpoint>(checkpointFile, 'stream-checkpoint', 1);
        const source = new DynamoDbStreamEventSource({
          reader: new DynamoDbStreamReader({
            dynamodb: ddb,
            streams,
            tableName,
            startAt: 'LATEST',
            ...(checkpoint?.stream ? { resumeFrom: checkpoint.stream } : {}),
          }),
          ...(checkpoint ? { pending: checkpoint.pending } : {}),
          handler: handler as never,
          filterPatterns: filterPatternsOf(event),
          batchSize: event.stream.batchSize ?? 100,
          reportBatchItemFailures: event.stream.functionResponseType === 'ReportBatchItemFailures',
          onError: (error) => log({ function: fn, error: String(error) }),
        });
        source.start();
        stops.unshift(async () => {
          await source.stop();
          saveState(checkpointFile, 'stream-checkpoint', 1, source.checkpoint());
        });
        wired.push(`${fn.padEnd(8)} ← stream of ${logicalIdOf(event.stream.arn)} (${filterPatternsOf(event).length} filter patterns)`);
      } else if (event.schedule) {
        const declared = typeof event.schedule === 'string' ? event.schedule : event.schedule.rate;
        // Local time runs faster for schedules, so a demo's task ends in a minute or two, not five.
        const rate = scheduleSeconds > 0 ? `rate(${scheduleSeconds} seconds)` : declared;
        const source = new ScheduleSource({
          rate,
          functionName: name(fn),
          timeoutSeconds,
          handler: handler as never,
          // The function logs its own report; the stack speaks only when an invocation fails.
          onResult: (_result, error) => error && log({ function: fn, error: String(error) }),
        });
        source.start();
        stops.unshift(() => source.stop());
        wired.push(`${fn.padEnd(8)} ← schedule ${declared}${scheduleSeconds > 0 ? ` (every ${scheduleSeconds} s locally: LOCAL_SCHEDULE_SECONDS)` : ''}`);
      }
    }
  }
  printNotifications(sqs, topic.subscriberQueueUrl!);

  const exports = {
    ...awsEnv,
    TASKS_TABLE: tableName,
    IMPORT_QUEUE_URL: queue.url,
    IMPORT_DLQ_URL: queue.deadLetter!.url,
    TARGETS_FILE: targetsFile,
    LINKIS_TOKEN: process.env.LINKIS_TOKEN,
    HW_AK: process.env.HW_AK,
    HW_SK: process.env.HW_SK,
    BDS_MASTER_URL: masterUrl,
    LANDING_BUCKET: bucket,
  };
  // The live report reads the table and the targets as an operator's `bulkpilot report` does.
  const reportRuntime = await createOperatorRuntime({ ...process.env, ...exports }, { logger: createJsonLogger({ level: 'error' }), connect: true });
  const report = await startReportServer({
    store: reportRuntime.store,
    backends: reportRuntime.deps.backends,
    port: await portOr(Number(process.env.REPORT_PORT ?? 8090), 'the live report', 'REPORT_PORT'),
    intervalMs: Number(process.env.REPORT_REFRESH_SECONDS ?? 3) * 1000,
    onError: (error) => log({ report: 'the live report could not read the tasks', error: String(error) }),
  });
  stops.unshift(async () => {
    await report.close();
    await reportRuntime.deps.backends.close();
  });

  // `npm run demo` (and anyone else) finds the running stack here.
  mkdirSync(dirname(stateFile), { recursive: true });
  writeFileSync(stateFile, JSON.stringify({ pid: process.pid, env: exports, deadLetterQueueUrl: queue.deadLetter!.url, reportUrl: report.url }, null, 2));
  stops.unshift(async () => rmSync(stateFile, { force: true }));
  console.log(`
bulkpilot local stack is up (stage "${stage}")
  DynamoDB Local     ${dynamodb.endpoint}   table ${tableName}
  fauxqs (SQS,SNS,S3) ${fauxqs.endpoint}  landing bucket ${bucket} (uploads are notified to on-file)
                                            import queue ${queue.url}
                                            dead letters ${queue.deadLetter!.url}
                                            task events ${topic.arn}
  bulk load master   ${masterUrl}   ${masterNote}
  Linkis gateway     ${linkisUrl}   ${linkisNote}
  Huawei CDM / DIS   ${cdmUrl} / ${disUrl}   ${huaweiNote}
  targets            ${targetsFile}   lindorm (default), linkis, cdm, dis${describeLimits(limits)}
  live report        ${report.url}   every task on a timeline, refreshed every ${Number(process.env.REPORT_REFRESH_SECONDS ?? 3)} s (REPORT_PORT)
  functions
${wired.map((w) => `    ${w}`).join('\n')}

Point the CLI at it (in another terminal):
${Object.entries(exports)
  .map(([k, v]) => `  export ${k}=${v}`)
  .join('\n')}
  npx bulkpilot submit events/requests/seed-example.json
  npx bulkpilot submit events/requests/linkis-seed-example.json
  npx bulkpilot submit events/requests/cdm-seed-example.json     (or dis-seed-example.json)
  npx bulkpilot logs <task> --follow   (a Linkis task's log as it runs)
  npx bulkpilot watch
  npx bulkpilot dead-letters list
  npm run demo        (uploads sample files, submits requests, and watches them to the end)

${
  dataDir
    ? `Everything is kept in ${dataDir}: Ctrl-C stops it all, and the next start with BULKPILOT_LOCAL_DATA=${dataDir}
carries on with every task, waiting line, message, file and simulated job. Delete the directory to start afresh.`
    : 'Everything is in memory: Ctrl-C stops it all and forgets every task, message and file\n(BULKPILOT_LOCAL_DATA=<dir> keeps them across restarts).'
}
${movedPorts.map((m) => `\nnote: ${m}; exports copied from an earlier run point at the wrong process.`).join('')}`);
}

function describeLimits(limits: ReturnType<typeof localLimits>): string {
  const said = Object.entries(limits)
    .map(([target, l]) =>
      [
        l.maxConcurrent !== undefined ? `${target} ≤ ${l.maxConcurrent} at once` : '',
        l.maxConcurrentPerDestination !== undefined ? `≤ ${l.maxConcurrentPerDestination} per destination` : '',
      ]
        .filter(Boolean)
        .join(', '),
    )
    .filter(Boolean);
  return said.length ? `\n                     limits: ${said.join('; ')} (LOCAL_LIMITS)` : '';
}

/** Task notifications (the SNS topic) are shown on the console, one line each. */
function printNotifications(sqs: SQSClient, queueUrl: string) {
  let running = true;
  stops.unshift(async () => {
    running = false;
  });
  void (async () => {
    while (running) {
      const { Messages } = await sqs
        .send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1, MaxNumberOfMessages: 10 }))
        .catch(() => ({ Messages: [] }));
      for (const m of Messages ?? []) {
        const s = JSON.parse(m.Body ?? '{}') as Record<string, unknown>;
        console.log(
          `notification: ${s.state} task ${s.taskId} (request ${s.requestId}, job ${s.remoteId ?? '-'}, attempts ${s.attempts}${s.lastError ? `, last error: ${s.lastError}` : ''})`,
        );
        await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle })).catch(() => {});
      }
    }
  })();
}

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping…`);
  for (const stop of stops) await stop().catch((error: unknown) => console.error(String(error)));
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));

main().catch(async (error: unknown) => {
  console.error(`bulkpilot local stack failed to start: ${error instanceof Error ? error.message : String(error)}`);
  for (const stop of stops) await stop().catch(() => {});
  process.exit(1);
});

// `npm start`: bulkpilot on this machine. DynamoDB Local, fauxqs and the bulk load master simulator (or the
// real master when BDS_MASTER_URL is set), the table and queues of serverless.yml, and the submit function
// fed by its queue with Lambda's semantics. Ctrl-C or SIGTERM stops everything; Java dies with us even if
// we are killed (see local/emulators/dynamodb-local.ts).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { startDynamoDbLocal } from '../emulators/dynamodb-local.ts';
import { startLocalFauxqs } from '../emulators/fauxqs.ts';
import { freePort } from '../emulators/free-port.ts';
import { startLindormMaster } from '../lindorm-master/simulator.ts';
import { provisionQueue, provisionTable } from '../provision/provision.ts';
import { readServerlessConfig } from '../provision/serverless-resources.ts';
import { functionEnvironment } from './function-environment.ts';
import { SqsEventSource, type SqsHandler } from './sqs-event-source.ts';

const stage = 'local';
const region = 'us-east-1';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const stops: Array<() => Promise<void>> = [];

async function portOr(preferred: number): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => freePort().then(resolve));
    probe.listen(preferred, '127.0.0.1', () => probe.close(() => resolve(preferred)));
  });
}

async function main() {
  const config = readServerlessConfig();
  const name = (suffix: string) => `${config.service}-${stage}-${suffix}`;

  const [dynamodb, fauxqs] = await Promise.all([
    startDynamoDbLocal({ port: await portOr(Number(process.env.DYNAMODB_LOCAL_PORT ?? 8000)) }),
    startLocalFauxqs({ port: await portOr(Number(process.env.FAUXQS_PORT ?? 4566)) }),
  ]);
  stops.push(() => dynamodb.stop(), () => fauxqs.stop());

  let masterUrl = process.env.BDS_MASTER_URL;
  let masterNote = 'real master (BDS_MASTER_URL)';
  if (!masterUrl) {
    const master = await startLindormMaster({ port: await portOr(Number(process.env.SIM_PORT ?? 12311)) });
    stops.push(() => master.close());
    masterUrl = master.url;
    masterNote = 'simulator (hint sim.failAt=<STAGE> in sparkAdditionalParams to make a run fail)';
  }

  const ddb = new DynamoDBClient({ endpoint: dynamodb.endpoint, region, credentials });
  const sqs = new SQSClient({ endpoint: fauxqs.endpoint, region, credentials });
  const tableName = name('tasks');
  await provisionTable(ddb, { tableName });
  const queue = await provisionQueue(sqs, { logicalId: 'ImportQueue', queueName: name('imports'), nameFor: () => name('imports-dlq') });

  const awsEnv = {
    AWS_ENDPOINT_URL_DYNAMODB: dynamodb.endpoint,
    AWS_ENDPOINT_URL_SQS: fauxqs.endpoint,
    AWS_REGION: region,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
  };
  const refs = { TasksTable: tableName, ImportQueue: queue.url, ImportDeadLetterQueue: queue.deadLetter!.url };
  const submitEnv = functionEnvironment(config, 'submit', refs, { BDS_MASTER_URL: masterUrl });
  // One process hosts the functions: the submit function reads its configuration from process.env.
  Object.assign(process.env, awsEnv, submitEnv);
  const { handler } = (await import('../../functions/submit.ts')) as { handler: SqsHandler };

  const submit = config.functions.submit!;
  const sqsEvent = submit.events?.find((e) => e.sqs)?.sqs as { batchSize?: number; functionResponseType?: string } | undefined;
  const source = new SqsEventSource({
    sqs,
    queueUrl: queue.url,
    functionName: name('submit'),
    handler,
    batchSize: sqsEvent?.batchSize ?? 10,
    reportBatchItemFailures: sqsEvent?.functionResponseType === 'ReportBatchItemFailures',
    timeoutSeconds: submit.timeout ?? 6,
    region,
    onBatch: ({ received, failed, error }) => {
      if (error) console.error(JSON.stringify({ level: 'error', message: 'submit invocation failed', error: String(error) }));
      else console.error(JSON.stringify({ level: 'info', message: 'submit batch', received, failedItems: failed }));
    },
  });
  source.start();
  stops.unshift(() => source.stop());

  const exports = { ...awsEnv, TASKS_TABLE: tableName, IMPORT_QUEUE_URL: queue.url, IMPORT_DLQ_URL: queue.deadLetter!.url, BDS_MASTER_URL: masterUrl };
  console.log(`
bulkpilot local stack is up (stage "${stage}")
  DynamoDB Local     ${dynamodb.endpoint}   table ${tableName}
  fauxqs (SQS)       ${fauxqs.endpoint}   queue ${queue.url}
                                            dead letters ${queue.deadLetter!.url}
  bulk load master   ${masterUrl}   ${masterNote}
  submit function    fed by the import queue: batches of ${sqsEvent?.batchSize ?? 10}, partial batch failures honoured

Point tools at it (in another terminal):
${Object.entries(exports).map(([k, v]) => `  export ${k}=${v}`).join('\n')}

Send an import request:   npm run local:send -- events/requests/seed-example.json
Ctrl-C stops everything.
`);
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

// What an operator's reads cost as the table grows: `bulkpilot list --limit 50` and `bulkpilot status <job
// id>` against 1,000, 10,000 and 100,000 stored tasks on DynamoDB Local, each call counted on the wire
// (operations and the read units the answers report) and timed (median of several runs).
import { BatchWriteItemCommand, type BatchWriteItemCommandOutput, DynamoDBClient, type WriteRequest } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { type CliIo, runCli } from '../lib/cli/main.ts';
import type { TaskState } from '../lib/task/states.ts';
import { defaultTaskPolicy, newTask, taskIdFor } from '../lib/task/task.ts';
import { startDynamoDbLocal } from '../local/emulators/dynamodb-local.ts';
import { provisionTable } from '../local/provision/provision.ts';
import { startAwsCallRecorder } from '../test/support/aws-call-recorder.ts';

export interface CliReadRow {
  tasks: number;
  command: string;
  calls: number;
  scans: number;
  readUnits: number;
  medianMs: number;
}

const states: TaskState[] = ['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED', 'RUNNING', 'FAILED_FINAL', 'ABORTED', 'RETRY_WAIT', 'REJECTED', 'SUCCEEDED'];
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

export async function cliReads(sizes: number[], runs = 7): Promise<CliReadRow[]> {
  const dynamo = await startDynamoDbLocal();
  const recorder = await startAwsCallRecorder(dynamo.endpoint);
  const client = new DynamoDBClient({ endpoint: dynamo.endpoint, region: 'us-east-1', credentials });
  const tableName = 'bench-cli-reads';
  const saved = { ...process.env };
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: recorder.url,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
  });
  const rows: CliReadRow[] = [];
  try {
    await provisionTable(client, { tableName });
    let stored = 0;
    for (const size of sizes) {
      await fill(client, tableName, stored, size);
      stored = size;
      // A job id from the middle of the history, so its task is neither newest nor oldest.
      const job = `proc-${Math.floor(size / 2)}`;
      for (const [command, args] of [
        ['list --limit 50', ['list', '--limit', '50', '--json']],
        ['status <job id>', ['status', job, '--json']],
      ] as const) {
        const times: number[] = [];
        let calls = 0;
        let scans = 0;
        let readUnits = 0;
        // One run first, not counted: the first of a size pays for warming the emulator's caches.
        for (let i = -1; i < runs; i++) {
          recorder.reset();
          const started = performance.now();
          const code = await runCli([...args], quietIo({ TASKS_TABLE: tableName, BDS_MASTER_URL: 'http://127.0.0.1:9' }));
          if (i >= 0) times.push(performance.now() - started);
          if (code !== 0) throw new Error(`bulkpilot ${args.join(' ')} exited ${code}`);
          calls = recorder.calls.length;
          scans = recorder.operations().filter((o) => o === 'Scan').length;
          readUnits = recorder.capacity();
        }
        times.sort((a, b) => a - b);
        rows.push({ tasks: size, command, calls, scans, readUnits, medianMs: times[Math.floor(times.length / 2)]! });
      }
    }
  } finally {
    process.env = saved;
    await recorder.close();
    await dynamo.stop();
  }
  return rows;
}

/** Tasks `from`..`to`-1, in batches of 25, several batches at once. */
async function fill(client: DynamoDBClient, table: string, from: number, to: number): Promise<void> {
  const t0 = Date.parse('2026-11-01T00:00:00Z');
  const batches: WriteRequest[][] = [];
  for (let i = from; i < to; i += 25) {
    batches.push(
      Array.from({ length: Math.min(25, to - i) }, (_, k) => {
        const n = i + k;
        const requestId = `bench-${n}`;
        const state = states[n % states.length]!;
        const task = newTask(
          {
            taskId: taskIdFor(requestId),
            requestId,
            requestIdSource: 'client',
            target: n % 4 === 0 ? 'nightly' : 'lindorm',
            backend: 'lindorm-bulkload',
            state,
            createdAt: t0 + n * 10_000,
            summary: { source: 'oss', destination: `ld/default:table_${n % 50}` },
            params: {
              src: 'oss',
              dst: 'ld',
              readerConfig: { filePath: `oss://landing/in/${n}.csv`, header: true },
              writerConfig: { lindormTable: `table_${n % 50}` },
            },
            remoteId: `proc-${n}`,
          },
          'bench',
          defaultTaskPolicy,
        );
        return { PutRequest: { Item: marshall(task, { removeUndefinedValues: true }) } };
      }),
    );
  }
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < batches.length) {
        let items: WriteRequest[] | undefined = batches[next++]!;
        while (items?.length) {
          const out: BatchWriteItemCommandOutput = await client.send(new BatchWriteItemCommand({ RequestItems: { [table]: items } }));
          items = out.UnprocessedItems?.[table];
        }
      }
    }),
  );
}

function quietIo(env: Record<string, string>): CliIo {
  return {
    env,
    out: () => {},
    err: () => {},
    readStdin: () => '',
    sleep: async () => {},
    now: () => Date.now(),
    isTty: false,
  };
}

// `npm run demo`, against a running `npm start`: uploads sample files (one directory behind a _SUCCESS
// marker), submits requests to Lindorm (one that fails once and is retried, one that is invalid), to
// Linkis (the seed example, and one that fails once and is resubmitted as a new Linkis task), to CDM (the
// seed's job, in a random cluster) and to DIS (the seed's dump task, which runs until the demo stops it with
// `bulkpilot abort`), and follows every resulting task to its end in a watch view. Exits 0 when each ends as
// expected.
import { existsSync, readFileSync } from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { table, taskHeaders, taskRow } from '../../lib/cli/format.ts';
import { runCli } from '../../lib/cli/main.ts';
import { createSqsClient } from '../../lib/queue/sqs-client.ts';
import { loadImportRules } from '../../lib/runtime/triggers-runtime.ts';
import { DynamoDbTaskStore } from '../../lib/store/dynamodb-task-store.ts';
import { isTerminal } from '../../lib/task/states.ts';
import { type Task, taskIdFor } from '../../lib/task/task.ts';
import { routeObject } from '../../lib/triggers/file-routing.ts';

const stateFile = process.env.BULKPILOT_LOCAL_STATE ?? new URL('../../.local/stack.json', import.meta.url).pathname;
if (!existsSync(stateFile)) {
  console.error('npm run demo: no running stack found (.local/stack.json). Start it first in another terminal: npm start');
  process.exit(1);
}
const stack = JSON.parse(readFileSync(stateFile, 'utf8')) as { env: Record<string, string> };
Object.assign(process.env, stack.env);
const env = stack.env;
const run = new Date().toISOString().replace(/[-:]/g, '').slice(0, 15);
const s3 = new S3Client({ forcePathStyle: true });
const sqs = createSqsClient();
const store = new DynamoDbTaskStore({ client: new DynamoDBClient({}), tableName: env.TASKS_TABLE! });
const bucket = env.LANDING_BUCKET!;
const seed = JSON.parse(readFileSync(new URL('../../events/requests/seed-example.json', import.meta.url), 'utf8')) as Record<string, unknown>;
const cdmSeed = JSON.parse(readFileSync(new URL('../../events/requests/cdm-seed-example.json', import.meta.url), 'utf8')) as Record<string, unknown>;
const disSeed = JSON.parse(readFileSync(new URL('../../events/requests/dis-seed-example.json', import.meta.url), 'utf8')) as Record<string, unknown>;
const linkisSeed = JSON.parse(readFileSync(new URL('../../events/requests/linkis-seed-example.json', import.meta.url), 'utf8')) as Record<string, unknown>;

interface Expectation {
  label: string;
  requestId: string;
  expected: Task['state'];
  note?: (task: Task) => string | undefined;
  /** Done once, when the task is first seen RUNNING (a continuous task never ends on its own). */
  whenRunning?: (task: Task) => Promise<void>;
  acted?: boolean;
}
const expectations: Expectation[] = [];

// 1. Files. A key with a space arrives URL-encoded (`+`) in the S3 notification and must be decoded.
const salesKey = `incoming/sales/${run}/daily sales.csv`;
const eventsDir = `incoming/events/dt=${run}/`;
const rules = loadImportRules({ ...env, IMPORT_RULES_FILE: 'config/import-rules.json' }).fileRules;
const put = (key: string, body: string) =>
  s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: Buffer.from(body), ContentLength: Buffer.byteLength(body) }));
await put(salesKey, 'id,amount,sold_at\n1,9.5,2026-11-21\n2,12.25,2026-11-21\n');
await put(`${eventsDir}part-0000.parquet`, 'PAR1 (sample)');
await put(`${eventsDir}part-0001.parquet`, 'PAR1 (sample)');
console.log(`uploaded s3://${bucket}/${salesKey}`);
console.log(`uploaded s3://${bucket}/${eventsDir}part-0000.parquet and part-0001.parquet (nothing happens yet: the rule waits for _SUCCESS)`);
await new Promise((r) => setTimeout(r, 2500));
await put(`${eventsDir}_SUCCESS`, '');
console.log(`uploaded s3://${bucket}/${eventsDir}_SUCCESS (the directory is imported once)`);
// The requestIds the on-file function derives (from bucket, key and ETag) — computed here to follow them.
const etag = async (key: string) => (await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).ETag?.replace(/"/g, '');
for (const key of [salesKey, `${eventsDir}_SUCCESS`]) {
  const [routed] = routeObject({ bucket, key, via: 's3', etag: (await etag(key))! }, rules);
  expectations.push({ label: `file ${key}`, requestId: String(routed!.request.requestId), expected: 'SUCCEEDED' });
}

// 2. Requests on the import queue.
const send = (body: string) => sqs.send(new SendMessageCommand({ QueueUrl: env.IMPORT_QUEUE_URL!, MessageBody: body }));
const requests: Array<[string, Record<string, unknown> | string, Task['state']]> = [
  ['the seed example', { ...seed, requestId: `demo-${run}-seed` }, 'SUCCEEDED'],
  [
    'fails once, then retried',
    {
      ...seed,
      requestId: `demo-${run}-fails-once`,
      instances: 6,
      sparkAdditionalParams: 'sim.failAt=BULKLOAD sim.failTimes=1',
      retry: { baseDelaySeconds: 5 },
    },
    'SUCCEEDED',
  ],
  ['invalid (no dst)', { ...seed, requestId: `demo-${run}-invalid`, dst: undefined }, 'REJECTED'],
  ['Linkis: the seed example', { ...linkisSeed, requestId: `demo-${run}-linkis-seed` }, 'SUCCEEDED'],
  [
    'Linkis: fails once, then resubmitted',
    {
      ...linkisSeed,
      requestId: `demo-${run}-linkis-fails-once`,
      // The simulator's hints ride in a comment; the run id makes this code new to it on every demo.
      executionContent: { code: `show tables -- sim.fail=true sim.failTimes=1 sim.failAt=0.3 demo ${run}`, runType: 'sql' },
      retry: { baseDelaySeconds: 5 },
    },
    'SUCCEEDED',
  ],
  [
    'CDM: the seed job, in a random cluster',
    // A job name is unique per cluster: each demo's job gets its own.
    { ...cdmSeed, requestId: `demo-${run}-cdm`, jobs: [{ ...(cdmSeed.jobs as Array<Record<string, unknown>>)[0], name: `es_css_${run.replace('T', '_')}` }] },
    'SUCCEEDED',
  ],
  [
    'DIS: the seed dump task, stopped by the demo',
    {
      ...disSeed,
      requestId: `demo-${run}-dis`,
      mrs_destination_descriptor: { ...(disSeed.mrs_destination_descriptor as Record<string, unknown>), task_name: `mrstask_${run.replace('T', '_')}` },
    },
    'ABORTED',
  ],
];
for (const [label, request, expected] of requests) {
  await send(JSON.stringify(request));
  const requestId = (request as { requestId: string }).requestId;
  console.log(`queued ${label}: ${requestId}`);
  expectations.push({ label, requestId, expected });
}
const byLabel = (label: string) => expectations.find((e) => e.label === label)!;
// The failure that was retried is in the history (the task itself shows its current run).
const failure = (task: Task) => task.history.find((e) => e.to === 'FAILED')?.reason;
byLabel('fails once, then retried').note = (task) =>
  task.attempt === 2 ? `retried once${failure(task) ? ` after: ${failure(task)}` : ''}` : `attempt ${task.attempt ?? 0}`;
// A resubmit is a new Linkis task: the history names the one that failed and the one that replaced it.
byLabel('CDM: the seed job, in a random cluster').note = (task) =>
  task.remote?.clusterId ? `ran on cluster ${task.remote.clusterId}, ${task.counters?.ROWS_WRITTEN ?? '?'} rows written` : undefined;
const dump = byLabel('DIS: the seed dump task, stopped by the demo');
dump.whenRunning = async (task) => {
  const said: string[] = [];
  const io = {
    env,
    out: (t: string) => said.push(t),
    err: (t: string) => said.push(t),
    readStdin: () => '',
    sleep: async () => {},
    now: () => Date.now(),
    isTty: false,
  };
  const code = await runCli(['abort', task.taskId], io);
  if (code !== 0) throw new Error(`bulkpilot abort ${task.taskId} failed: ${said.join(' ')}`);
};
dump.note = (task) =>
  task.history.some((e) => e.to === 'RUNNING') ? `ran (${task.counters?.transferred ?? 0} records transferred), then stopped with bulkpilot abort` : undefined;
byLabel('Linkis: fails once, then resubmitted').note = (task) => {
  const resubmit = task.history.find((e) => /^retry 2 started at the backend as /.test(e.reason));
  return task.attempt === 2 && resubmit
    ? `resubmitted: ${resubmit.reason.replace(/^retry 2 started at the backend /, '')}${failure(task) ? ` after: ${failure(task)}` : ''}`
    : `attempt ${task.attempt ?? 0}`;
};

// 3. Watch until every task has ended (about two minutes with the stack's defaults).
const deadline = Date.now() + 5 * 60_000;
let tasks: Array<Task | undefined> = [];
for (;;) {
  tasks = await Promise.all(expectations.map((e) => store.get(taskIdFor(e.requestId))));
  const now = Date.now();
  const rows = tasks.filter((t): t is Task => t !== undefined).map((t) => taskRow(t, now));
  const waiting = expectations.filter((_, i) => !tasks[i]).map((e) => e.label);
  process.stdout.write(
    `${process.stdout.isTTY ? '\x1b[2J\x1b[H' : '\n'}bulkpilot demo — ${new Date(now).toISOString()}\n\n${table(taskHeaders, rows)}\n${waiting.length ? `\nnot yet a task: ${waiting.join(', ')}\n` : ''}`,
  );
  for (const [i, e] of expectations.entries()) {
    const task = tasks[i];
    if (e.whenRunning && !e.acted && task?.state === 'RUNNING') {
      e.acted = true;
      await e.whenRunning(task);
    }
  }
  if (tasks.every((t) => t && isTerminal(t.state))) break;
  if (now > deadline) break;
  await new Promise((r) => setTimeout(r, 2000));
}

console.log('\nresult');
let ok = true;
expectations.forEach((e, i) => {
  const task = tasks[i];
  const state = task?.state ?? '(no task)';
  const good = state === e.expected;
  ok &&= good;
  const note = task && e.note?.(task);
  console.log(
    `  ${good ? 'ok  ' : 'FAIL'}  ${e.label.padEnd(56)} ${state}${good ? '' : ` (expected ${e.expected})`}${note ? ` — ${note}` : ''}${task?.error ? ` — ${task.error.field ? `${task.error.field}: ` : ''}${task.error.reason}` : ''}`,
  );
});
console.log(ok ? '\nevery demo task ended as expected' : '\nsome demo tasks did not end as expected');
process.exit(ok ? 0 : 1);

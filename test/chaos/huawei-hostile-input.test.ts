// Hostile input for Huawei CDM and DIS on the import queue: malformed submit bodies mixed with valid siblings
// in the same batches, through the real queue and the submit path, against the simulated cloud.
//   - each malformed message becomes a REJECTED task whose error names the field, and is dead-lettered once;
//   - each valid sibling (quotes, CJK, ${var}, long values: hostile, but valid) is created once, and the
//     service receives exactly its body: CDM `{jobs, clusters}` as sent; DIS the request without `streamName`,
//     which travels in the path instead;
//   - no malformed request reaches the cloud at all; two that the parsers let through (a relative HDFS path, an
//     OBS task without its bucket) are refused by DIS and end REJECTED by the backend, dead-lettered once;
//   - CDM job names "." and ".." (dot segments of every later path) are refused (found by this suite).
// The fields expected are what the parsers (lib/backends/huawei-cdm/request.ts, huawei-dis/request.ts) name.
import type { Message } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../lib/request/canonical-json.ts';
import { parseImportRequest } from '../../lib/request/import-request.ts';
import type { QueueRecord } from '../../lib/submit/queue-record.ts';
import type { BatchReport } from '../../lib/submit/submit-batch.ts';
import { taskIdFor } from '../../lib/task/task.ts';
import { clusterIds } from '../support/huawei.ts';
import { createHuaweiHarness } from '../support/huawei-harness.ts';
import { createTestAws, receiveAll, roundTripThroughQueue } from '../support/stack.ts';
import { cdmChaosRequest, cdmCreatesByJob, chaosStreams, disChaosRequest, disCreatesByTask, streamFor } from './huawei-requests.ts';
import { reportFigures } from './scale.ts';

const run = Date.now().toString(36);
const id = (label: string) => `hw-hostile-${run}-${label}`;
// fauxqs refuses characters beyond U+FFFF in a body (real SQS accepts them): they travel as \u escapes.
const body = (request: unknown) =>
  JSON.stringify(request).replace(/[\u{10000}-\u{10FFFF}]/gu, (c) =>
    c
      .split('')
      .map((unit) => `\\u${unit.charCodeAt(0).toString(16)}`)
      .join(''),
  );

type Request = Record<string, unknown>;
type ConfigKey = 'from-config-values' | 'to-config-values' | 'driver-config-values';
type Job = Record<string, unknown> & Partial<Record<ConfigKey, { configs: Array<{ inputs: Array<Request> }> }>>;
const job0 = (r: Request) => (r.jobs as Job[])[0]!;
/** Sets the value of input `k` of the first config of one of the job's config values. */
const setInput = (r: Request, values: ConfigKey, k: number, value: unknown) => {
  job0(r)[values]!.configs[0]!.inputs[k]!.value = value;
};
/** `${name}`: a placeholder as a template engine would read it, which CDM must receive as written. */
const placeholder = (name: string) => `\${${name}}`;
const descriptor = (r: Request) => r.mrs_destination_descriptor as Request;

// ---- valid siblings ------------------------------------------------------------------------------------

/** A valid CDM request, its job named after the label (names are unique per cluster). */
function cdmValid(label: string, change: (r: Request) => void = () => {}): Request {
  const r = cdmChaosRequest(id(`cdm-valid-${label}`), `hostile_${label.replaceAll('-', '_')}`);
  change(r);
  return r;
}
let disCount = 0;
/** A valid DIS request, its task named after the label, on its own stream slot (5 tasks per stream). */
function disValid(label: string, change: (r: Request) => void = () => {}): Request {
  const r = disChaosRequest(id(`dis-valid-${label}`), `hostile_${label.replaceAll('-', '_')}`, streamFor(disCount++));
  change(r);
  return r;
}

const cdmValidSiblings: Request[] = [
  cdmValid('seed'),
  cdmValid('quotes', (r) => setInput(r, 'from-config-values', 0, `52"est" 'idx' \`x\` \\ back \\"`)),
  cdmValid('unicode', (r) => setInput(r, 'from-config-values', 2, 'array_f1_int:long&数据_表:string&😀:nested&é:string')),
  cdmValid('variables', (r) => {
    setInput(r, 'from-config-values', 0, placeholder('index_of_day'));
    setInput(r, 'to-config-values', 0, `dis-${placeholder('env')}-{path}`);
  }),
  cdmValid('injection-looking', (r) => setInput(r, 'to-config-values', 2, "1&2'; DROP TABLE jobs; -- ' OR 1=1 --")),
  cdmValid('newlines-and-tabs', (r) => setInput(r, 'to-config-values', 1, '\t|\r\n')),
  cdmValid('html-and-json', (r) => setInput(r, 'from-config-values', 1, '</script><script>alert(1)</script>{"errCode":"Cdm.0000"}')),
  cdmValid('long-value', (r) => setInput(r, 'from-config-values', 2, `a:long&${'x'.repeat(100 * 1024)}:string`)),
  cdmValid('name.with-dots_and-dashes'),
  cdmValid('long-name', (r) => {
    job0(r).name = `n${'x'.repeat(239)}`; // 240 characters, the longest a name may be
  }),
  cdmValid('extra-job-key', (r) => {
    // Keys CDM may add to a Job are passed on as written.
    job0(r).description = 'nightly "load" of 数据';
  }),
  cdmValid('one-cluster', (r) => {
    r.clusters = [clusterIds[1]];
  }),
  cdmValid('own-options', (r) => Object.assign(r, { target: 'cdm', backend: 'huawei-cdm', maxDurationMinutes: 30, retry: { maxAttempts: 2 } })),
];

const disValidSiblings: Request[] = [
  disValid('seed'),
  disValid('quotes-and-variables', (r) => {
    Object.assign(descriptor(r), { mrs_hdfs_path: `/user/"etl"/'q'/\${dt}/{path}/\\x`, agency_name: `agency "q" 'x' \${who}` });
  }),
  disValid('unicode', (r) => Object.assign(descriptor(r), { hdfs_prefix_folder: '数据/目录😀', mrs_cluster_name: '集群-一 é' })),
  disValid('numbers-as-strings', (r) => Object.assign(descriptor(r), { deliver_time_interval: '60', retry_duration: '0' })),
  disValid('bounds', (r) => Object.assign(descriptor(r), { deliver_time_interval: 900, retry_duration: 7200, consumer_strategy: 'TRIM_HORIZON' })),
  disValid('file-prefix', (r) => Object.assign(descriptor(r), { file_prefix: 'daily/part_1/' })),
  disValid('long-path', (r) => Object.assign(descriptor(r), { mrs_hdfs_path: `/${'p'.repeat(1023)}` })),
  disValid('html-and-json', (r) => Object.assign(descriptor(r), { agency_name: '</script>{"errorCode":"DIS.4355"}' })),
  disValid('long-task-name', (r) => {
    descriptor(r).task_name = `t${'x'.repeat(63)}`; // 64 characters, the longest a name may be
  }),
  disValid('obs', (r) => {
    delete r.mrs_destination_descriptor;
    Object.assign(r, {
      destination_type: 'OBS',
      obs_destination_descriptor: {
        task_name: 'hostile_obs',
        agency_name: 'dis_admin_agency',
        deliver_time_interval: 30,
        obs_bucket_path: 'obs-bulkpilot',
        file_prefix: '',
        partition_format: 'yyyy/MM/dd',
        destination_file_type: 'text',
      },
    });
  }),
  disValid('own-options', (r) => Object.assign(r, { target: 'dis', backend: 'huawei-dis', maxDurationMinutes: 30, retry: { maxAttempts: 2 } })),
];

/**
 * Valid to the parser, refused by DIS: the parser checks an MRS task field by field but not that its HDFS path is
 * absolute, and checks only what the other destinations share (not OBS's bucket). REJECTED all the same, by
 * the backend's answer, without a field named.
 */
const disRefusedByService: Array<{ label: string; code: string; request: Request }> = [
  { label: 'relative-hdfs-path', code: 'DIS.4336', request: disValid('refused-relative-path', (r) => (descriptor(r).mrs_hdfs_path = 'user/etl')) },
  {
    label: 'obs-without-bucket',
    code: 'DIS.4200',
    request: disValid('refused-obs-bucket', (r) => {
      delete r.mrs_destination_descriptor;
      Object.assign(r, {
        destination_type: 'OBS',
        obs_destination_descriptor: { task_name: 'hostile_refused_obs_bucket', agency_name: 'dis_admin_agency', deliver_time_interval: 30 },
      });
    }),
  },
];

// ---- malformed messages --------------------------------------------------------------------------------

interface MalformedCase {
  label: string;
  field: string;
  body: string;
}
const bad =
  (kind: 'cdm' | 'dis') =>
  (label: string, field: string, change: (r: Request) => void): MalformedCase => {
    const r = kind === 'cdm' ? cdmChaosRequest(id(`cdm-bad-${label}`), 'hostile_bad') : disChaosRequest(id(`dis-bad-${label}`), 'hostile_bad', streamFor(0));
    change(r);
    return { label: `${kind} ${label}`, field, body: body(r) };
  };
const badCdm = bad('cdm');
const badDis = bad('dis');
/** `__proto__` as an own key, as JSON.parse makes it (an object literal would set the prototype instead). */
const withProto = (kind: string, request: Request): MalformedCase => ({
  label: `${kind} proto`,
  field: '__proto__',
  body: `{"requestId":"${id(`${kind}-bad-proto`)}","__proto__":{"admin":true},${body({ ...request, requestId: undefined }).slice(1)}`,
});
const inputs = (values: string, k: number) => `jobs[0].${values}.configs[0].inputs[${k}]`;
const d = 'mrs_destination_descriptor';

const cdmMalformed: MalformedCase[] = [
  badCdm('jobs-missing', 'jobs', (r) => delete r.jobs),
  badCdm('jobs-object', 'jobs', (r) => (r.jobs = job0(r))),
  badCdm('jobs-two', 'jobs', (r) => (r.jobs = [job0(r), { ...job0(r), name: 'hostile_second' }])),
  badCdm('jobs-empty', 'jobs', (r) => (r.jobs = [])),
  badCdm('job-string', 'jobs[0]', (r) => (r.jobs = ['es_css'])),
  badCdm('name-missing', 'jobs[0].name', (r) => delete job0(r).name),
  badCdm('name-space', 'jobs[0].name', (r) => (job0(r).name = 'daily load')),
  badCdm('name-slash', 'jobs[0].name', (r) => (job0(r).name = 'daily/../load')),
  badCdm('name-number', 'jobs[0].name', (r) => (job0(r).name = 42)),
  badCdm('name-too-long', 'jobs[0].name', (r) => (job0(r).name = 'n'.repeat(241))),
  badCdm('job-type-bad', 'jobs[0].job_type', (r) => (job0(r).job_type = 'STREAMING_JOB')),
  badCdm('job-type-missing', 'jobs[0].job_type', (r) => delete job0(r).job_type),
  badCdm('link-missing', 'jobs[0].from-link-name', (r) => delete job0(r)['from-link-name']),
  badCdm('connector-blank', 'jobs[0].to-connector-name', (r) => (job0(r)['to-connector-name'] = ' ')),
  badCdm('config-values-missing', 'jobs[0].to-config-values', (r) => delete job0(r)['to-config-values']),
  badCdm('configs-object', 'jobs[0].from-config-values.configs', (r) => (job0(r)['from-config-values'] = { configs: {} } as never)),
  badCdm('input-number', `${inputs('from-config-values', 0)}.value`, (r) => setInput(r, 'from-config-values', 0, 52)),
  badCdm('input-boolean', `${inputs('driver-config-values', 1)}.value`, (r) => setInput(r, 'driver-config-values', 1, false)),
  badCdm('input-null', `${inputs('to-config-values', 2)}.value`, (r) => setInput(r, 'to-config-values', 2, null)),
  badCdm('input-lone-surrogate', `${inputs('to-config-values', 1)}.value`, (r) => setInput(r, 'to-config-values', 1, '|\ud800')),
  badCdm('input-name-missing', `${inputs('to-config-values', 0)}.name`, (r) => delete job0(r)['to-config-values']!.configs[0]!.inputs[0]!.name),
  badCdm('clusters-missing', 'clusters', (r) => delete r.clusters),
  badCdm('clusters-empty', 'clusters', (r) => (r.clusters = [])),
  badCdm('clusters-string', 'clusters', (r) => (r.clusters = clusterIds[0])),
  badCdm('cluster-slash', 'clusters[1]', (r) => (r.clusters = [clusterIds[0], `${clusterIds[1]}/../x`])),
  badCdm('cluster-number', 'clusters[0]', (r) => (r.clusters = [42])),
  // Fields CDM fills in itself: a shown job echoed back must not seem to set them.
  badCdm('creation-user', 'jobs[0].creation-user', (r) => (job0(r)['creation-user'] = 'root')),
  badCdm('status', 'jobs[0].status', (r) => (job0(r).status = 'SUCCEEDED')),
  withProto('cdm', cdmChaosRequest('', 'hostile_bad')),
  badCdm('unknown-top-level', 'cluster_id', (r) => (r.cluster_id = clusterIds[0])),
  badCdm('dis-field', 'streamName', (r) => (r.streamName = streamFor(0))),
  badCdm('other-backend', 'backend', (r) => (r.backend = 'huawei-dis')),
  badCdm('no-target', 'target', (r) => delete r.target),
];

const disMalformed: MalformedCase[] = [
  badDis('stream-missing', 'streamName', (r) => delete r.streamName),
  badDis('stream-slash', 'streamName', (r) => (r.streamName = 'chaos/../stream')),
  badDis('stream-number', 'streamName', (r) => (r.streamName = 7)),
  badDis('type-unknown', 'destination_type', (r) => (r.destination_type = 'KAFKA')),
  badDis('type-missing', 'destination_type', (r) => delete r.destination_type),
  badDis('type-lower-case', 'destination_type', (r) => (r.destination_type = 'mrs')),
  badDis('descriptor-of-another-type', d, (r) => (r.destination_type = 'OBS')),
  badDis('two-descriptors', 'obs_destination_descriptor', (r) => (r.obs_destination_descriptor = { task_name: 'hostile_bad' })),
  badDis('descriptor-missing', d, (r) => delete r[d]),
  badDis('descriptor-string', d, (r) => (r[d] = 'task_name=hostile_bad')),
  badDis('task-name-space', `${d}.task_name`, (r) => (descriptor(r).task_name = 'mrs task')),
  badDis('task-name-action', `${d}.task_name`, (r) => (descriptor(r).task_name = 'action')),
  badDis('task-name-missing', `${d}.task_name`, (r) => delete descriptor(r).task_name),
  badDis('interval-10', `${d}.deliver_time_interval`, (r) => (descriptor(r).deliver_time_interval = 10)),
  badDis('interval-1000', `${d}.deliver_time_interval`, (r) => (descriptor(r).deliver_time_interval = 1000)),
  badDis('interval-fraction', `${d}.deliver_time_interval`, (r) => (descriptor(r).deliver_time_interval = 30.5)),
  badDis('retry-9000', `${d}.retry_duration`, (r) => (descriptor(r).retry_duration = 9000)),
  badDis('unknown-mrs-key', `${d}.obs_path`, (r) => (descriptor(r).obs_path = 'obsbucket/x')),
  badDis('prefix-slash', `${d}.file_prefix`, (r) => (descriptor(r).file_prefix = '/daily')),
  badDis('consumer-strategy', `${d}.consumer_strategy`, (r) => (descriptor(r).consumer_strategy = 'EARLIEST')),
  badDis('agency-missing', `${d}.agency_name`, (r) => delete descriptor(r).agency_name),
  badDis('hdfs-path-number', `${d}.mrs_hdfs_path`, (r) => (descriptor(r).mrs_hdfs_path = 1)),
  badDis('bucket-too-long', `${d}.obs_bucket_path`, (r) => (descriptor(r).obs_bucket_path = 'b'.repeat(64))),
  withProto('dis', disChaosRequest('', 'hostile_bad', streamFor(0))),
  badDis('unknown-top-level', 'stream_name', (r) => (r.stream_name = streamFor(0))),
  badDis('cdm-field', 'clusters', (r) => (r.clusters = clusterIds)),
  badDis('other-backend', 'backend', (r) => (r.backend = 'huawei-cdm')),
  badDis('unknown-target', 'target', (r) => (r.target = 'dis-prod')),
];

const malformed: MalformedCase[] = [
  { label: 'not-json', field: '(message)', body: `{"target":"cdm","jobs": [${run}` },
  { label: 'array', field: '(message)', body: body([cdmChaosRequest(id('bad-array'), 'hostile_bad')]) },
  ...cdmMalformed,
  ...disMalformed,
];
const validSiblings = [...cdmValidSiblings, ...disValidSiblings];
/** Every message that must end in the dead-letter queue. */
const dead = malformed.length + disRefusedByService.length;

let harness: Awaited<ReturnType<typeof createHuaweiHarness>>;
const reports: BatchReport[] = [];
const recordsByBody = new Map<string, QueueRecord>();
let letters: Message[] = [];

beforeAll(async () => {
  harness = await createHuaweiHarness(await createTestAws(), { cloud: { dis: { streams: chaosStreams(disCount) } } });
  const { h } = harness;
  // Seven malformed messages a batch, the valid siblings dealt among them: at most ten, as Lambda hands over.
  const batches: string[][] = [];
  for (let i = 0; i < malformed.length; i += 7) batches.push(malformed.slice(i, i + 7).map((m) => m.body));
  const siblings = [...validSiblings, ...disRefusedByService.map((c) => c.request)];
  for (const [i, v] of siblings.entries()) batches[i % batches.length]!.push(body(v));
  expect(batches.every((b) => b.length <= 10)).toBe(true);
  expect(new Set(batches.flat()).size).toBe(malformed.length + siblings.length);
  const records = await roundTripThroughQueue(h.aws, batches.flat());
  for (const r of records) recordsByBody.set(r.body, r);
  for (const batch of batches) reports.push(await h.submit.invoke(batch.map((b) => recordsByBody.get(b)!)));
  letters = await receiveAll(h.aws.sqs, h.aws.dlqUrl, dead, 10_000);
  reportFigures('huawei hostile-input', {
    malformed: malformed.length,
    malformedCdm: cdmMalformed.length,
    malformedDis: disMalformed.length,
    validCdm: cdmValidSiblings.length,
    validDis: disValidSiblings.length,
    refusedByDis: disRefusedByService.length,
    batches: batches.length,
    letters: letters.length,
    cdmCreates: harness.cloud.requests({ endpoint: 'cdm.randomCreateAndStart' }).length,
    disCreates: harness.cloud.requests({ endpoint: 'dis.createTask' }).length,
  });
});
afterAll(async () => {
  await harness?.close();
});

const lettersOf = (text: string) =>
  letters.filter((l) => l.MessageAttributes?.['bulkpilot-source-message-id']?.StringValue === recordsByBody.get(text)!.messageId);
const outcomeOf = (text: string) => {
  const record = recordsByBody.get(text)!;
  return reports.flatMap((r) => r.outcomes).find((o) => o.messageId === record.messageId)!.outcome;
};

/** What the service must have received of a valid request: its own fields, without bulkpilot's. */
function backendFields(request: Request): Request {
  const { requestId: _id, target: _target, backend: _backend, maxDurationMinutes: _max, retry: _retry, ...fields } = request;
  return fields;
}

describe('hostile input for Huawei CDM and DIS', () => {
  it(`has at least 15 malformed requests of each backend (${cdmMalformed.length} CDM, ${disMalformed.length} DIS)`, () => {
    expect(cdmMalformed.length).toBeGreaterThanOrEqual(15);
    expect(disMalformed.length).toBeGreaterThanOrEqual(15);
  });

  it('hands no message back to SQS', () => {
    for (const report of reports) expect(report.batchItemFailures).toEqual([]);
  });

  it('rejects each malformed message naming its field, on a REJECTED task, and dead-letters it once', async () => {
    const wrong: string[] = [];
    for (const c of malformed) {
      const outcome = outcomeOf(c.body);
      if (outcome.kind !== 'rejected' || outcome.field !== c.field) {
        wrong.push(`${c.label}: expected ${c.field}, got ${JSON.stringify(outcome).slice(0, 300)}`);
        continue;
      }
      const task = outcome.taskId === undefined ? undefined : await harness.h.store.get(outcome.taskId);
      if (task?.state !== 'REJECTED' || task.error?.field !== c.field) wrong.push(`${c.label}: task ${task?.state} ${JSON.stringify(task?.error)}`);
      const mine = lettersOf(c.body);
      if (mine.length !== 1 || mine[0]!.MessageAttributes?.['bulkpilot-field']?.StringValue !== c.field) wrong.push(`${c.label}: ${mine.length} letters`);
    }
    expect(wrong).toEqual([]);
    expect(letters).toHaveLength(dead);
  });

  it('creates each valid CDM sibling once, CDM receiving exactly its {jobs, clusters}', async () => {
    const creates = cdmCreatesByJob(harness.cloud);
    // Nothing malformed reached CDM: every create is a valid sibling's.
    expect(harness.cloud.requests({ endpoint: 'cdm.randomCreateAndStart' })).toHaveLength(cdmValidSiblings.length);
    const wrong: string[] = [];
    for (const request of cdmValidSiblings) {
      const name = job0(request).name as string;
      const mine = creates.get(name) ?? [];
      if (mine.length !== 1) {
        wrong.push(`${request.requestId}: ${mine.length} creates`);
        continue;
      }
      const received = JSON.parse(mine[0]!.rawBody.toString('utf8')) as unknown;
      // Key order is not meaning (CDM reads the body into objects): every value must be the one sent, exactly.
      if (canonicalJson(received) !== canonicalJson(backendFields(request)))
        wrong.push(`${request.requestId}: received ${mine[0]!.rawBody.toString().slice(0, 300)}`);
      const task = await harness.h.store.get(taskIdFor(request.requestId as string));
      if (task?.state !== 'SUBMITTED' || task.remote?.jobName !== name) wrong.push(`${request.requestId}: ${task?.state} ${JSON.stringify(task?.remote)}`);
    }
    expect(wrong).toEqual([]);
  });

  it('creates each valid DIS sibling once, DIS receiving exactly its body without streamName, the stream in the path', async () => {
    const creates = disCreatesByTask(harness.cloud);
    // Nothing malformed reached DIS: every create is a valid sibling's, or one DIS itself refused.
    expect(harness.cloud.requests({ endpoint: 'dis.createTask' })).toHaveLength(disValidSiblings.length + disRefusedByService.length);
    const wrong: string[] = [];
    for (const request of disValidSiblings) {
      const { streamName, ...expected } = backendFields(request);
      const taskName = (Object.entries(expected).find(([k]) => k.endsWith('_destination_descriptor'))![1] as Request).task_name as string;
      const mine = creates.get(`${streamName}/${taskName}`) ?? [];
      if (mine.length !== 1) {
        wrong.push(`${request.requestId}: ${mine.length} creates`);
        continue;
      }
      const received = JSON.parse(mine[0]!.rawBody.toString('utf8')) as unknown;
      if (mine[0]!.params.streamName !== streamName) wrong.push(`${request.requestId}: created on stream ${mine[0]!.params.streamName}`);
      if (canonicalJson(received) !== canonicalJson(expected)) wrong.push(`${request.requestId}: received ${mine[0]!.rawBody.toString().slice(0, 300)}`);
      const task = await harness.h.store.get(taskIdFor(request.requestId as string));
      if (task?.state !== 'SUBMITTED' || task.remote?.taskName !== taskName) wrong.push(`${request.requestId}: ${task?.state} ${JSON.stringify(task?.remote)}`);
    }
    expect(wrong).toEqual([]);
  });

  it('rejects what the parser lets through but DIS refuses: REJECTED by the backend (no field named), dead-lettered once, no task at DIS', async () => {
    const wrong: string[] = [];
    const dumps = harness.cloud.dis.tasks();
    for (const c of disRefusedByService) {
      const text = body(c.request);
      const outcome = outcomeOf(text);
      const task = await harness.h.store.get(taskIdFor(c.request.requestId as string));
      if (outcome.kind !== 'rejected' || outcome.field !== undefined) wrong.push(`${c.label}: ${JSON.stringify(outcome).slice(0, 300)}`);
      if (task?.state !== 'REJECTED' || task.error?.source !== 'backend' || !task.error.reason.includes(c.code) || task.error.field !== undefined)
        wrong.push(`${c.label}: task ${task?.state} ${JSON.stringify(task?.error)}`);
      const mine = lettersOf(text);
      if (mine.length !== 1 || mine[0]!.MessageAttributes?.['bulkpilot-field'] !== undefined) wrong.push(`${c.label}: ${mine.length} letters`);
      const taskName = (Object.entries(c.request).find(([k]) => k.endsWith('_destination_descriptor'))![1] as Request).task_name;
      if (dumps.some((t) => t.taskName === taskName)) wrong.push(`${c.label}: DIS holds a dump task ${taskName}`);
    }
    expect(wrong).toEqual([]);
  });

  // A gap, kept as a failing expectation so that a fix shows: the job-name pattern admits "." and "..". CDM
  // makes and runs such a job, but the name is a dot segment of every later path (…/cdm/job/..): the gateway's
  // canonical path differs from the one signed (APIGW.0301 on every probe), so bulkpilot never learns the
  // job's cluster and the task stays SUBMITTED while the job ends at CDM.
  it('refuses CDM job names "." and ".." (they would be dot segments of every later path)', () => {
    for (const name of ['.', '..']) {
      const request = cdmChaosRequest(id(`cdm-dot-${name.length}`), name);
      expect(() => parseImportRequest(JSON.stringify(request), harness.h.submit.deps.targets), name).toThrow(/^jobs\[0\]\.name/);
    }
  });
});

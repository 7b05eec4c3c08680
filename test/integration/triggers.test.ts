import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../lib/logger.ts';
import { SqsImportQueue } from '../../lib/queue/sqs-import-queue.ts';
import { DynamoDbTaskStore } from '../../lib/store/dynamodb-task-store.ts';
import { cronTick } from '../../lib/triggers/cron-tick.ts';
import { parseImportRules } from '../../lib/triggers/import-rules.ts';
import { handleFileEvent } from '../../lib/triggers/on-file.ts';
import { type LindormMaster, startLindormMaster } from '../../local/lindorm-master/simulator.ts';
import { cdmRequest, cdmSeedJob, cdmTargetEntry, disRequest, disTargetEntry } from '../support/huawei.ts';
import { createHuaweiHarness } from '../support/huawei-harness.ts';
import { linkisTargetEntry } from '../support/linkis.ts';
import { createLinkisHarness } from '../support/linkis-harness.ts';
import { createTestAws, receiveAll, roundTripThroughQueue, type TestAws } from '../support/stack.ts';
import { createSubmitHarness } from '../support/submit-harness.ts';
import { lindormTargets, targetsOf } from '../support/targets.ts';

let aws: TestAws;
let master: LindormMaster;
const writer = { namespace: 'default', lindormTable: 'sales', compression: 'zstd', columns: ['ROW||String', 'f:v||Double'] };
const rules = parseImportRules(
  {
    fileRules: [
      {
        id: 'sales',
        prefix: 'incoming/sales/',
        suffix: '.csv',
        template: { src: 'oss', dst: 'ld', readerConfig: { header: true }, writerConfig: writer, driverSpec: 'large', instances: 2 },
      },
      {
        id: 'events',
        prefix: 'incoming/events/',
        suffix: '.parquet',
        marker: '_SUCCESS',
        template: { src: 'hdfs', dst: 'ld', readerConfig: {}, writerConfig: writer, driverSpec: 'large', instances: 2 },
      },
    ],
    cronRules: [
      {
        id: 'hourly',
        schedule: 'cron(0 * * * ? *)',
        template: {
          src: 'odps',
          dst: 'ld',
          readerConfig: { table: 'orders', partition: ['ds={yyyy}{MM}{dd}', 'hh={HH}'] },
          writerConfig: writer,
          driverSpec: 'large',
          instances: 2,
        },
      },
    ],
  },
  'rules.json',
  lindormTargets(),
);

beforeAll(async () => {
  aws = await createTestAws();
  master = await startLindormMaster();
});
afterAll(async () => {
  await master.close();
});

const queue = () => new SqsImportQueue({ client: aws.sqs, queueUrl: aws.queueUrl });
const s3Notification = (key: string, etag: string) =>
  JSON.stringify({
    Records: [{ eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'landing' }, object: { key, size: 3, eTag: etag } } }],
  });

/** Takes what the triggers enqueued and runs it through the real submit path. */
async function submitEnqueued() {
  const messages = await receiveAll(aws.sqs, aws.queueUrl, Number.MAX_SAFE_INTEGER, 600);
  const harness = createSubmitHarness(aws, master);
  const result = await harness.invoke(messages.map((m) => ({ messageId: m.MessageId!, body: m.Body! })));
  await harness.close();
  return { bodies: messages.map((m) => JSON.parse(m.Body!) as Record<string, unknown>), result };
}

describe('file arrivals', () => {
  it('S3 → SQS: duplicate notifications of one object and a marker directory give one import each', async () => {
    // Prepare: what S3 sends to the file-events queue, one object notified twice, keys URL-encoded.
    master.reset();
    const records = await roundTripThroughQueue(aws, [
      s3Notification('incoming/sales/daily+sales.csv', 'e1'),
      s3Notification('incoming/sales/daily+sales.csv', 'e1'),
      s3Notification('incoming/events/dt%3D21/part-0.parquet', 'p0'),
      s3Notification('incoming/events/dt%3D21/part-1.parquet', 'p1'),
      s3Notification('incoming/events/dt%3D21/_SUCCESS', 'm1'),
      s3Notification('incoming/events/dt%3D21/_SUCCESS', 'm1'),
    ]);
    // Act: the on-file function (SQS shape), then the submit function on what it enqueued.
    const fileResult = await handleFileEvent(
      { Records: records.map((r) => ({ ...r, eventSource: 'aws:sqs' })) },
      { rules: rules.fileRules, queue: queue(), logger: silentLogger },
    );
    const { bodies, result } = await submitEnqueued();
    // Assess
    expect(fileResult).toEqual({ batchItemFailures: [], enqueued: 4 });
    expect(bodies.map((b) => (b.readerConfig as { filePath: string }).filePath).sort()).toEqual([
      'incoming/events/dt=21/',
      'incoming/events/dt=21/',
      'incoming/sales/daily sales.csv',
      'incoming/sales/daily sales.csv',
    ]);
    // Copies in one batch meet a create in progress (retry later, then duplicate) or a finished one (duplicate).
    const kinds = result.outcomes.map((o) => o.outcome.kind);
    expect(kinds.filter((k) => k === 'submitted')).toHaveLength(2);
    expect(kinds.filter((k) => k !== 'submitted').every((k) => k === 'duplicate' || k === 'retry')).toBe(true);
    expect(
      master
        .creates()
        .map((c) => c.form!.fileType)
        .sort(),
    ).toEqual(['CSV', 'Parquet']);
  });

  it("tags each import with its file, so its task is found by the file's key; a file no rule matches is counted", async () => {
    master.reset();
    const counted: string[] = [];
    const metrics = { count: (name: string) => counted.push(name), milliseconds: () => {} };
    const records = await roundTripThroughQueue(aws, [s3Notification('incoming/sales/tagged.csv', 't1'), s3Notification('elsewhere/readme.txt', 'r1')]);
    await handleFileEvent(
      { Records: records.map((r) => ({ ...r, eventSource: 'aws:sqs' })) },
      { rules: rules.fileRules, queue: queue(), logger: silentLogger, metrics },
    );
    expect(counted).toEqual(['FilesUnmatched']);
    const messages = await receiveAll(aws.sqs, aws.queueUrl, 1);
    expect(messages[0]!.MessageAttributes?.['bulkpilot-source-file']?.StringValue).toBe('s3://landing/incoming/sales/tagged.csv');
    // The submit function gets the attribute as Lambda hands it over (lower-case fields).
    const harness = createSubmitHarness(aws, master);
    await harness.invoke(
      messages.map((m) => ({
        messageId: m.MessageId!,
        body: m.Body!,
        messageAttributes: Object.fromEntries(Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [k, { stringValue: v.StringValue }])),
      })),
    );
    await harness.close();
    const [task] = await new DynamoDbTaskStore({ client: aws.dynamodb, tableName: aws.tableName }).findBySourceFile('incoming/sales/tagged.csv');
    expect(task).toMatchObject({ sourceFile: 'incoming/sales/tagged.csv', sourceBucket: 'landing', state: 'SUBMITTED' });
  });

  it('a notification that is not JSON fails alone; its siblings are imported', async () => {
    master.reset();
    const records = await roundTripThroughQueue(aws, ['{broken', s3Notification('incoming/sales/b.csv', 'b1')]);
    const fileResult = await handleFileEvent(
      { Records: records.map((r) => ({ ...r, eventSource: 'aws:sqs' })) },
      { rules: rules.fileRules, queue: queue(), logger: silentLogger },
    );
    expect(fileResult.batchItemFailures).toEqual([{ itemIdentifier: records[0]!.messageId }]);
    expect(fileResult.enqueued).toBe(1);
    await submitEnqueued();
  });

  it('direct S3 and EventBridge invocations enqueue the same import (one task)', async () => {
    master.reset();
    await handleFileEvent(JSON.parse(s3Notification('incoming/sales/c%2Bd.csv', 'c1')), { rules: rules.fileRules, queue: queue(), logger: silentLogger });
    await handleFileEvent(
      { source: 'aws.s3', 'detail-type': 'Object Created', detail: { bucket: { name: 'landing' }, object: { key: 'incoming/sales/c+d.csv', etag: 'c1' } } },
      { rules: rules.fileRules, queue: queue(), logger: silentLogger },
    );
    const { result } = await submitEnqueued();
    expect(result.outcomes.map((o) => o.outcome.kind).filter((k) => k === 'submitted')).toHaveLength(1);
    expect(master.creates()).toHaveLength(1);
  });
});

describe('cron import rules', () => {
  it('a new rule whose first invocation falls just before its slot still fires that slot when the next one is late', async () => {
    master.reset();
    const cursors = new DynamoDbTaskStore({ client: aws.dynamodb, tableName: aws.tableName });
    const nightly = parseImportRules(
      {
        cronRules: [
          {
            id: 'nightly',
            schedule: 'cron(30 2 * * ? *)',
            template: { src: 'odps', dst: 'ld', readerConfig: { table: 'o' }, writerConfig: writer, driverSpec: 'large', instances: 2 },
          },
        ],
      },
      'rules.json',
      lindormTargets(),
    ).cronRules;
    const tick = (iso: string) => cronTick(nightly, { cursors, queue: queue(), logger: silentLogger, now: Date.parse(iso) });
    expect((await tick('2026-11-22T02:29:59Z')).fired).toEqual([]);
    expect((await tick('2026-11-22T02:31:01Z')).fired.map((f) => f.requestId)).toEqual(['cron-nightly-202611220230']);
    await submitEnqueued();
  });

  it("fires each slot once — with the slot's date, not the invocation's — even if invoked twice, concurrently or late", async () => {
    master.reset();
    const cursors = new DynamoDbTaskStore({ client: aws.dynamodb, tableName: aws.tableName });
    const tick = (iso: string) => cronTick(rules.cronRules, { cursors, queue: queue(), logger: silentLogger, now: Date.parse(iso) });

    expect((await tick('2026-11-21T10:30:00Z')).fired).toEqual([]); // first run: no backfill of history
    expect((await tick('2026-11-21T11:00:20Z')).fired.map((f) => f.requestId)).toEqual(['cron-hourly-202611211100']);
    expect((await tick('2026-11-21T11:00:40Z')).fired).toEqual([]); // invoked twice in the slot
    const [a, b] = await Promise.all([tick('2026-11-21T12:00:05Z'), tick('2026-11-21T12:00:06Z')]); // overlapping invocations
    expect([...a.fired, ...b.fired].map((f) => f.requestId)).toContain('cron-hourly-202611211200');
    const late = await tick('2026-11-21T15:10:00Z'); // three slots missed
    expect(late.fired.map((f) => f.slot)).toEqual(['2026-11-21T13:00:00.000Z', '2026-11-21T14:00:00.000Z', '2026-11-21T15:00:00.000Z']);

    const { bodies, result } = await submitEnqueued();
    const submitted = result.outcomes.filter((o) => o.outcome.kind === 'submitted');
    expect(submitted).toHaveLength(5); // 11, 12, 13, 14, 15 h: each slot once
    expect(master.creates()).toHaveLength(5);
    const fourteen = bodies.find((b) => b.requestId === 'cron-hourly-202611211400')!;
    expect((fourteen.readerConfig as { partition: string[] }).partition).toEqual(['ds=20261121', 'hh=14']);
  });
});

describe('rules that target Linkis', () => {
  const linkisTemplate = (variable: Record<string, string>) => ({
    target: 'linkis',
    executionContent: { code: 'INSERT OVERWRITE TABLE ods.sales SELECT * FROM csv.`${input}`', runType: 'sql' },
    params: { variable },
    labels: { engineType: 'spark-3.2.1', userCreator: 'etl-bulkpilot' },
  });
  const targetsFor = (url: string) =>
    targetsOf({ default: 'lindorm', targets: { lindorm: { backend: 'lindorm-bulkload', url: master.url }, linkis: linkisTargetEntry(url) } });

  it('a file arrival fills the variable its rule names; a nightly cron rule fills the slot date; each submits one Linkis task', async () => {
    const linkis = await createLinkisHarness(aws);
    try {
      const targets = targetsFor(linkis.gateway.url);
      const linkisRules = parseImportRules(
        {
          fileRules: [
            { id: 'sales-linkis', prefix: 'incoming/linkis/', suffix: '.csv', filePath: 's3://{bucket}/{key}', template: linkisTemplate({ input: '{path}' }) },
          ],
          cronRules: [{ id: 'nightly-linkis', schedule: 'cron(30 2 * * ? *)', template: linkisTemplate({ input: 's3://landing/daily/{yyyy}-{MM}-{dd}/' }) }],
        },
        'rules.json',
        targets,
      );
      const records = await roundTripThroughQueue(aws, [
        s3Notification('incoming/linkis/day%3D1.csv', 'l1'),
        s3Notification('incoming/linkis/day%3D1.csv', 'l1'),
      ]);
      await handleFileEvent(
        { Records: records.map((r) => ({ ...r, eventSource: 'aws:sqs' })) },
        { rules: linkisRules.fileRules, queue: queue(), logger: silentLogger },
      );
      const cursors = new DynamoDbTaskStore({ client: aws.dynamodb, tableName: aws.tableName });
      const tick = (iso: string) => cronTick(linkisRules.cronRules, { cursors, queue: queue(), logger: silentLogger, now: Date.parse(iso) });
      await tick('2026-11-22T02:29:00Z');
      await tick('2026-11-22T02:31:00Z');

      const messages = await receiveAll(aws.sqs, aws.queueUrl, 3, 1_000);
      linkis.h.submit.deps.targets = targets;
      const result = await linkis.h.submit.invoke(messages.map((m) => ({ messageId: m.MessageId!, body: m.Body! })));
      for (const failed of result.batchItemFailures)
        await linkis.h.submit.invoke([messages.map((m) => ({ messageId: m.MessageId!, body: m.Body! })).find((m) => m.messageId === failed.itemIdentifier)!]);
      const variables = linkis.gateway.submits().map((r) => (r.body as { params: { variable: { input: string } } }).params.variable.input);
      expect(variables.sort()).toEqual(['s3://landing/daily/2026-11-22/', 's3://landing/incoming/linkis/day=1.csv']);
      // The code's own `${input}` reaches Linkis untouched, for Linkis to substitute.
      expect(linkis.gateway.submits().every((r) => (r.body as { executionContent: { code: string } }).executionContent.code.includes('${input}'))).toBe(true);
    } finally {
      await linkis.close();
    }
  });

  it('a file rule for Linkis must say where the file goes: there is no set place for it', () => {
    expect(() =>
      parseImportRules(
        // `${path}` is Linkis' own variable, not a placeholder of the rule.
        { fileRules: [{ id: 'nowhere', prefix: 'in/', template: linkisTemplate({ input: '${path}' }) }] },
        'rules.json',
        targetsFor('http://linkis.invalid:9001'),
      ),
    ).toThrow(/rules\.json: fileRules\[0\]\.template: its backend has no set place for an arrived file: put \{path\}/);
  });

  it('a Linkis template is validated at load like a request, naming the field', () => {
    const template = { ...linkisTemplate({ input: '{path}' }), labels: { engineType: 'spark-3.2.1' } };
    expect(() => parseImportRules({ fileRules: [{ id: 'bad', prefix: 'in/', template }] }, 'rules.json', targetsFor('http://linkis.invalid:9001'))).toThrow(
      /fileRules\[0\]\.template\.labels\.userCreator: is required/,
    );
  });
});

describe('rules that target CDM and DIS', () => {
  it('a file arrival fills the CDM input its rule names; a daily cron rule names a DIS dump task by its date; each creates once', async () => {
    const huawei = await createHuaweiHarness(aws);
    try {
      const targets = targetsOf({ targets: { cdm: cdmTargetEntry(huawei.cloud), dis: disTargetEntry(huawei.cloud) } });
      // Each file's job needs a name of its own on its cluster: {fileId} gives one.
      const withInput = {
        ...cdmSeedJob('obs_import_{fileId}'),
        'from-config-values': { configs: [{ name: 'fromJobConfig', inputs: [{ name: 'fromJobConfig.inputDirectory', value: '{path}' }] }] },
      };
      const rules = parseImportRules(
        {
          fileRules: [
            {
              id: 'cdm-files',
              prefix: 'incoming/cdm/',
              suffix: '.csv',
              filePath: '/{bucket}/{key}',
              template: { target: 'cdm', jobs: [withInput], clusters: cdmRequest().clusters },
            },
          ],
          cronRules: [
            {
              id: 'daily-dump',
              schedule: 'cron(0 1 * * ? *)',
              template: { target: 'dis', ...disRequest('dump_{yyyy}{MM}{dd}') },
            },
          ],
        },
        'rules.json',
        targets,
      );
      const records = await roundTripThroughQueue(aws, [s3Notification('incoming/cdm/orders.csv', 'o1')]);
      await handleFileEvent(
        { Records: records.map((r) => ({ ...r, eventSource: 'aws:sqs' })) },
        { rules: rules.fileRules, queue: queue(), logger: silentLogger },
      );
      const cursors = new DynamoDbTaskStore({ client: aws.dynamodb, tableName: aws.tableName });
      await cronTick(rules.cronRules, { cursors, queue: queue(), logger: silentLogger, now: Date.parse('2026-11-22T00:59:00Z') });
      await cronTick(rules.cronRules, { cursors, queue: queue(), logger: silentLogger, now: Date.parse('2026-11-22T01:00:30Z') });
      const messages = await receiveAll(aws.sqs, aws.queueUrl, 2, 1_000);
      huawei.h.submit.deps.targets = targets;
      const result = await huawei.h.submit.invoke(messages.map((m) => ({ messageId: m.MessageId!, body: m.Body! })));
      expect(result.outcomes.map((o) => o.outcome.kind).sort()).toEqual(['submitted', 'submitted']);
      const [created] = huawei.cloud.requests({ endpoint: 'cdm.randomCreateAndStart' });
      const sentJob = (
        JSON.parse(created!.rawBody.toString()) as { jobs: Array<{ 'from-config-values': { configs: Array<{ inputs: Array<{ value: string }> }> } }> }
      ).jobs[0]!;
      expect(sentJob['from-config-values'].configs[0]!.inputs[0]!.value).toBe('/landing/incoming/cdm/orders.csv');
      expect((sentJob as unknown as { name: string }).name).toMatch(/^obs_import_[0-9a-f]{12}$/);
      expect(huawei.cloud.dis.tasks().map((t) => t.taskName)).toEqual(['dump_20261122']);
    } finally {
      await huawei.close();
    }
  });
});

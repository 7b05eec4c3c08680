import { describe, expect, it } from 'vitest';
import { routeObject } from '../../../lib/triggers/file-routing.ts';
import { ImportRulesError, parseImportRules } from '../../../lib/triggers/import-rules.ts';
import { decodeS3Key, objectOfEventBridge, objectsOfS3Notification } from '../../../lib/triggers/s3-events.ts';
import { lindormTargets } from '../../support/targets.ts';

const base = { src: 'oss', dst: 'ld', writerConfig: { namespace: 'default', lindormTable: 't' }, driverSpec: 'large', instances: 2 };
const rules = parseImportRules(
  {
    fileRules: [
      { id: 'csv', bucket: 'landing', prefix: 'in/sales/', suffix: '.csv', template: { ...base, readerConfig: { header: true } } },
      { id: 'typed', prefix: 'in/typed/', suffix: '.csv', template: { ...base, fileType: 'Parquet', readerConfig: '{"header":false}' } },
      {
        id: 'dirs',
        prefix: 'in/events/',
        suffix: '.parquet',
        marker: '_SUCCESS',
        filePath: 's3://{bucket}/{dir}',
        template: { ...base, src: 'hdfs', readerConfig: {} },
      },
    ],
  },
  'rules.json',
  lindormTargets(),
).fileRules;

const s3Event = (key: string, extra: Record<string, unknown> = {}) => ({
  Records: [{ eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'landing' }, object: { key, size: 10, eTag: 'abc', ...extra } } }],
});

describe('S3 notifications', () => {
  it('decodes form-encoded keys: + is a space, %XX a byte of UTF-8', () => {
    expect(decodeS3Key('in/sales/daily+sales+%282026%29.csv')).toBe('in/sales/daily sales (2026).csv');
    expect(decodeS3Key('in/%E6%95%B0%E6%8D%AE/a%2Bb.csv')).toBe('in/数据/a+b.csv');
  });

  it('reads direct, SNS-wrapped and EventBridge shapes; skips test events and deletions', () => {
    const [direct] = objectsOfS3Notification(s3Event('in/sales/a+b.csv'));
    expect(direct).toEqual({ bucket: 'landing', key: 'in/sales/a b.csv', size: 10, etag: 'abc', via: 's3' });
    const [viaSns] = objectsOfS3Notification({ Type: 'Notification', Message: JSON.stringify(s3Event('x+y.csv')) });
    expect(viaSns).toMatchObject({ key: 'x y.csv' });
    expect(objectsOfS3Notification({ Event: 's3:TestEvent' })).toEqual([{ reason: expect.stringContaining('TestEvent') }]);
    const [deleted] = objectsOfS3Notification({ Records: [{ eventSource: 'aws:s3', eventName: 'ObjectRemoved:Delete', s3: {} }] });
    expect(deleted).toMatchObject({ reason: expect.stringContaining('not an object creation') });
    // EventBridge keys are not encoded: a + stays a +.
    expect(
      objectOfEventBridge({
        source: 'aws.s3',
        'detail-type': 'Object Created',
        detail: { bucket: { name: 'landing' }, object: { key: 'in/a+b c.csv', etag: 'e', 'version-id': 'v1' } },
      }),
    ).toEqual({
      bucket: 'landing',
      key: 'in/a+b c.csv',
      etag: 'e',
      versionId: 'v1',
      via: 'eventbridge',
    });
  });
});

describe('routing a file to import requests', () => {
  it('fills readerConfig.filePath with the decoded key and fileType from the suffix', () => {
    const [object] = objectsOfS3Notification(s3Event('in/sales/daily+sales.csv'));
    const [routed] = routeObject(object as never, rules);
    expect(routed!.ruleId).toBe('csv');
    expect(routed!.request).toMatchObject({
      readerConfig: { header: true, filePath: 'in/sales/daily sales.csv' },
      fileType: 'CSV',
      requestId: expect.stringMatching(/^file-csv-[0-9a-f]{32}$/),
    });
  });

  it('keeps a fileType set by the template, and a config given as JSON text stays text', () => {
    const [routed] = routeObject({ bucket: 'other', key: 'in/typed/x.csv', etag: 'e', via: 's3' }, rules);
    expect(routed!.request.fileType).toBe('Parquet');
    expect(JSON.parse(routed!.request.readerConfig as string)).toEqual({ header: false, filePath: 'in/typed/x.csv' });
  });

  it('matches bucket, prefix and suffix', () => {
    expect(routeObject({ bucket: 'elsewhere', key: 'in/sales/a.csv', via: 's3' }, rules)).toEqual([]);
    expect(routeObject({ bucket: 'landing', key: 'in/sales/a.json', via: 's3' }, rules)).toEqual([]);
    expect(routeObject({ bucket: 'landing', key: 'out/sales/a.csv', via: 's3' }, rules)).toEqual([]);
  });

  it('gives the same notification delivered twice the same requestId, and a new version a new one', () => {
    const a = routeObject({ bucket: 'landing', key: 'in/sales/a.csv', etag: 'e1', via: 's3' }, rules)[0]!.request.requestId;
    const again = routeObject({ bucket: 'landing', key: 'in/sales/a.csv', etag: 'e1', via: 'eventbridge' }, rules)[0]!.request.requestId;
    const rewritten = routeObject({ bucket: 'landing', key: 'in/sales/a.csv', etag: 'e2', via: 's3' }, rules)[0]!.request.requestId;
    expect(again).toBe(a);
    expect(rewritten).not.toBe(a);
  });

  it('with a marker: data files start nothing, the marker imports its directory', () => {
    expect(routeObject({ bucket: 'landing', key: 'in/events/dt=1/part-0.parquet', etag: 'p', via: 's3' }, rules)).toEqual([]);
    const [routed] = routeObject({ bucket: 'landing', key: 'in/events/dt=1/_SUCCESS', etag: 'm', via: 's3' }, rules);
    expect(routed!.request).toMatchObject({ src: 'hdfs', fileType: 'Parquet', readerConfig: { filePath: 's3://landing/in/events/dt=1/' } });
  });
});

describe('import rules validation', () => {
  const check = (document: unknown) => () => parseImportRules(document, 'rules.json', lindormTargets());
  it.each([
    [{ fileRules: [{ id: 'a', sufix: '.csv', template: base }] }, /rules\.json: fileRules\[0\]\.sufix: unknown key/],
    [{ fileRules: 'x' }, /fileRules: must be an array/],
    [{ cronRules: [{ id: 'n', schedule: 'cron(0 2 * * *)', template: base }] }, /cronRules\[0\]\.schedule: .*needs 6 fields/],
    [
      { cronRules: [{ id: 'n', schedule: 'rate(1 hour)', template: { ...base, readerConfig: {}, instances: 'many' } }] },
      /cronRules\[0\]\.template\.instances: must be an integer/,
    ],
    [{ fileRules: [{ id: 'a', template: { ...base, readerConfig: {}, requestId: 'x' } }] }, /fileRules\[0\]\.template\.requestId: is derived/],
    [{ fileRules: [{ id: 'a', filePath: '{path}', template: { ...base, readerConfig: {} } }] }, /fileRules\[0\]\.filePath: unknown placeholder \{path\}/],
    [
      {
        fileRules: [
          { id: 'a', template: { ...base, readerConfig: {} } },
          { id: 'a', template: { ...base, readerConfig: {} } },
        ],
      },
      /fileRules\[1\]\.id: duplicate rule id "a"/,
    ],
    [{ rules: [] }, /\(root\)\.rules: unknown key/],
  ])('rejects %j naming the path', (document, message) => {
    expect(check(document)).toThrow(ImportRulesError);
    expect(check(document)).toThrow(message);
  });

  it('loads the shipped config/import-rules.json', async () => {
    const { readFileSync } = await import('node:fs');
    const document = JSON.parse(readFileSync(new URL('../../../config/import-rules.json', import.meta.url), 'utf8'));
    const loaded = parseImportRules(document, 'config/import-rules.json', lindormTargets());
    expect(loaded.fileRules.map((r) => r.id)).toEqual(['sales-csv', 'events-parquet']);
    expect(loaded.cronRules.map((r) => r.schedule.expression)).toEqual(['cron(30 2 * * ? *)']);
  });
});

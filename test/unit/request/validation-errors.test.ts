// Every mistake of a request is reported at once: the error, its collector, each backend's schema, the
// known list of an unknown field, and where a message that is not JSON goes wrong.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { envelopeFields, jsonErrorPosition, jsonSyntaxErrorOffset, lineAndColumn } from '../../../lib/request/fields.ts';
import { parseImportRequest } from '../../../lib/request/import-request.ts';
import { RequestValidationError, ValidationIssues } from '../../../lib/request/validation-error.ts';
import { cdmRequest, cdmSeedJob, disRequest } from '../../support/huawei.ts';
import { linkisSeedBody, linkisTargetEntry } from '../../support/linkis.ts';
import { seedRequest } from '../../support/seed-request.ts';
import { targetsOf } from '../../support/targets.ts';

const auth = { type: 'aksk', accessKey: { env: 'HW_AK' }, secretKey: { env: 'HW_SK' } };
const huawei = { url: 'https://cdm.cn-north-4.myhuaweicloud.com', projectId: '1551c7f6c808414d8e9f3c514a170f2e', auth };
const targets = targetsOf({
  default: 'lindorm',
  targets: {
    lindorm: { backend: 'lindorm-bulkload', url: 'http://master.invalid:12311' },
    linkis: linkisTargetEntry('http://linkis.invalid:9001'),
    cdm: { backend: 'huawei-cdm', ...huawei },
    dis: { backend: 'huawei-dis', ...huawei, url: 'https://dis.cn-north-4.myhuaweicloud.com' },
  },
});

function rejection(request: Record<string, unknown> | string): RequestValidationError {
  try {
    parseImportRequest(typeof request === 'string' ? request : JSON.stringify(request), targets);
  } catch (error) {
    if (error instanceof RequestValidationError) return error;
    throw error;
  }
  throw new Error('the request was accepted');
}
const fieldsOf = (error: RequestValidationError) => error.errors.map((e) => e.field);

describe('RequestValidationError', () => {
  it('keeps the one-error form: field, reason, a message of the two, and a list of one', () => {
    const error = new RequestValidationError('dst', 'is required');
    expect(error).toMatchObject({ name: 'RequestValidationError', field: 'dst', reason: 'is required', message: 'dst: is required' });
    expect(error.errors).toEqual([{ field: 'dst', reason: 'is required' }]);
  });

  it('is built from a list: the first is field/reason, the message names each in order', () => {
    const error = new RequestValidationError([
      { field: 'dst', reason: 'is required' },
      { field: 'driverSpec', reason: 'must be one of small, medium, large, xlarge, got string "huge"' },
    ]);
    expect(error).toMatchObject({ field: 'dst', reason: 'is required' });
    expect(error.message).toBe('dst: is required; driverSpec: must be one of small, medium, large, xlarge, got string "huge"');
    expect(() => new RequestValidationError([])).toThrow(TypeError);
  });

  it('spells out 20 errors in its message and counts the rest; the list keeps them all', () => {
    const error = new RequestValidationError(Array.from({ length: 23 }, (_, i) => ({ field: `f${i}`, reason: 'is wrong' })));
    expect(error.errors).toHaveLength(23);
    expect(error.message.split('; ')).toHaveLength(21);
    expect(error.message).toMatch(/f19: is wrong; and 3 more errors$/);
  });

  it('cuts a made-up field name short in its message, not in the field', () => {
    const long = 'k'.repeat(5000);
    const error = new RequestValidationError(long, 'is not a known field');
    expect(error.field).toBe(long);
    expect(error.message.length).toBeLessThan(300);
  });
});

describe('ValidationIssues', () => {
  it('returns a passing check’s value, notes a failing one’s errors (all of them), and throws them in order', () => {
    const issues = new ValidationIssues();
    expect(issues.check(() => 5)).toBe(5);
    expect(
      issues.check(() => {
        throw new RequestValidationError('a', 'is bad');
      }),
    ).toBeUndefined();
    issues.check(() => {
      throw new RequestValidationError([
        { field: 'b', reason: 'is bad' },
        { field: 'c', reason: 'is bad' },
      ]);
    });
    expect(issues.ok(() => {})).toBe(true);
    issues.add('d', 'is bad');
    expect(issues.count).toBe(4);
    expect(() => issues.throwIfAny()).toThrow(
      expect.objectContaining({ field: 'a', errors: ['a', 'b', 'c', 'd'].map((field) => ({ field, reason: 'is bad' })) }),
    );
  });

  it('lets other errors through and throws nothing when all passed', () => {
    const issues = new ValidationIssues();
    expect(() =>
      issues.check(() => {
        throw new RangeError('a bug, not a request mistake');
      }),
    ).toThrow(RangeError);
    expect(() => issues.throwIfAny()).not.toThrow();
  });
});

describe('a request with three independent mistakes is rejected with all three, in the order of its fields', () => {
  it('Lindorm', () => {
    const { dst: _, ...withoutDst } = seedRequest;
    const error = rejection({ ...withoutDst, driverSpec: 'huge', instances: 0 });
    expect(fieldsOf(error)).toEqual(['dst', 'driverSpec', 'instances']);
    expect(error.message).toBe(
      'dst: is required; driverSpec: must be one of small, medium, large, xlarge, got string "huge"; instances: must be between 1 and 1000, got 0',
    );
    expect(error).toMatchObject({ field: 'dst', reason: 'is required' });
  });

  it('Linkis', () => {
    const error = rejection({
      target: 'linkis',
      ...linkisSeedBody,
      executionContent: { code: 'show tables' },
      labels: { engineType: 'spark', userCreator: 'hadoop-IDE' },
      source: { scriptPath: 'x', retries: 3 },
    });
    expect(fieldsOf(error)).toEqual(['executionContent.runType', 'labels.engineType', 'source.retries']);
  });

  it('CDM', () => {
    const error = rejection({
      target: 'cdm',
      jobs: [{ ...cdmSeedJob(), job_type: 'FULL_JOB', 'to-link-name': '' }],
      clusters: ['../x'],
    });
    expect(fieldsOf(error)).toEqual(['jobs[0].job_type', 'jobs[0].to-link-name', 'clusters[0]']);
  });

  it('DIS', () => {
    const request = disRequest('mrstask', { deliver_time_interval: 10, mrs_cluster_id: undefined });
    const error = rejection({ target: 'dis', ...request, streamName: 'a/b' });
    expect(fieldsOf(error)).toEqual(['streamName', 'mrs_destination_descriptor.deliver_time_interval', 'mrs_destination_descriptor.mrs_cluster_id']);
  });
});

describe('what is collected and what still depends on an earlier check', () => {
  it('collects bulkpilot’s own fields with the backend’s: requestId, maxDurationMinutes, each retry key', () => {
    const error = rejection({ ...seedRequest, requestId: 'a b', maxDurationMinutes: 0, retry: { maxAttempts: 0, jitter: 1 }, instances: 'five' });
    expect(fieldsOf(error)).toEqual(['requestId', 'maxDurationMinutes', 'retry.maxAttempts', 'retry.jitter', 'instances']);
  });

  it('cannot check the fields of an unknown target, but still checks bulkpilot’s own', () => {
    const error = rejection({ ...seedRequest, target: 'nowhere', requestId: 7, src: 42 });
    expect(fieldsOf(error)).toEqual(['target', 'requestId']);
  });

  it('checks nothing else of a message that is not a JSON object', () => {
    expect(fieldsOf(rejection('[1,2]'))).toEqual(['(message)']);
    expect(fieldsOf(rejection('{"src": 1,'))).toEqual(['(message)']);
  });

  it('names each unknown field, and each bad entry of a list', () => {
    expect(fieldsOf(rejection({ ...seedRequest, dest: 'ld', Instances: 5 }))).toEqual(['dest', 'Instances']);
    expect(fieldsOf(rejection({ target: 'cdm', ...cdmRequest(), clusters: ['ok-1', '../x', 7, 'ok-2', ''] }))).toEqual([
      'clusters[1]',
      'clusters[2]',
      'clusters[4]',
    ]);
    const inputs = [
      { name: 'a', value: 1 },
      { name: '', value: 'x' },
      { name: 'c', value: 'fine' },
    ];
    const error = rejection({ target: 'cdm', jobs: [{ ...cdmSeedJob(), 'driver-config-values': { configs: [{ name: 'c', inputs }] } }], clusters: ['x'] });
    expect(fieldsOf(error)).toEqual(['jobs[0].driver-config-values.configs[0].inputs[0].value', 'jobs[0].driver-config-values.configs[0].inputs[1].name']);
  });

  it('does not check the inside of a part that has the wrong shape', () => {
    // jobs is not an array: its Job is not looked at; clusters is still checked.
    expect(fieldsOf(rejection({ target: 'cdm', jobs: { name: 'x y' }, clusters: [] }))).toEqual(['jobs', 'clusters']);
    // An unknown destination type: no descriptor can be checked against it.
    expect(fieldsOf(rejection({ target: 'dis', streamName: 'a/b', destination_type: 'KAFKA', obs_destination_descriptor: {} }))).toEqual([
      'streamName',
      'destination_type',
    ]);
    // labels is a string: none of its labels is asked for.
    expect(fieldsOf(rejection({ target: 'linkis', ...linkisSeedBody, labels: 'spark' }))).toEqual(['labels']);
    // A label of the wrong type is named once, not again for its pattern.
    expect(fieldsOf(rejection({ target: 'linkis', ...linkisSeedBody, labels: { engineType: 3, userCreator: 'x' } }))).toEqual([
      'labels.engineType',
      'labels.userCreator',
    ]);
  });

  it('reports the same first error as one that stopped at the first', () => {
    // src is checked before dst and fileType: what was the only error is now the first of three.
    const error = rejection({ ...seedRequest, dst: '', src: 3, fileType: 'XLS' });
    expect(error).toMatchObject({ field: 'src', reason: 'must be a string, got number 3' });
    expect(fieldsOf(error)).toEqual(['src', 'dst', 'fileType']);
  });
});

describe('the known list of an unknown field', () => {
  it.each([
    ['lindorm', { ...seedRequest }, ['src', 'dst', 'readerConfig', 'writerConfig', 'driverSpec', 'instances', 'fileType', 'sparkAdditionalParams']],
    ['linkis', { ...linkisSeedBody }, ['executionContent', 'params', 'source', 'labels']],
    ['cdm', cdmRequest(), ['jobs', 'clusters']],
    ['dis', disRequest(), ['streamName', 'destination_type', 'mrs_destination_descriptor', 'obs_destination_descriptor']],
  ])('names the fields of %s and bulkpilot’s own', (target, request, own) => {
    const error = rejection({ target, ...request, requestid: 'r-1' });
    expect(error.field).toBe('requestid');
    const known = /\(known: (.*)\)$/.exec(error.reason)![1]!.split(', ');
    for (const field of [...own, ...envelopeFields]) expect(known).toContain(field);
    expect(envelopeFields).toEqual(['requestId', 'target', 'backend', 'maxDurationMinutes', 'retry', 'priority']);
  });
});

describe('where a text stops being JSON', () => {
  it('is found by line and column, never by quoting it', () => {
    const text = '{\n  "a": 1,\n  "b": [1, 2,]\n}';
    expect(jsonSyntaxErrorOffset(text)).toBe(text.indexOf(']'));
    expect(jsonErrorPosition(undefined, text)).toBe(' (at line 3, column 14)');
    expect(jsonErrorPosition(undefined, '{"a":')).toBe(' (it ends too early, at line 1, column 6)');
    expect(jsonErrorPosition(undefined, '{"secret": hunter2}')).toBe(' (at line 1, column 12)');
    expect(lineAndColumn('a\r\nb\rc\n😀x', 9)).toEqual({ line: 4, column: 2 }); // CRLF, CR and LF end lines; an emoji is one column
  });

  it('agrees with JSON.parse on what is JSON, whatever the text', () => {
    const piece = fc.constantFrom(
      '{',
      '}',
      '[',
      ']',
      ':',
      ',',
      '"',
      '\\',
      'u',
      '0',
      '1',
      '-',
      '.',
      'e',
      '+',
      ' ',
      '\n',
      'true',
      'null',
      'fals',
      'x',
      '\u0001',
      '"a"',
      '12',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 24 }), (pieces) => {
        const text = pieces.join('');
        let parses = true;
        try {
          JSON.parse(text);
        } catch {
          parses = false;
        }
        const offset = jsonSyntaxErrorOffset(text);
        expect(offset === undefined).toBe(parses);
        if (offset !== undefined) expect(offset).toBeLessThanOrEqual(text.length);
      }),
      { numRuns: 3000 },
    );
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(jsonSyntaxErrorOffset(JSON.stringify(value, null, 2))).toBeUndefined();
      }),
    );
  });

  it('costs no stack on a hostile depth', () => {
    expect(jsonSyntaxErrorOffset('['.repeat(200_000))).toBe(200_000);
    expect(jsonSyntaxErrorOffset(`${'['.repeat(200_000)}${']'.repeat(200_000)}`)).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { parseImportRequest, requestIdOfInvalid } from '../../../lib/request/import-request.ts';
import { RequestValidationError } from '../../../lib/request/validation-error.ts';
import { seedReaderConfig, seedRequest, seedWriterConfig } from '../../support/seed-request.ts';
import { lindormTargets } from '../../support/targets.ts';

// Parsing never calls the master: the target's URL need only be well formed.
const registry = lindormTargets();
const parse = (request: unknown) => parseImportRequest(typeof request === 'string' ? request : JSON.stringify(request), registry);

function rejection(request: unknown): { field: string; reason: string } {
  try {
    parse(request);
  } catch (error) {
    if (error instanceof RequestValidationError) return { field: error.field, reason: error.reason };
    throw error;
  }
  throw new Error('expected a RequestValidationError');
}

describe('the import request schema', () => {
  it('accepts the seed example as written, with instances as the form string "5" or the number 5', () => {
    for (const instances of ['5', 5]) {
      const request = parse({ ...seedRequest, instances });
      expect(request).toMatchObject({ backend: 'lindorm-bulkload', requestIdSource: 'derived' });
      expect(request.params).toEqual({
        src: 'hdfs',
        dst: 'ld',
        readerConfig: seedReaderConfig,
        writerConfig: seedWriterConfig,
        driverSpec: 'large',
        instances: 5,
        fileType: 'Parquet',
      });
    }
  });

  it('derives one stable requestId from the content, whatever the form of the configs and the order of keys', () => {
    const asStrings = parse(seedRequest);
    const reordered = Object.fromEntries(Object.entries(seedRequest).reverse());
    const asObjects = parse({ ...reordered, readerConfig: JSON.parse(seedReaderConfig), writerConfig: JSON.parse(seedWriterConfig) });
    expect(asStrings.requestId).toMatch(/^auto-[0-9a-f]{32}$/);
    expect(asObjects.requestId).toBe(asStrings.requestId);
    expect(parse({ ...seedRequest, instances: 6 }).requestId).not.toBe(asStrings.requestId);
  });

  it('keeps a given requestId and the backend field', () => {
    expect(parse({ ...seedRequest, requestId: 'daily-2026-11-21', backend: 'lindorm-bulkload' })).toMatchObject({
      requestId: 'daily-2026-11-21',
      requestIdSource: 'client',
    });
  });

  it('sends a config given as a string verbatim, and one given as an object serialized', () => {
    const spaced = '{ "filePath" : "p/" }';
    expect((parse({ ...seedRequest, readerConfig: spaced }).params as { readerConfig: string }).readerConfig).toBe(spaced);
    expect((parse({ ...seedRequest, readerConfig: { filePath: 'p/' } }).params as { readerConfig: string }).readerConfig).toBe('{"filePath":"p/"}');
  });

  it.each([
    ['not JSON', 'nope{', '(message)', /not valid JSON/],
    ['a JSON array', '[1,2]', '(message)', /must be a JSON object, got an array/],
    ['a JSON string', '"hi"', '(message)', /got string "hi"/],
    ['missing src', { ...seedRequest, src: undefined }, 'src', /is required/],
    ['missing dst', { ...seedRequest, dst: undefined }, 'dst', /is required/],
    ['empty dst', { ...seedRequest, dst: '' }, 'dst', /must not be empty/],
    ['dst with a newline', { ...seedRequest, dst: 'ld\nx=1' }, 'dst', /control characters/],
    ['dst with padding', { ...seedRequest, dst: ' ld' }, 'dst', /whitespace/],
    ['src not a string', { ...seedRequest, src: 42 }, 'src', /must be a string, got number 42/],
    ['instances as a word', { ...seedRequest, instances: 'five' }, 'instances', /integer .* got string "five"/],
    ['instances fractional', { ...seedRequest, instances: 2.5 }, 'instances', /integer/],
    ['instances zero', { ...seedRequest, instances: 0 }, 'instances', /between 1 and 1000/],
    ['instances as boolean', { ...seedRequest, instances: true }, 'instances', /got boolean true/],
    ['driverSpec unknown', { ...seedRequest, driverSpec: 'huge' }, 'driverSpec', /one of small, medium, large, xlarge/],
    ['fileType unknown', { ...seedRequest, fileType: 'XLS' }, 'fileType', /one of CSV, Parquet/],
    ['readerConfig not JSON', { ...seedRequest, readerConfig: '{"a":' }, 'readerConfig', /not valid JSON/],
    ['readerConfig an array', { ...seedRequest, readerConfig: [1] }, 'readerConfig', /must be a JSON object, got an array/],
    ['writerConfig missing', { ...seedRequest, writerConfig: undefined }, 'writerConfig', /is required/],
    ['readerConfig too deep', { ...seedRequest, readerConfig: JSON.parse('{"a":'.repeat(40) + '1' + '}'.repeat(40)) }, 'readerConfig', /deeper than 32/],
    ['readerConfig too large', { ...seedRequest, readerConfig: { filePath: 'x'.repeat(70_000) } }, 'readerConfig', /at most 65536 bytes/],
    [
      'an unsafe integer in an object config',
      // biome-ignore lint/correctness/noPrecisionLoss: an integer past 2^53 is the input under test
      { ...seedRequest, readerConfig: '{}', writerConfig: { timestamp: 12345678901234567890 } },
      'writerConfig.timestamp',
      /too large/,
    ],
    ['an unknown field', { ...seedRequest, dest: 'ld' }, 'dest', /not a known field/],
    ['an unknown backend', { ...seedRequest, backend: 'oracle' }, 'backend', /unknown backend "oracle"/],
    ['an unknown target', { ...seedRequest, target: 'lindorm-2' }, 'target', /unknown target "lindorm-2" \(targets: lindorm\)/],
    ['a target that is not a string', { ...seedRequest, target: 3 }, 'target', /must be a string/],
    ['a requestId with spaces', { ...seedRequest, requestId: 'a b' }, 'requestId', /printable ASCII/],
    ['a requestId number', { ...seedRequest, requestId: 7 }, 'requestId', /must be a string/],
    [
      'sparkAdditionalParams with a newline',
      { ...seedRequest, sparkAdditionalParams: '--conf a=b\n--conf c=d' },
      'sparkAdditionalParams',
      /control characters/,
    ],
  ])('rejects %s, naming the field', (_label, request, field, reason) => {
    const error = rejection(request);
    expect(error.field).toBe(field);
    expect(error.reason).toMatch(reason);
  });

  it('never quotes the input in a JSON error: a secret in a broken config stays out of reasons', () => {
    const broken = '{"src":"hdfs","readerConfig":{"accessKeySecret": SuperSecretValue123, "x": 1}}';
    const error = rejection(broken);
    expect(error).toMatchObject({ field: '(message)', reason: expect.stringMatching(/^is not valid JSON \(at line 1, column 50\)$/) });
    expect(error.reason).not.toContain('SuperSecret');
    const asString = rejection({ ...seedRequest, readerConfig: '{"accessKeySecret": SuperSecretValue123}' });
    expect(asString.reason).not.toContain('SuperSecret');
  });

  it('keeps a readable requestId of an invalid message, else derives one from its bytes', () => {
    expect(requestIdOfInvalid(JSON.stringify({ requestId: 'r-1', dst: 3 }))).toBe('r-1');
    expect(requestIdOfInvalid('garbage')).toMatch(/^auto-[0-9a-f]{32}$/);
    expect(requestIdOfInvalid('garbage')).toBe(requestIdOfInvalid('garbage'));
  });
});

// A request read from a file, stdin or the command line, and a rejected one described for people.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { describeValidationError, RequestInputError, readRequestInput } from '../../../lib/cli/request-input.ts';
import { parseImportRequest } from '../../../lib/request/import-request.ts';
import { RequestValidationError } from '../../../lib/request/validation-error.ts';
import { seedRequest } from '../../support/seed-request.ts';
import { lindormTargets } from '../../support/targets.ts';

// Root reads any file whatever its mode, so a refusal is also made up: a path under /denied/ fails as the system would.
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const readFileSync = ((path: unknown, ...rest: unknown[]) => {
    if (typeof path === 'string' && path.startsWith('/denied/')) {
      throw Object.assign(new Error(`EACCES: permission denied, open '${path}'`), { code: path.endsWith('eperm.json') ? 'EPERM' : 'EACCES' });
    }
    return (fs.readFileSync as (...args: unknown[]) => unknown)(path, ...rest);
  }) as typeof fs.readFileSync;
  return { ...fs, readFileSync, default: { ...fs, readFileSync } };
});

const dir = mkdtempSync(join(tmpdir(), 'request-input-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const noStdin = () => {
  throw new Error('stdin was read');
};
const targets = lindormTargets();

function inputError(source: string, readStdin: () => string = noStdin): RequestInputError {
  try {
    readRequestInput(source, readStdin);
  } catch (error) {
    if (error instanceof RequestInputError) return error;
    throw error;
  }
  throw new Error('the input was read');
}

function rejectionOf(body: string): RequestValidationError {
  try {
    parseImportRequest(body, targets);
  } catch (error) {
    if (error instanceof RequestValidationError) return error;
    throw error;
  }
  throw new Error('the request was accepted');
}

describe('readRequestInput', () => {
  it('reads a file, named by its path', () => {
    const path = file('ok.json', '{"src":"hdfs"}\n');
    expect(readRequestInput(path, noStdin)).toEqual({ body: '{"src":"hdfs"}\n', origin: path });
  });

  it('reads stdin for -, and takes text starting with { as the request itself', () => {
    expect(readRequestInput('-', () => '{"a":1}')).toEqual({ body: '{"a":1}', origin: 'stdin' });
    expect(readRequestInput('  {"a":1}', noStdin)).toEqual({ body: '  {"a":1}', origin: 'inline JSON' });
  });

  it('drops the byte-order mark an editor may write, which JSON does not allow', () => {
    expect(readRequestInput(file('bom.json', '\uFEFF{"a":1}'), noStdin).body).toBe('{"a":1}');
    expect(readRequestInput('-', () => '\uFEFF{"a":1}').body).toBe('{"a":1}');
  });

  it.each([
    ['a missing file', join(dir, 'nope.json'), `cannot read request file ${join(dir, 'nope.json')}: no such file`],
    [
      'a path through a file',
      join(dir, 'ok.json', 'x.json'),
      `cannot read request file ${join(dir, 'ok.json', 'x.json')}: no such file (a part of the path is not a directory)`,
    ],
    ['a directory', dir, `cannot read request file ${dir}: is a directory`],
    ['a file it may not read', '/denied/a.json', 'cannot read request file /denied/a.json: permission denied'],
    ['a file it may not read (EPERM)', '/denied/eperm.json', 'cannot read request file /denied/eperm.json: permission denied'],
    ['nothing', '', 'no request given: name a file, - for stdin, or give the request as JSON'],
  ])('says clearly why it cannot read %s', (_label, source, message) => {
    file('ok.json', '{}');
    const error = inputError(source);
    expect(error.message).toBe(message);
    expect(error.source).toBe(source);
    expect(error.message).not.toMatch(/ENOENT|EISDIR|EACCES/);
  });

  it('says an empty file or an empty stdin is empty', () => {
    expect(inputError(file('empty.json', ' \n')).message).toBe(`request file ${join(dir, 'empty.json')} is empty`);
    expect(inputError('-', () => '').message).toBe('stdin is empty: no request was given');
  });

  it('says stdin could not be read, and why', () => {
    const failing = () => {
      throw Object.assign(new Error('EAGAIN: resource temporarily unavailable, read'), { code: 'EAGAIN' });
    };
    expect(inputError('-', failing).message).toBe('cannot read the request from stdin: EAGAIN: resource temporarily unavailable, read');
  });
});

describe('describeValidationError', () => {
  it('names the origin, then each error on a line of its own', () => {
    const { dst: _, ...withoutDst } = seedRequest;
    const body = JSON.stringify({ ...withoutDst, driverSpec: 'huge', instances: 0 });
    expect(describeValidationError(rejectionOf(body), 'requests/daily.json', body)).toBe(
      [
        'requests/daily.json: invalid request:',
        '  dst: is required',
        '  driverSpec: must be one of small, medium, large, xlarge, got string "huge"',
        '  instances: must be between 1 and 1000, got 0',
      ].join('\n'),
    );
  });

  it('places a request that is not JSON by line and column, without quoting it', () => {
    const body = '{\n  "src": "hdfs",\n  "readerConfig": {"secret": hunter2}\n}\n';
    expect(describeValidationError(rejectionOf(body), 'a.json', body)).toBe('a.json: invalid request:\n  not valid JSON at line 3, column 30');
    const cut = '{\n  "src": "hdfs",\n';
    expect(describeValidationError(rejectionOf(cut), 'b.json', cut)).toBe('b.json: invalid request:\n  not valid JSON: it ends too early, at line 3, column 1');
  });

  it('says what is wrong with a message that is JSON but not an object', () => {
    expect(describeValidationError(rejectionOf('[1]'), 'stdin', '[1]')).toBe('stdin: invalid request:\n  the request must be a JSON object, got an array');
  });
});

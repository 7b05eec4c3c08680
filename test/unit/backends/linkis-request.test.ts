import { describe, expect, it } from 'vitest';
import { parseImportRequest } from '../../../lib/request/import-request.ts';
import { linkisSeedBody, linkisTargetEntry } from '../../support/linkis.ts';
import { targetsOf } from '../../support/targets.ts';

const targets = targetsOf({
  default: 'lindorm',
  targets: { lindorm: { backend: 'lindorm-bulkload', url: 'http://master.invalid:12311' }, linkis: linkisTargetEntry('http://linkis.invalid:9001') },
});
const parse = (body: Record<string, unknown>) => parseImportRequest(JSON.stringify({ requestId: 'r-1', target: 'linkis', ...body }), targets);
const fieldOf = (body: Record<string, unknown>) => {
  try {
    parse(body);
  } catch (error) {
    return `${(error as { field?: string }).field}: ${(error as { reason?: string }).reason}`;
  }
  throw new Error('the request was accepted');
};
const without = (path: string[]) => {
  const body = structuredClone(linkisSeedBody) as Record<string, unknown>;
  let at = body;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string, unknown>;
  delete at[path.at(-1)!];
  return body;
};

describe('a Linkis import request (the /entrance/submit body at the top level)', () => {
  it('accepts the seed example as written and routes it to the Linkis target', () => {
    const request = parse(linkisSeedBody);
    expect(request).toMatchObject({ target: 'linkis', backend: 'linkis', params: linkisSeedBody });
    expect(request.summary).toEqual({ source: 'file:///tmp/hadoop/test.sql', destination: 'spark-2.4.3 as hadoop-IDE' });
  });

  it('accepts backend "linkis" with its target, and refuses it with another target', () => {
    expect(parse({ ...linkisSeedBody, backend: 'linkis' }).target).toBe('linkis');
    expect(() => parseImportRequest(JSON.stringify({ ...linkisSeedBody, backend: 'linkis' }), targets)).toThrow(
      /backend: must equal the backend of the default target lindorm.*targets of backend linkis: linkis/,
    );
  });

  it('names the field of each mistake', () => {
    expect(fieldOf(without(['labels', 'engineType']))).toMatch(/^labels\.engineType: is required/);
    expect(fieldOf(without(['labels', 'userCreator']))).toMatch(/^labels\.userCreator: is required/);
    expect(fieldOf(without(['labels']))).toMatch(/^labels: is required/);
    expect(fieldOf({ ...linkisSeedBody, executionContent: { code: '   ', runType: 'sql' } })).toBe('executionContent.code: must not be empty');
    expect(fieldOf({ ...linkisSeedBody, executionContent: { code: 'show tables' } })).toMatch(/^executionContent\.runType: is required/);
    expect(fieldOf({ ...linkisSeedBody, source: { scriptPath: 'x', retries: 3 } })).toMatch(
      /^source\.retries: must be a string \(Linkis keeps source as strings\), got number 3/,
    );
    expect(fieldOf({ ...linkisSeedBody, executeApplicationName: 'spark' })).toMatch(/^executeApplicationName: /);
    expect(fieldOf({ ...linkisSeedBody, labels: { engineType: 'spark', userCreator: 'hadoop-IDE' } })).toMatch(
      /^labels\.engineType: must be <engine>-<version>/,
    );
    expect(fieldOf({ ...linkisSeedBody, labels: { engineType: 'spark-2.4.3', userCreator: 'hadoop' } })).toMatch(
      /^labels\.userCreator: must be <user>-<creator>/,
    );
    expect(fieldOf({ ...linkisSeedBody, labels: { ...linkisSeedBody.labels, jobRunningTimeout: 600 } })).toMatch(
      /^labels\.jobRunningTimeout: must be a string/,
    );
    expect(fieldOf({ ...linkisSeedBody, params: { variable: 'x=1' } })).toMatch(/^params\.variable: must be an object/);
    expect(fieldOf({ ...linkisSeedBody, params: { configuration: { startup: [] } } })).toMatch(/^params\.configuration\.startup: must be an object/);
  });

  it('keeps the source key bulkpilot marks its submits with to itself', () => {
    expect(fieldOf({ ...linkisSeedBody, source: { bulkpilotMarker: 'mine' } })).toMatch(/^source\.bulkpilotMarker: is set by bulkpilot/);
  });

  it('hashes a request by what it means: key order does not make another request', () => {
    const reordered = {
      labels: { userCreator: 'hadoop-IDE', engineType: 'spark-2.4.3' },
      source: linkisSeedBody.source,
      params: linkisSeedBody.params,
      executionContent: { runType: 'sql', code: 'show tables' },
    };
    expect(parse(reordered).contentHash).toBe(parse(linkisSeedBody).contentHash);
    expect(parse({ ...linkisSeedBody, executionContent: { code: 'show databases', runType: 'sql' } }).contentHash).not.toBe(parse(linkisSeedBody).contentHash);
  });
});

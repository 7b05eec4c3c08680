import { describe, expect, it } from 'vitest';
import { readProcInfo } from '../../../lib/backends/lindorm/info.ts';
import { parseRetryAfter } from '../../../lib/http/retry.ts';

describe('reading a proc info leniently', () => {
  it('reads the documented example', () => {
    const info = readProcInfo(
      {
        checkJobs: [],
        procId: 'proc-91-ff38',
        incrJobs: [],
        procConfig: {},
        stage: 'WAIT_FOR_SUCCESS',
        fullJobs: [],
        mergeJobs: [],
        srcDS: 'hdfs',
        sinkDS: 'ld-uf6',
        state: 'RUNNING',
        schemaJob: {},
        procType: 'SPARK_BULKLOAD',
      },
      'proc-91-ff38',
    );
    expect(info).toMatchObject({
      procId: 'proc-91-ff38',
      state: 'RUNNING',
      stage: 'WAIT_FOR_SUCCESS',
      srcDS: 'hdfs',
      sinkDS: 'ld-uf6',
      procType: 'SPARK_BULKLOAD',
      subJobs: [],
    });
  });

  it('keeps unknown states and stages verbatim', () => {
    expect(readProcInfo({ state: 'QUEUED_FOR_YARN', stage: 'SOMETHING_NEW' }, 'p')).toMatchObject({
      state: 'QUEUED_FOR_YARN',
      stage: 'SOMETHING_NEW',
      procId: 'p',
    });
  });

  it('tolerates sub-job lists of any shape', () => {
    const info = readProcInfo(
      {
        state: 'RUNNING',
        fullJobs: [{ jobName: 'fulldata-1', state: 'SUCCEEDED', table: 't1' }, 'bare-name', 7, null],
        bulkloadJobs: [{ TaskName: 'bulkload-1', state: 'RUNNING' }],
        mergeJobs: { name: 'single-object' },
        checkJobs: '[{"status":"OK"}]',
        incrJobs: 'not json',
        inrcJobs: null,
      },
      'p',
    );
    if (typeof info === 'string') throw new Error(info);
    expect(info.subJobs).toEqual([
      { group: 'fullJobs', name: 'fulldata-1', state: 'SUCCEEDED', table: 't1' },
      { group: 'fullJobs', name: 'bare-name' },
      { group: 'fullJobs', name: '7' },
      { group: 'fullJobs', name: 'null' },
      { group: 'incrJobs', name: 'not json' },
      { group: 'mergeJobs', name: 'single-object' },
      { group: 'checkJobs', state: 'OK' },
      { group: 'bulkloadJobs', name: 'bulkload-1', state: 'RUNNING' },
    ]);
  });

  it('says what is missing when data or its state is absent', () => {
    expect(readProcInfo(undefined, 'p')).toBe('`data` is not an object');
    expect(readProcInfo({ stage: 'X' }, 'p')).toBe('`data.state` is missing');
  });
});

describe('Retry-After', () => {
  it('reads seconds and HTTP dates', () => {
    const now = Date.parse('2026-11-21T10:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter('Sat, 21 Nov 2026 10:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});

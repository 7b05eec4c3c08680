// How CDM submissions and DIS task states read as bulkpilot phases, and what a failed CDM create means.
import { describe, expect, it } from 'vitest';
import { CdmBackend } from '../../../lib/backends/huawei-cdm/backend.ts';
import { CdmClient } from '../../../lib/backends/huawei-cdm/client.ts';
import { defaultStoppedPattern } from '../../../lib/backends/huawei-cdm/config.ts';
import { CdmApiError, CdmHttpError, CdmNetworkError, CdmTimeoutError, CdmValidationError } from '../../../lib/backends/huawei-cdm/errors.ts';
import { cdmPhase } from '../../../lib/backends/huawei-cdm/status.ts';
import { readSubmission } from '../../../lib/backends/huawei-cdm/submission.ts';
import { HuaweiAuthError } from '../../../lib/backends/huawei-cloud/errors.ts';
import { disPhase } from '../../../lib/backends/huawei-dis/status.ts';

const stopped = new RegExp(defaultStoppedPattern, 'i');
const phase = (status: string, more: Record<string, unknown> = {}) => cdmPhase(readSubmission({ 'job-name': 'j', status, ...more }) as never, stopped);

describe('a CDM submission', () => {
  it('maps every documented status, and keeps NEVER_EXECUTED, UNKNOWN and new values verbatim and open', () => {
    expect(['NEW', 'PENDING', 'BOOTING'].map((s) => phase(s))).toEqual(['pending', 'pending', 'pending']);
    expect(phase('RUNNING', { progress: 42 })).toBe('running');
    expect(phase('SUCCEEDED')).toBe('succeeded');
    expect(phase('FAILED', { progress: -1, 'error-summary': 'Cdm.0234: the target table does not exist' })).toBe('failed');
    expect(phase('FAILURE_ON_SUBMIT')).toBe('failed');
    expect(phase('RUNNING', { progress: -1 })).toBe('failed');
    expect(phase('FAILED', { progress: -1, 'error-summary': 'The job was stopped by the user.' })).toBe('aborted');
    expect(['NEVER_EXECUTED', 'UNKNOWN', 'SUSPENDED'].map((s) => phase(s))).toEqual(['unknown', 'unknown', 'unknown']);
  });

  it('reads the counters of a success, leaving out the ones CDM marks -1 (not applicable)', () => {
    const s = readSubmission({
      'job-name': 'j',
      status: 'SUCCEEDED',
      counters: { 'org.apache.sqoop.submission.counter.SqoopCounters': { ROWS_READ: 7, ROWS_WRITTEN: 7, FILES_READ: -1, BYTES_WRITTEN: 700 } },
    });
    expect(s).toMatchObject({ counters: { ROWS_READ: 7, ROWS_WRITTEN: 7, BYTES_WRITTEN: 700 } });
  });
});

describe("a CDM run's end time", () => {
  const statusOf = (submission: Record<string, unknown>) =>
    new CdmBackend({
      maxCallMs: 1_000,
      maxReadMs: 1_000,
      jobStatus: async () => [readSubmission({ 'job-name': 'j', 'submission-id': 3, ...submission })],
    } as unknown as CdmClient).status({
      jobName: 'j',
      clusterId: 'c1',
      submissionId: 3,
    });

  it("is the ended run's last-update-date, and absent while it runs (the report's detection delay)", async () => {
    expect(await statusOf({ status: 'SUCCEEDED', progress: 100, 'last-update-date': 1_700_000_123_000 })).toMatchObject({ endedAt: 1_700_000_123_000 });
    expect(await statusOf({ status: 'FAILED', progress: -1, 'last-update-date': 1_700_000_124_000 })).toMatchObject({
      phase: 'failed',
      endedAt: 1_700_000_124_000,
    });
    expect((await statusOf({ status: 'RUNNING', progress: 40, 'last-update-date': 1_700_000_100_000 })).endedAt).toBeUndefined();
    expect((await statusOf({ status: 'SUCCEEDED', progress: 100 })).endedAt).toBeUndefined();
  });
});

describe('a DIS dump task', () => {
  it('never succeeds: running is healthy, a stop is PAUSED, ERROR and ABNORMAL are failures', () => {
    expect(['STARTING', 'RUNNING', 'PAUSED', 'DELETE', 'ERROR', 'ABNORMAL', 'FROZEN'].map(disPhase)).toEqual([
      'pending',
      'running',
      'aborted',
      'aborted',
      'failed',
      'failed',
      'unknown',
    ]);
  });
});

describe('what a failed CDM create means', () => {
  const backend = new CdmBackend(new CdmClient({ url: 'https://cdm.invalid', projectId: 'p', auth: { authorize: async () => ({}) } }));
  const where = { method: 'POST', url: 'https://cdm.invalid/v1.1/p/clusters/job' };
  const api = (status: number, code: string) => new CdmApiError({ ...where, status, code, apiMessage: 'm' });
  const kind = (error: unknown) => backend.classifyCreateFailure(error).kind;

  it('a name the chosen cluster has, a bad job, a missing link: refused for good, saying why', () => {
    expect(backend.classifyCreateFailure(api(400, 'Cdm.0104')).reason).toMatch(/already exists on the cluster CDM chose .* name each run/);
    for (const code of ['Cdm.0014', 'Cdm.0089', 'Cdm.0101', 'Cdm.0102']) expect(kind(api(400, code)), code).toBe('refused');
    expect(kind(new CdmValidationError({ ...where, messages: ['bad'] }))).toBe('refused');
  });

  it('no running cluster, throttling, a refusal at the gateway, 503: nothing was made', () => {
    for (const error of [api(400, 'Cdm.0201'), api(429, 'APIG.0308'), api(401, 'APIGW.0301'), api(503, 'Cdm.0000'), api(502, 'APIGW.0202')])
      expect(kind(error), error.code).toBe('not-created');
    expect(kind(new HuaweiAuthError('no token', where))).toBe('not-created');
    expect(kind(new CdmNetworkError({ ...where, code: 'ECONNREFUSED', mayHaveReachedBackend: false, cause: new Error('x') }))).toBe('not-created');
    expect(kind(new CdmTimeoutError({ ...where, phase: 'connect' }))).toBe('not-created');
  });

  it('a 500, a gateway timeout, a read timeout, a reset, a truncated answer: the job may exist (ambiguous)', () => {
    expect(kind(api(500, 'Cdm.0000'))).toBe('ambiguous');
    expect(kind(api(504, 'APIGW.0202'))).toBe('ambiguous');
    expect(kind(new CdmTimeoutError({ ...where, phase: 'headers' }))).toBe('ambiguous');
    expect(kind(new CdmNetworkError({ ...where, code: 'UND_ERR_SOCKET', mayHaveReachedBackend: true, cause: new Error('x') }))).toBe('ambiguous');
    expect(kind(new CdmHttpError({ ...where, status: 200, bodySnippet: '{"subm', problem: 'not a JSON object' }))).toBe('ambiguous');
  });
});

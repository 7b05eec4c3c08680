// CDM and DIS import requests: the seeds' bodies as written, and each mistake named by its field.
import { describe, expect, it } from 'vitest';
import { parseImportRequest } from '../../../lib/request/import-request.ts';
import { cdmRequest, cdmSeedJob, disRequest } from '../../support/huawei.ts';
import { targetsOf } from '../../support/targets.ts';

const auth = { type: 'aksk', accessKey: { env: 'HW_AK' }, secretKey: { env: 'HW_SK' } };
const targets = targetsOf({
  targets: {
    cdm: { backend: 'huawei-cdm', url: 'https://cdm.cn-north-4.myhuaweicloud.com', projectId: '1551c7f6c808414d8e9f3c514a170f2e', auth },
    dis: { backend: 'huawei-dis', url: 'https://dis.cn-north-4.myhuaweicloud.com', projectId: '1551c7f6c808414d8e9f3c514a170f2e', auth },
  },
});
const parse = (target: string, body: Record<string, unknown>) => parseImportRequest(JSON.stringify({ requestId: 'r-1', target, ...body }), targets);
const refusal = (target: string, body: Record<string, unknown>) => {
  try {
    parse(target, body);
  } catch (error) {
    return `${(error as { field: string }).field}: ${(error as { reason: string }).reason}`;
  }
  throw new Error('accepted');
};
const job = (change: Record<string, unknown>) => ({ jobs: [{ ...cdmSeedJob(), ...change }], clusters: ['b0791496-e111-4e75-b7ca-9277aeab9297'] });
const mrs = (change: Record<string, unknown>) => disRequest('mrstask', change);

describe('a CDM import request (the random-cluster create body)', () => {
  it("accepts seed 002's example as written, its cluster list with the duplicate included", () => {
    const request = parse('cdm', cdmRequest());
    expect(request).toMatchObject({ backend: 'huawei-cdm', params: cdmRequest() });
    expect(request.summary).toEqual({ source: 'css (elasticsearch-connector)', destination: 'dis (dis-connector) as es_css' });
  });

  it('names the field of each mistake', () => {
    expect(refusal('cdm', { clusters: ['x'] })).toMatch(/^jobs: is required/);
    expect(refusal('cdm', { jobs: [cdmSeedJob('a'), cdmSeedJob('b')], clusters: ['x'] })).toMatch(
      /^jobs: must hold exactly one Job \(one import request is one migration job\), got 2/,
    );
    expect(refusal('cdm', { jobs: [cdmSeedJob()] })).toMatch(/^clusters: is required/);
    expect(refusal('cdm', { jobs: [cdmSeedJob()], clusters: [] })).toMatch(/^clusters: must be a non-empty array/);
    expect(refusal('cdm', { jobs: [cdmSeedJob()], clusters: ['../x'] })).toMatch(/^clusters\[0\]: must be a cluster id/);
    expect(refusal('cdm', job({ name: 'my job' }))).toMatch(/^jobs\[0\]\.name: must be 1 to 240 letters, digits, _, - or \./);
    expect(refusal('cdm', job({ job_type: 'FULL_JOB' }))).toMatch(/^jobs\[0\]\.job_type: must be one of NORMAL_JOB, BATCH_JOB, SCENARIO_JOB/);
    expect(refusal('cdm', job({ 'to-link-name': '' }))).toMatch(/^jobs\[0\]\.to-link-name: must be a non-empty string/);
    expect(refusal('cdm', job({ 'from-config-values': { configs: 'x' } }))).toMatch(/^jobs\[0\]\.from-config-values\.configs: must be an array/);
    expect(
      refusal(
        'cdm',
        job({ 'driver-config-values': { configs: [{ name: 'throttlingConfig', inputs: [{ name: 'throttlingConfig.numExtractors', value: 1 }] }] } }),
      ),
    ).toMatch(/^jobs\[0\]\.driver-config-values\.configs\[0\]\.inputs\[0\]\.value: must be a string \(CDM takes every value as text\), got number 1/);
    expect(refusal('cdm', job({ 'creation-user': 'me' }))).toMatch(/^jobs\[0\]\.creation-user: is set by CDM/);
    expect(refusal('cdm', { ...cdmRequest(), cluster: 'x' })).toMatch(/^cluster: /);
  });
});

describe('a DIS import request (streamName and the dump task body)', () => {
  it("accepts seed 004's example as written (retry_duration a number, destination_file_type included) and retry_duration as a string", () => {
    expect(parse('dis', disRequest()).params).toEqual(disRequest());
    expect(parse('dis', mrs({ retry_duration: '1800', deliver_time_interval: '300' })).backend).toBe('huawei-dis');
    expect(parse('dis', disRequest()).summary).toEqual({ source: 'stream dis-bulkpilot', destination: 'MRS mrscluster:/user as mrstask' });
  });

  it('checks the MRS descriptor field by field', () => {
    const key = 'mrs_destination_descriptor';
    expect(refusal('dis', mrs({ task_name: 'my task' }))).toMatch(new RegExp(`^${key}\\.task_name: must be 1 to 64 letters, digits, _ or -`));
    expect(refusal('dis', mrs({ task_name: 'action' }))).toMatch(/task_name: must not be "action"/);
    expect(refusal('dis', mrs({ deliver_time_interval: 10 }))).toMatch(new RegExp(`^${key}\\.deliver_time_interval: must be an integer from 30 to 900`));
    expect(refusal('dis', mrs({ deliver_time_interval: 901 }))).toMatch(/deliver_time_interval: must be an integer from 30 to 900/);
    expect(refusal('dis', mrs({ retry_duration: 7201 }))).toMatch(/retry_duration: must be an integer from 0 to 7200/);
    expect(refusal('dis', mrs({ consumer_strategy: 'EARLIEST' }))).toMatch(/consumer_strategy: must be LATEST or TRIM_HORIZON/);
    expect(refusal('dis', mrs({ agency_name: undefined }))).toMatch(/agency_name: is required/);
    expect(refusal('dis', mrs({ mrs_cluster_id: undefined }))).toMatch(/mrs_cluster_id: is required/);
    expect(refusal('dis', mrs({ file_prefix: '/tmp' }))).toMatch(/file_prefix: must be at most 50 letters, digits, _ or \/, not starting with \//);
    expect(refusal('dis', mrs({ compression: 'gzip' }))).toMatch(new RegExp(`^${key}\\.compression: is not a field of an MRS dump task`));
  });

  it('names the stream, the type and the descriptor', () => {
    expect(refusal('dis', { ...disRequest(), streamName: undefined })).toMatch(/^streamName: is required/);
    expect(refusal('dis', { ...disRequest(), streamName: 'a/b' })).toMatch(/^streamName: must be 1 to 60 letters/);
    expect(refusal('dis', { ...disRequest(), destination_type: 'KAFKA' })).toMatch(/^destination_type: must be one of MRS, OBS, DLI, CLOUDTABLE, DWS/);
    expect(refusal('dis', { ...disRequest(), obs_destination_descriptor: {} })).toMatch(/^obs_destination_descriptor: does not go with destination_type MRS/);
    expect(refusal('dis', { streamName: 's', destination_type: 'OBS' })).toMatch(/^obs_destination_descriptor: is required for destination_type OBS/);
    expect(refusal('dis', { ...disRequest(), task_name: 'x' })).toMatch(/^task_name: /);
  });
});

describe('the sample requests in events/requests/', () => {
  it('are the seeds as written and valid for their targets', async () => {
    const { readFileSync } = await import('node:fs');
    const read = (name: string) => JSON.parse(readFileSync(new URL(`../../../events/requests/${name}`, import.meta.url), 'utf8')) as Record<string, unknown>;
    const { requestId: _c, target: cdmTarget, ...cdm } = read('cdm-seed-example.json');
    expect(cdm).toEqual(cdmRequest());
    expect(parse(String(cdmTarget), cdm).backend).toBe('huawei-cdm');
    const { requestId: _d, target: disTarget, ...dis } = read('dis-seed-example.json');
    expect(dis).toEqual(disRequest());
    expect(parse(String(disTarget), dis).backend).toBe('huawei-dis');
  });
});

import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import { canonicalUri, sdkDate, signRequest } from '../../../lib/backends/huawei-cloud/signer.ts';
import { type HttpMethod, HttpTransport, type OutgoingRequest } from '../../../lib/http/transport.ts';
import type { HuaweiCloud } from '../../../local/huawei-cloud/simulator.ts';
import { DEFAULT_ACCESS_KEY, DEFAULT_CLUSTERS, DEFAULT_PROJECT, DEFAULT_TEMPORARY_KEY, startHuaweiCloud } from '../../../local/huawei-cloud/simulator.ts';

// The official v3 signer (CommonJS): ours must produce its Authorization byte for byte.
const require = createRequire(import.meta.url);
const { AKSKSigner } = require('@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner.js') as {
  AKSKSigner: { sign(request: SdkRequest, credential: unknown): Record<string, string> };
};
const { BasicCredentials } = require('@huaweicloud/huaweicloud-sdk-core/auth/BasicCredentials.js') as {
  BasicCredentials: new () => {
    withAk(ak: string): InstanceType<typeof BasicCredentials>;
    withSk(sk: string): InstanceType<typeof BasicCredentials>;
    withProjectId(id: string): InstanceType<typeof BasicCredentials>;
    withSecurityToken(token: string): InstanceType<typeof BasicCredentials>;
  };
};

interface SdkRequest {
  endpoint: string;
  method: string;
  headers: Record<string, string>;
  queryParams: Record<string, string | string[]>;
  data?: unknown;
}

const PID = DEFAULT_PROJECT.id;
const CLUSTER = DEFAULT_CLUSTERS[0]!.id;
const T0 = Date.UTC(2024, 4, 1, 10, 0, 7);
const ORIGIN = 'https://cdm.cn-north-4.myhuaweicloud.com';
const KEY = { accessKey: DEFAULT_ACCESS_KEY.ak, secretKey: DEFAULT_ACCESS_KEY.sk };
const TEMPORARY = { accessKey: DEFAULT_TEMPORARY_KEY.ak, secretKey: DEFAULT_TEMPORARY_KEY.sk, securityToken: DEFAULT_TEMPORARY_KEY.securityToken! };

/** The request as the transport hands it to the hook: `accept` first, then the call's own headers. */
function outgoing(method: HttpMethod, url: string, headers: Record<string, string> = {}, body?: string): OutgoingRequest {
  return { method, url: new URL(url), headers: { accept: 'application/json', ...headers }, body };
}

/**
 * What the SDK's signer is handed for the same request. BaseCredentials.processAuthRequest gives
 * AKSKSigner.sign the request's headers plus X-Project-Id (and X-Security-Token); the signer adds host
 * from the endpoint and, here, uses the fixed X-Sdk-Date it is given. It signs every header it gets, so
 * it gets exactly the ones ours signs. (processAuthRequest would also add X-Sdk-Content-Sha256:
 * UNSIGNED-PAYLOAD for a content type other than exactly application/json; calling the signer directly
 * compares the body hash instead.)
 */
function official(request: OutgoingRequest, key: { accessKey: string; secretKey: string; securityToken?: string }, rawPath?: string): Record<string, string> {
  const headers: Record<string, string> = { ...request.headers, 'X-Sdk-Date': sdkDate(T0), 'X-Project-Id': PID };
  let credential = new BasicCredentials().withAk(key.accessKey).withSk(key.secretKey).withProjectId(PID);
  if (key.securityToken !== undefined) {
    headers['X-Security-Token'] = key.securityToken;
    credential = credential.withSecurityToken(key.securityToken);
  }
  const queryParams: Record<string, string | string[]> = {};
  for (const [k, v] of request.url.searchParams) {
    const seen = queryParams[k];
    queryParams[k] = seen === undefined ? v : [...(Array.isArray(seen) ? seen : [seen]), v];
  }
  const sdkRequest: SdkRequest = { endpoint: request.url.origin + (rawPath ?? request.url.pathname), method: request.method, headers, queryParams };
  if (request.body !== undefined) {
    sdkRequest.data = JSON.parse(request.body);
    // The SDK hashes JSON.stringify(data): only a compact body compares.
    expect(JSON.stringify(sdkRequest.data)).toBe(request.body);
  }
  return AKSKSigner.sign(sdkRequest, credential);
}

function ours(request: OutgoingRequest, key: { accessKey: string; secretKey: string; securityToken?: string } = KEY): Record<string, string> {
  return signRequest(request, key, { projectId: PID, now: T0 });
}

function expectSame(mine: Record<string, string>, theirs: Record<string, string>): void {
  expect(mine.Authorization).toBe(theirs.Authorization);
  expect(mine['X-Sdk-Date']).toBe(theirs['X-Sdk-Date']);
  expect(mine.host).toBe(theirs.host);
  expect(mine['X-Project-Id']).toBe(theirs['X-Project-Id']);
  expect(mine['X-Security-Token']).toBe(theirs['X-Security-Token']);
}

describe('signRequest against the official AKSKSigner', () => {
  it('adds the date, host, project and Authorization headers in the SDK format', () => {
    const signed = ours(outgoing('GET', `${ORIGIN}/v1.1/${PID}/clusters`));
    expect(Object.keys(signed).sort()).toEqual(['Authorization', 'X-Project-Id', 'X-Sdk-Date', 'host']);
    expect(signed['X-Sdk-Date']).toBe('20240501T100007Z');
    expect(signed.host).toBe('cdm.cn-north-4.myhuaweicloud.com');
    expect(signed.Authorization).toMatch(
      /^SDK-HMAC-SHA256 Access=SIMAKBULKPILOT000001, SignedHeaders=accept;host;x-project-id;x-sdk-date, Signature=[0-9a-f]{64}$/,
    );
  });

  it('GET with an unsorted query of several keys, a repeated key and values that need encoding', () => {
    const query = new URLSearchParams([
      ['page_size', '10'],
      ['filter', "a b/c*d'e(f)!~"],
      ['jname', 'job-é中'],
      ['all', ''],
      ['tag', 'z'],
      ['tag', 'a+b'],
      ['Upper', '1&2=3'],
    ]);
    const request = outgoing('GET', `${ORIGIN}/v1.1/${PID}/clusters/${CLUSTER}/cdm/job/all?${query}`);
    expectSame(ours(request), official(request, KEY));
  });

  it('POST with a JSON body (CDM random create) and the content type CDM wants', () => {
    const body = JSON.stringify({ jobs: [{ name: 'bp-1', job_type: 'NORMAL_JOB', 'from-config-values': { configs: [] } }], clusters: [CLUSTER] });
    const request = outgoing('POST', `${ORIGIN}/v1.1/${PID}/clusters/job`, { 'content-type': 'application/json;charset=UTF-8', 'X-Language': 'en-us' }, body);
    const mine = ours(request);
    expectSame(mine, official(request, KEY));
    expect(mine.Authorization).toContain('SignedHeaders=accept;content-type;host;x-language;x-project-id;x-sdk-date,');
    // The body is signed: another body, another signature.
    expect(ours({ ...request, body: body.replace('bp-1', 'bp-2') }).Authorization).not.toBe(mine.Authorization);
  });

  it('PUT with an empty JSON object and a DELETE without a body', () => {
    const start = outgoing('PUT', `${ORIGIN}/v1.1/${PID}/clusters/${CLUSTER}/cdm/job/bp-1/start`, { 'content-type': 'application/json' }, '{}');
    expectSame(ours(start), official(start, KEY));
    const remove = outgoing('DELETE', `${ORIGIN}/v1.1/${PID}/clusters/${CLUSTER}/cdm/job/bp_1.a~b-c`);
    expectSame(ours(remove), official(remove, KEY));
  });

  it('a declared X-Sdk-Content-Sha256 (UNSIGNED-PAYLOAD) replaces the body hash, as in the SDK', () => {
    const request = outgoing(
      'POST',
      `${ORIGIN}/v1.1/${PID}/clusters/job`,
      { 'content-type': 'text/plain', 'X-Sdk-Content-Sha256': 'UNSIGNED-PAYLOAD' },
      '"raw"',
    );
    const mine = ours(request);
    expectSame(mine, official(request, KEY));
    expect(ours({ ...request, body: '"other"' }).Authorization).toBe(mine.Authorization);
  });

  it('a name of unreserved characters only, on a non-default port (host carries it)', () => {
    const request = outgoing('GET', `http://127.0.0.1:12342/v2/${PID}/streams/dis-bulkpilot/transfer-tasks/Task_1.b~c-D`);
    const mine = ours(request);
    expect(mine.host).toBe('127.0.0.1:12342');
    expectSame(mine, official(request, KEY));
  });

  it('path characters that need encoding where the two agree: CJK and sub-delimiters, escaped by the caller', () => {
    // The SDK is given the raw name (url.parse leaves these unescaped, its signer encodes them once); the
    // transport gets the path percent-encoded, which ours decodes before encoding.
    const name = '任务:1@x!(y)*,;=+$&';
    const request = outgoing('GET', `${ORIGIN}/v1.1/${PID}/clusters/${CLUSTER}/cdm/job/${encodeURIComponent(name)}/status`);
    expectSame(ours(request), official(request, KEY, `/v1.1/${PID}/clusters/${CLUSTER}/cdm/job/${name}/status`));
    // Sent raw instead of escaped, the path signs the same.
    expect(ours(outgoing('GET', `${ORIGIN}/v1.1/${PID}/clusters/${CLUSTER}/cdm/job/${name}/status`)).Authorization).toBe(ours(request).Authorization);
  });

  it('a temporary key: X-Security-Token added and signed', () => {
    const request = outgoing('GET', `${ORIGIN}/v1.1/${PID}/clusters?page=1`);
    const mine = ours(request, TEMPORARY);
    expect(mine['X-Security-Token']).toBe(TEMPORARY.securityToken);
    expect(mine.Authorization).toContain('SignedHeaders=accept;host;x-project-id;x-sdk-date;x-security-token,');
    expectSame(mine, official(request, TEMPORARY));
  });

  it('a date given by the clock, not the system time', () => {
    const request = outgoing('GET', `${ORIGIN}/v1.1/${PID}/clusters`);
    const later = signRequest(request, KEY, { projectId: PID, now: T0 + 1_000 });
    expect(later['X-Sdk-Date']).toBe('20240501T100008Z');
    expect(later.Authorization).not.toBe(ours(request).Authorization);
    expect(signRequest(request, KEY, { now: T0 })['X-Project-Id']).toBeUndefined();
  });

  it('replaces a header the request already carries under its own spelling, and refuses a header given twice', () => {
    const request = outgoing('GET', `${ORIGIN}/v1.1/${PID}/clusters`, { 'x-project-id': 'stale' });
    const signed = ours(request);
    expect(signed['x-project-id']).toBe(PID);
    expect(signed['X-Project-Id']).toBeUndefined();
    expect(signed.Authorization).toBe(ours(outgoing('GET', `${ORIGIN}/v1.1/${PID}/clusters`)).Authorization);
    expect(() => ours(outgoing('GET', `${ORIGIN}/v1.1/${PID}/clusters`, { Accept: 'application/json' }))).toThrow(/header "accept" is given twice/);
  });
});

describe('paths where the Node SDK double-encodes', () => {
  const opened: Array<{ close(): Promise<void> }> = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((c) => c.close()));
  });

  it('a space: ours follows the gateway rule (%20), the SDK signs %2520, and the simulator in gateway mode accepts ours only', async () => {
    const path = `/v1.1/${PID}/clusters/${CLUSTER}/cdm/job/${encodeURIComponent("my job's")}`;
    expect(canonicalUri(path)).toBe(`/v1.1/${PID}/clusters/${CLUSTER}/cdm/job/my%20job%27s/`);
    const request = outgoing('GET', `${ORIGIN}${path}`);
    expect(ours(request).Authorization).not.toBe(official(request, KEY, `/v1.1/${PID}/clusters/${CLUSTER}/cdm/job/my job's`).Authorization);

    const clock = { now: () => T0, sleep: async () => {} };
    const cloud: HuaweiCloud = await startHuaweiCloud({ clock, seed: 1, auth: { pathCanonicalization: 'gateway' } });
    opened.push(cloud);
    const ourTransport = new HttpTransport({
      baseUrl: cloud.cdmUrl,
      clock,
      auth: { authorize: async (r) => signRequest(r, KEY, { projectId: PID, now: clock.now() }) },
    });
    opened.push(ourTransport);
    // Past the gateway: CDM itself answers that the job does not exist.
    const mine = await ourTransport.request({ method: 'GET', path });
    expect(mine.status).toBe(400);
    expect(JSON.parse(mine.text)).toMatchObject({ errCode: 'Cdm.0100' });

    const sdkTransport = new HttpTransport({
      baseUrl: cloud.cdmUrl,
      clock,
      auth: {
        authorize: async (r) => {
          const all = official(r, KEY, decodeURIComponent(r.url.pathname));
          return { 'X-Sdk-Date': all['X-Sdk-Date']!, 'X-Project-Id': all['X-Project-Id']!, host: all.host!, Authorization: all.Authorization! };
        },
      },
    });
    opened.push(sdkTransport);
    const theirs = await sdkTransport.request({ method: 'GET', path });
    expect(theirs.status).toBe(401);
    expect(JSON.parse(theirs.text)).toMatchObject({ error_code: 'APIGW.0301' });
  });
});

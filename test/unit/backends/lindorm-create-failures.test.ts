import { describe, expect, it } from 'vitest';
import { LindormBulkloadBackend } from '../../../lib/backends/lindorm/backend.ts';
import { LindormBulkloadClient } from '../../../lib/backends/lindorm/client.ts';
import { LindormHttpError, LindormNetworkError, LindormRefusedError, LindormTimeoutError } from '../../../lib/backends/lindorm/errors.ts';

const backend = new LindormBulkloadBackend(new LindormBulkloadClient({ baseUrl: 'http://master.invalid:12311' }));
const where = { method: 'POST', url: 'http://master.invalid:12311/pro/proc/bulkload/create' };
const http = (status: number) => new LindormHttpError({ ...where, status, bodySnippet: 'x' });

describe('what a failed create means', () => {
  it('a refusal is final', () => {
    expect(backend.classifyCreateFailure(new LindormRefusedError({ ...where, apiMessage: 'data source not found: x', status: 200 }))).toEqual({
      kind: 'refused',
      reason: 'data source not found: x',
    });
  });

  it('503 and 429 say the request was not taken on: create again later', () => {
    expect(backend.classifyCreateFailure(http(503)).kind).toBe('not-created');
    expect(backend.classifyCreateFailure(http(429)).kind).toBe('not-created');
  });

  it('any other 5xx may come after the proc was stored: ambiguous, never created again silently', () => {
    for (const status of [500, 502, 504]) expect(backend.classifyCreateFailure(http(status)).kind).toBe('ambiguous');
  });

  it('a 4xx without the API envelope (a proxy) is refused with its status', () => {
    expect(backend.classifyCreateFailure(http(413))).toMatchObject({ kind: 'refused', reason: expect.stringContaining('HTTP 413') });
  });

  it('only errors proving nothing was sent are "not created"; a timeout or reset is ambiguous', () => {
    expect(
      backend.classifyCreateFailure(new LindormNetworkError({ ...where, code: 'ECONNREFUSED', mayHaveReachedMaster: false, cause: new Error('x') })).kind,
    ).toBe('not-created');
    expect(backend.classifyCreateFailure(new LindormTimeoutError({ ...where, phase: 'connect' })).kind).toBe('not-created');
    expect(backend.classifyCreateFailure(new LindormTimeoutError({ ...where, phase: 'headers' })).kind).toBe('ambiguous');
    expect(
      backend.classifyCreateFailure(new LindormNetworkError({ ...where, code: 'UND_ERR_SOCKET', mayHaveReachedMaster: true, cause: new Error('x') })).kind,
    ).toBe('ambiguous');
  });
});

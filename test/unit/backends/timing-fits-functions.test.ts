// Every backend's declared bounds, at its default timeouts, fit the functions that make its calls: a create
// that could outlive the submit function would be handed back to the queue forever, untouched.
import { describe, expect, it } from 'vitest';
import { backendCatalog } from '../../../lib/backends/catalog.ts';
import { connectTargets } from '../../../lib/runtime/connect-targets.ts';
import { defaultSubmitSettings } from '../../../lib/submit/submit-record.ts';
import { readServerlessConfig } from '../../../local/provision/serverless-resources.ts';
import { targetsOf } from '../../support/targets.ts';

const minimal: Record<string, Record<string, unknown>> = {
  'lindorm-bulkload': {},
  linkis: { auth: { type: 'token', user: 'u', token: { env: 'T' } } },
  'huawei-cdm': { projectId: 'p1', auth: { type: 'aksk', accessKey: { env: 'A' }, secretKey: { env: 'S' } } },
  'huawei-dis': { projectId: 'p1', auth: { type: 'aksk', accessKey: { env: 'A' }, secretKey: { env: 'S' } } },
};

describe("the backends' declared timing", () => {
  it('covers every backend of the catalogue', () => {
    expect(Object.keys(minimal).sort()).toEqual(backendCatalog.ids().sort());
  });

  it('fits the submit function (a create and its lease margin) and a poll invocation (a status call)', async () => {
    const functions = readServerlessConfig().functions;
    const submitMs = (functions.submit!.timeout ?? 6) * 1000;
    const pollMs = (functions.poll!.timeout ?? 6) * 1000;
    const targets = targetsOf({
      targets: Object.fromEntries(Object.entries(minimal).map(([backend, keys]) => [backend, { backend, url: 'http://backend.invalid:1', ...keys }])),
    });
    const registry = await connectTargets(targets, { env: {}, clock: { now: () => 0, sleep: async () => {} } });
    try {
      for (const backend of registry.all()) {
        const { createMs, statusMs, commandMs } = backend.timing;
        expect(createMs + defaultSubmitSettings.leaseMarginMs, `${backend.id} create`).toBeLessThan(submitMs);
        expect(statusMs, `${backend.id} status`).toBeLessThan(pollMs / 2);
        expect(commandMs, `${backend.id} command`).toBeLessThan(pollMs);
      }
    } finally {
      await registry.close();
    }
  });
});

// The Lindorm bulk load module against the simulated master.
import { LindormBulkloadBackend } from '../../lib/backends/lindorm/backend.ts';
import { LindormBulkloadClient } from '../../lib/backends/lindorm/client.ts';
import { parseLindormRequest } from '../../lib/backends/lindorm/request.ts';
import { freePort } from '../../local/emulators/free-port.ts';
import { startLindormMaster } from '../../local/lindorm-master/simulator.ts';
import { seedRequest } from '../support/seed-request.ts';
import { describeBackendContract } from './backend-contract.ts';

const timeouts = { connectMs: 500, headersMs: 1_000, bodyMs: 1_000 };
const stages = [
  { name: 'PREPARE', durationMs: 60_000 },
  { name: 'BULKLOAD', durationMs: 60_000 },
];

describeBackendContract('lindorm-bulkload', async () => {
  const clock = { current: Date.now(), now: () => clock.current };
  const master = await startLindormMaster({ clock, stages });
  // A second master whose state names differ: the names the sibling LTS API and the docs also use.
  const other = await startLindormMaster({ clock, stages, states: { succeeded: 'SUCCESS', aborted: 'KILLED' } });
  const odd = await startLindormMaster({ clock, stages, states: { running: 'QUEUED_BY_OPS' } });
  const connect = (url: string) => new LindormBulkloadBackend(new LindormBulkloadClient({ baseUrl: url, timeouts, keepAliveTimeoutMs: 100 }));
  const backend = connect(master.url);
  const others = [connect(other.url), connect(odd.url)];
  const params = parseLindormRequest(seedRequest);
  const failing = parseLindormRequest({ ...seedRequest, sparkAdditionalParams: 'sim.failAt=BULKLOAD sim.failTimes=1' });
  const finished = async (on = backend) => {
    const ref = await on.create(params, { marker: 'm', startedAt: 0 });
    clock.current += 3 * 60_000;
    return ref;
  };
  return {
    backend,
    request: () => params,
    states: [
      { state: 'RUNNING', phase: 'running', arrange: () => backend.create(params, { marker: 'm', startedAt: 0 }) },
      { state: 'SUCCEEDED', phase: 'succeeded', arrange: () => finished() },
      {
        state: 'FAILED',
        phase: 'failed',
        arrange: async () => {
          const ref = await backend.create(failing, { marker: 'm', startedAt: 0 });
          clock.current += 90_000;
          return ref;
        },
      },
      {
        state: 'ABORTED',
        phase: 'aborted',
        arrange: async () => {
          const ref = await backend.create(params, { marker: 'm', startedAt: 0 });
          await backend.abort(ref);
          return ref;
        },
      },
      // The same meanings under the other names the master may use [I]: checked through the second master.
      { state: 'SUCCESS', phase: 'succeeded', arrange: async () => ({ ref: await finished(others[0]!), via: others[0]! }) },
      {
        state: 'KILLED',
        phase: 'aborted',
        arrange: async () => {
          const ref = await others[0]!.create(params, { marker: 'm', startedAt: 0 });
          await others[0]!.abort(ref);
          return { ref, via: others[0]! };
        },
      },
    ],
    async unknownState() {
      const ref = await others[1]!.create(params, { marker: 'm', startedAt: 0 });
      return { ref, via: others[1]!, state: 'QUEUED_BY_OPS' };
    },
    // The master refuses a create whose data source it does not have: only it can tell.
    refusedCreate: () => parseLindormRequest({ ...seedRequest, dst: 'no-such-source' }),
    failNextCreateBeforeProcessing: () => master.faults.add({ endpoint: 'create', kind: 'status', status: 503, times: 1 }),
    loseNextCreateAnswer: () => master.faults.add({ endpoint: 'create', kind: 'reset', phase: 'after', times: 1 }),
    slowStatus(ms) {
      master.faults.add({ endpoint: 'info', kind: 'slow', delayMs: ms, phase: 'before' });
      return () => master.faults.clear();
    },
    unknownRef: () => ({ procId: 'proc-404-00000000000000000000000000000000' }),
    failNextCommand: (op) => master.faults.add({ endpoint: op === 'rerun' ? 'retry' : op, kind: 'status', status: 503, times: 1 }),
    received: (op) => master.received.filter((r) => r.endpoint === (op === 'status' ? 'info' : op === 'rerun' ? 'retry' : op)).length,
    runningJob: () => backend.create(params, { marker: 'm', startedAt: 0 }),
    async failedJob() {
      const ref = await backend.create(failing, { marker: 'm', startedAt: 0 });
      clock.current += 90_000;
      return ref;
    },
    unreachable: async () => connect(`http://127.0.0.1:${await freePort()}`),
    async close() {
      await Promise.all([backend, ...others].map((b) => b.close()));
      await Promise.all([master, other, odd].map((m) => m.close()));
    },
  };
});

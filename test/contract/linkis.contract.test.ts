// The Linkis module against the simulated gateway (entrance and jobhistory), connected through a targets
// entry with token auth, as the functions connect it.
import type { LinkisSubmitParams } from '../../lib/backends/linkis/request.ts';
import { parseLinkisRequest } from '../../lib/backends/linkis/request.ts';
import type { TaskStatus } from '../../local/linkis-gateway/simulator.ts';
import { linkisRequest, startLinkisFixture } from '../support/linkis.ts';
import { describeBackendContract } from './backend-contract.ts';

// Inited 1 s, Scheduled 2 s, Running 60 s: a minute on the clock ends any run.
const durations = { initedMs: 1_000, scheduledMs: 2_000, runningMs: 60_000 };

describeBackendContract<LinkisSubmitParams>('linkis', async () => {
  const clock = {
    current: Date.now(),
    now: () => clock.current,
    sleep: async (ms: number) => {
      clock.current += ms;
    },
  };
  const fixture = await startLinkisFixture(clock, { gateway: { durations } });
  const { gateway, backend } = fixture;
  const params = parseLinkisRequest(linkisRequest());
  const failing = parseLinkisRequest(linkisRequest('sim.fail=true'));
  const context = (marker = 'contract.m') => ({ marker, startedAt: clock.now() });
  const taskOf = (ref: { taskID?: unknown }) => Number(ref.taskID);
  const running = async () => {
    const ref = await backend.create(params, context());
    clock.current += 5_000;
    return ref;
  };
  return {
    backend,
    request: () => params,
    states: [
      { state: 'Inited', phase: 'pending', arrange: () => backend.create(params, context()) },
      {
        state: 'Scheduled',
        phase: 'pending',
        arrange: async () => {
          const ref = await backend.create(params, context());
          clock.current += 1_500;
          return ref;
        },
      },
      {
        state: 'WaitForRetry',
        phase: 'pending',
        arrange: async () => {
          const ref = await backend.create(params, context());
          gateway.forceStatus(taskOf(ref), 'WaitForRetry');
          return ref;
        },
      },
      { state: 'Running', phase: 'running', arrange: running },
      {
        state: 'Succeed',
        phase: 'succeeded',
        arrange: async () => {
          const ref = await backend.create(params, context());
          clock.current += 90_000;
          return ref;
        },
      },
      {
        state: 'Failed',
        phase: 'failed',
        arrange: async () => {
          const ref = await backend.create(failing, context());
          clock.current += 90_000;
          return ref;
        },
      },
      {
        state: 'Timeout',
        phase: 'failed',
        arrange: async () => {
          // The jobRunningTimeout label (seconds) ends a run that takes longer as Timeout.
          const ref = await backend.create(parseLinkisRequest(linkisRequest('', { labels: { ...params.labels, jobRunningTimeout: '10' } })), context());
          clock.current += 30_000;
          return ref;
        },
      },
      {
        state: 'Cancelled',
        phase: 'aborted',
        arrange: async () => {
          const ref = await running();
          await backend.abort(ref);
          return ref;
        },
      },
    ],
    async unknownState() {
      // A status a later Linkis might add: the history reports it verbatim.
      const ref = await running();
      gateway.forceStatus(taskOf(ref), 'Paused' as TaskStatus);
      return { ref, via: backend, state: 'Paused' };
    },
    // Only the entrance can tell: SQL made of comments alone is refused after parsing (30010).
    refusedCreate: () => parseLinkisRequest(linkisRequest('', { executionContent: { code: '-- nothing but a comment', runType: 'sql' } })),
    failNextCreateBeforeProcessing: () => gateway.faults.add({ endpoint: 'submit', kind: 'status', status: 503, times: 1 }),
    loseNextCreateAnswer: () => gateway.faults.add({ endpoint: 'submit', kind: 'reset', phase: 'after', times: 1 }),
    slowStatus(ms) {
      gateway.faults.add({ endpoint: 'jobhistory-get', kind: 'slow', delayMs: ms, phase: 'before' });
      return () => gateway.faults.clear();
    },
    unknownRef: () => ({ taskID: 987_654_321 }),
    failNextCommand: (op) => gateway.faults.add({ endpoint: op === 'abort' ? 'kill' : 'submit', kind: 'status', status: 503, times: 1 }),
    received: (op) =>
      gateway.received.filter((r) => r.endpoint === { create: 'submit', rerun: 'submit', status: 'jobhistory-get', abort: 'kill', delete: 'unknown' }[op])
        .length,
    runningJob: running,
    async failedJob() {
      const ref = await backend.create(failing, context());
      clock.current += 90_000;
      return ref;
    },
    async unreachable() {
      // A gateway that closed: its port refuses connections.
      const other = await startLinkisFixture(clock, { gateway: { durations } });
      await other.gateway.close();
      return other.backend;
    },
    async close() {
      await fixture.close();
    },
  };
});

// The DIS module against the simulated Huawei Cloud (a stream, dump tasks on the clock), connected through a
// targets entry with AK/SK signing, as the functions connect it.
import type { DisParams } from '../../lib/backends/huawei-dis/request.ts';
import { parseDisRequest } from '../../lib/backends/huawei-dis/request.ts';
import { disRequest, startHuaweiFixture, streamName } from '../support/huawei.ts';
import { describeBackendContract } from './backend-contract.ts';

describeBackendContract<DisParams>('huawei-dis', async () => {
  const clock = {
    current: Date.now(),
    now: () => clock.current,
    sleep: async (ms: number) => {
      clock.current += ms;
    },
  };
  // At most 5 dump tasks per stream (DIS.4357): the suite makes more, so tasks it is done with are deleted.
  const fixture = await startHuaweiFixture(clock, { only: 'dis', cloud: { dis: { maxTasksPerStream: 1_000 } } });
  const { cloud } = fixture;
  const backend = fixture.registry.get('dis')!;
  let n = 0;
  const request = (overrides: Record<string, unknown> = {}) => parseDisRequest(disRequest(`contract_task_${n++}`, overrides));
  const context = () => ({ marker: 'contract.m', startedAt: clock.now() });
  const created = async (advanceMs = 0) => {
    const ref = await backend.create(request(), context());
    clock.current += advanceMs;
    return ref;
  };
  const forced = (state: 'ERROR' | 'ABNORMAL') => async () => {
    const ref = await created(5_000);
    cloud.dis.forceTask(streamName, String(ref.taskName), { state });
    return ref;
  };
  return {
    backend,
    request: () => request(),
    states: [
      { state: 'STARTING', phase: 'pending', arrange: () => created() },
      { state: 'RUNNING', phase: 'running', arrange: () => created(5_000) },
      { state: 'ERROR', phase: 'failed', arrange: forced('ERROR') },
      { state: 'ABNORMAL', phase: 'failed', arrange: forced('ABNORMAL') },
      {
        state: 'PAUSED',
        phase: 'aborted',
        arrange: async () => {
          const ref = await created(5_000);
          await backend.abort(ref);
          return ref;
        },
      },
    ],
    async unknownState() {
      // A state a later DIS might add: the detail reports it verbatim (forced past the simulator's own enum).
      const ref = await created(5_000);
      cloud.dis.forceTask(streamName, String(ref.taskName), { state: 'FROZEN' });
      return { ref, via: backend, state: 'FROZEN' };
    },
    // Only DIS can tell: the stream does not exist (DIS.4301).
    refusedCreate: () => parseDisRequest({ ...disRequest(`contract_task_${n++}`), streamName: 'no-such-stream' }),
    failNextCreateBeforeProcessing: () => cloud.faults.add({ endpoint: 'dis.createTask', kind: 'status', status: 503, times: 1 }),
    loseNextCreateAnswer: () => cloud.faults.add({ endpoint: 'dis.createTask', kind: 'reset', phase: 'after', times: 1 }),
    slowStatus(ms) {
      cloud.faults.add({ endpoint: 'dis.showTask', kind: 'slow', delayMs: ms, phase: 'before' });
      return () => cloud.faults.clear();
    },
    unknownRef: () => ({ streamName, taskName: 'no_such_task' }),
    failNextCommand: (op) => cloud.faults.add({ endpoint: op === 'delete' ? 'dis.deleteTask' : 'dis.taskAction', kind: 'status', status: 503, times: 1 }),
    received: (op) =>
      cloud.requests({
        service: 'dis',
        endpoint: ({ create: 'dis.createTask', status: 'dis.showTask', abort: 'dis.taskAction', rerun: 'dis.taskAction', delete: 'dis.deleteTask' } as const)[
          op
        ],
      }).length,
    runningJob: () => created(5_000),
    failedJob: forced('ERROR'),
    async unreachable() {
      const other = await startHuaweiFixture(clock, { only: 'dis' });
      await other.cloud.close();
      return other.registry.get('dis')!;
    },
    async close() {
      await fixture.close();
    },
  };
});

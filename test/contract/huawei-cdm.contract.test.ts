// The CDM module against the simulated Huawei Cloud (two clusters, random placement), connected through a
// targets entry with AK/SK signing, as the functions connect it.
import type { CdmParams } from '../../lib/backends/huawei-cdm/request.ts';
import { parseCdmRequest } from '../../lib/backends/huawei-cdm/request.ts';
import { cdmRequest, clusterIds, startHuaweiFixture } from '../support/huawei.ts';
import { describeBackendContract } from './backend-contract.ts';

describeBackendContract<CdmParams>('huawei-cdm', async () => {
  const clock = {
    current: Date.now(),
    now: () => clock.current,
    sleep: async (ms: number) => {
      clock.current += ms;
    },
  };
  const fixture = await startHuaweiFixture(clock, { only: 'cdm' });
  const { cloud } = fixture;
  const backend = fixture.registry.get('cdm')!;
  let n = 0;
  // CDM names a job within its cluster: every create of the suite gets a name of its own.
  const request = (hints: Array<[string, string]> = []) => parseCdmRequest(cdmRequest(`contract_job_${n++}`, hints));
  const context = () => ({ marker: 'contract.m', startedAt: clock.now() });
  const created = async (hints: Array<[string, string]> = [], advanceMs = 0) => {
    const ref = await backend.create(request(hints), context());
    clock.current += advanceMs;
    return ref;
  };
  return {
    backend,
    request: () => request(),
    states: [
      { state: 'PENDING', phase: 'pending', arrange: () => created() },
      { state: 'BOOTING', phase: 'pending', arrange: () => created([], 1_500) },
      { state: 'RUNNING', phase: 'running', arrange: () => created([], 4_000) },
      { state: 'SUCCEEDED', phase: 'succeeded', arrange: () => created([], 20_000) },
      { state: 'FAILED', phase: 'failed', arrange: () => created([['sim.fail', 'true']], 20_000) },
      { state: 'FAILURE_ON_SUBMIT', phase: 'failed', arrange: () => created([['sim.outcome', 'FAILURE_ON_SUBMIT']], 1_000) },
      { state: 'NEVER_EXECUTED', phase: 'unknown', arrange: () => created([['sim.outcome', 'NEVER_EXECUTED']], 1_000) },
      { state: 'UNKNOWN', phase: 'unknown', arrange: () => created([['sim.outcome', 'UNKNOWN']], 20_000) },
      {
        state: 'FAILED',
        phase: 'aborted',
        arrange: async () => {
          const ref = await created([], 4_000);
          await backend.abort(ref);
          return ref;
        },
      },
    ],
    async unknownState() {
      const ref = await created([], 4_000);
      cloud.cdm.forceSubmission(String(ref.clusterId), String(ref.jobName), { status: 'SUSPENDED_BY_OPS' });
      return { ref, via: backend, state: 'SUSPENDED_BY_OPS' };
    },
    // Only CDM can tell: its validation of the job (a validation-result ERROR, no job made).
    refusedCreate: () => request([['sim.validationError', 'the_source_index_is_missing']]),
    failNextCreateBeforeProcessing: () => cloud.faults.add({ endpoint: 'cdm.randomCreateAndStart', kind: 'status', status: 503, times: 1 }),
    loseNextCreateAnswer: () => cloud.faults.add({ endpoint: 'cdm.randomCreateAndStart', kind: 'reset', phase: 'after', times: 1 }),
    slowStatus(ms) {
      cloud.faults.add({ endpoint: 'cdm.jobStatus', kind: 'slow', delayMs: ms, phase: 'before' });
      return () => cloud.faults.clear();
    },
    unknownRef: () => ({ jobName: 'no_such_job', clusterId: clusterIds[0]! }),
    failNextCommand: (op) =>
      cloud.faults.add({ endpoint: op === 'abort' ? 'cdm.stopJob' : op === 'rerun' ? 'cdm.startJob' : 'cdm.deleteJob', kind: 'status', status: 503, times: 1 }),
    received: (op) =>
      cloud.requests({
        service: 'cdm',
        endpoint: (
          { create: 'cdm.randomCreateAndStart', status: 'cdm.jobStatus', abort: 'cdm.stopJob', rerun: 'cdm.startJob', delete: 'cdm.deleteJob' } as const
        )[op],
      }).length,
    runningJob: () => created([], 4_000),
    failedJob: () =>
      created(
        [
          ['sim.fail', 'true'],
          ['sim.failTimes', '1'],
        ],
        20_000,
      ),
    async unreachable() {
      const other = await startHuaweiFixture(clock, { only: 'cdm' });
      await other.cloud.close();
      return other.registry.get('cdm')!;
    },
    async close() {
      await fixture.close();
    },
  };
});

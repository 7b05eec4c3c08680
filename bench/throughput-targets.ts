// The four backends' simulators as the throughput benchmark's targets: every status read and every create
// answers after the same added latency, and every job runs (never queues) from its first check, so a first
// check is a state change for each backend alike.
import type { Backend } from '../lib/backends/backend.ts';
import type { BackendRegistry } from '../lib/backends/registry.ts';
import { systemClock } from '../lib/clock.ts';
import { connectTargets } from '../lib/runtime/connect-targets.ts';
import type { Targets } from '../lib/targets/targets.ts';
import { startHuaweiCloud } from '../local/huawei-cloud/simulator.ts';
import { startLindormMaster } from '../local/lindorm-master/simulator.ts';
import { startLinkisGateway } from '../local/linkis-gateway/simulator.ts';
import { cdmRequest, cdmTargetEntry, disRequest, disTargetEntry, huaweiEnv, streamName } from '../test/support/huawei.ts';
import { linkisEnv, linkisGatewayAuth, linkisRequest, linkisTargetEntry } from '../test/support/linkis.ts';
import { targetsOf } from '../test/support/targets.ts';

const day = 24 * 3_600_000;

/** One target of the benchmark: its connection, and the i-th request's fields (unique job names where a backend needs them). */
export interface BenchTarget {
  name: string;
  backend: Backend;
  request(i: number, run: string): Record<string, unknown>;
}

export interface BenchTargets {
  targets: Targets;
  registry: BackendRegistry;
  all: BenchTarget[];
  close(): Promise<void>;
}

export const benchTargetNames = ['lindorm', 'linkis', 'cdm', 'dis'] as const;

export async function startBenchTargets(latencyMs: number, only: readonly string[] = benchTargetNames): Promise<BenchTargets> {
  const master = await startLindormMaster({ infoLatencyMs: latencyMs, createLatencyMs: latencyMs, stages: [{ name: 'BULKLOAD', durationMs: day }] });
  const gateway = await startLinkisGateway({ ...linkisGatewayAuth(), durations: { initedMs: 0, scheduledMs: 0, runningMs: day } });
  const cloud = await startHuaweiCloud({
    seed: 7,
    cdm: { plan: () => ({ queueMs: 0, bootMs: 0, runMs: day }) },
    dis: { maxTasksPerStream: 1_000_000, plan: () => ({ startingMs: 0 }) },
  });
  // The same latency on each backend's create and status read (the Lindorm master has its own settings).
  for (const endpoint of ['submit', 'jobhistory-get'] as const) gateway.faults.add({ endpoint, kind: 'slow', delayMs: latencyMs });
  for (const endpoint of ['cdm.randomCreateAndStart', 'cdm.jobStatus', 'dis.createTask', 'dis.showTask'] as const)
    cloud.faults.add({ endpoint, kind: 'slow', delayMs: latencyMs });
  const entries: Record<string, Record<string, unknown>> = {
    lindorm: { backend: 'lindorm-bulkload', url: master.url },
    linkis: linkisTargetEntry(gateway.url),
    cdm: cdmTargetEntry(cloud),
    dis: disTargetEntry(cloud),
  };
  const targets = targetsOf({ targets: Object.fromEntries(only.map((name) => [name, entries[name]])) });
  const registry = await connectTargets(targets, { env: { ...linkisEnv, ...huaweiEnv }, clock: systemClock });
  const requests: Record<string, BenchTarget['request']> = {
    lindorm: () => ({ ...lindormSeed }),
    linkis: () => linkisRequest(),
    cdm: (i, run) => cdmRequest(`bench_${run}_${i}`),
    dis: (i, run) => ({ ...disRequest(`bench_${run}_${i}`), streamName }),
  };
  return {
    targets,
    registry,
    all: only.map((name) => ({ name, backend: registry.all().find((b) => b.target === name)!, request: requests[name]! })),
    async close() {
      await Promise.all(registry.all().map((b) => b.close()));
      await Promise.all([master.close(), gateway.close(), cloud.close()]);
    },
  };
}

/** A small Lindorm request (the seed's shape, short configs), shared by the benchmarks. */
export const lindormSeed = {
  src: 'hdfs',
  dst: 'ld',
  readerConfig: '{"filePath":"p/","column":["id"]}',
  writerConfig: '{"namespace":"default","lindormTable":"t","columns":["ROW||String"]}',
  driverSpec: 'large',
  instances: 2,
  fileType: 'Parquet',
};

// `node bench/run-simulation.ts [tasksPerDay] [seed] [backend]`: the virtual-time simulation alone.

import { type StrategyName, simulate, summarize } from './sim/simulate.ts';
import { defaultWorkload, describeWorkload, type SimBackend } from './sim/workload.ts';

const tasksPerDay = Number(process.argv[2] ?? defaultWorkload.tasksPerDay);
const seed = Number(process.argv[3] ?? defaultWorkload.seed);
const backends = (process.argv[4] ? [process.argv[4]] : ['lindorm', 'linkis', 'cdm']) as SimBackend[];
for (const backend of backends) {
  const options = { ...defaultWorkload, tasksPerDay, seed, backend };
  console.log(describeWorkload(options));
  const rows = (['bulkpilot', 'fixed-60s', 'step-functions'] as StrategyName[]).map((s) => summarize(simulate(s, options)));
  console.table(
    rows.map((r) => ({
      strategy: r.strategy,
      'calls/task': r.backendCallsPerTask.toFixed(1),
      'median s': r.medianDetectionS.toFixed(1),
      'p95 s': r.p95DetectionS.toFixed(1),
      'success p95 s': r.success.p95S.toFixed(1),
      'failure median s': r.failureMedianS.toFixed(1),
      predicted: r.predictedShare.toFixed(2),
      '$/10k task-h': r.dollarsPer10kTaskHours.toFixed(3),
    })),
  );
}

// `node bench/run-simulation.ts [tasksPerDay] [seed]`: the virtual-time simulation alone.

import { type StrategyName, simulate, summarize } from './sim/simulate.ts';
import { defaultWorkload } from './sim/workload.ts';

const tasksPerDay = Number(process.argv[2] ?? defaultWorkload.tasksPerDay);
const seed = Number(process.argv[3] ?? defaultWorkload.seed);
const rows = (['bulkpilot', 'fixed-60s', 'step-functions'] as StrategyName[]).map((s) => summarize(simulate(s, { ...defaultWorkload, tasksPerDay, seed })));
console.log(JSON.stringify(rows, null, 2));

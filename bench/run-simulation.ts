// `node bench/run-simulation.ts [tasksPerDay] [seed]`: the virtual-time simulation alone.
import { defaultWorkload } from './sim/workload.ts';
import { simulate, summarize, type StrategyName } from './sim/simulate.ts';

const tasksPerDay = Number(process.argv[2] ?? defaultWorkload.tasksPerDay);
const seed = Number(process.argv[3] ?? defaultWorkload.seed);
const rows = (['bulkpilot', 'fixed-60s', 'step-functions'] as StrategyName[]).map((s) => summarize(simulate(s, { ...defaultWorkload, tasksPerDay, seed })));
console.log(JSON.stringify(rows, null, 2));

// `npm run bench`: the figures that exist so far, printed as tables and written to bench-results/.
// Every speed figure is a ratio against a floor measured in the same run.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cliReads } from './cli-reads.ts';
import { coldStart, transportCost } from './cold-start.ts';
import { lifecycleCost } from './lifecycle-cost.ts';
import { type StrategyName, simulate, summarize } from './sim/simulate.ts';
import { defaultWorkload, describeWorkload, type SimBackend } from './sim/workload.ts';
import { throughput } from './throughput.ts';

const smoke = process.argv.includes('--smoke');
const argument = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
// Each backend's simulator: the usual tick (no news) at 2,000 tasks, the tick where every task changes at
// 1,000 (each change is a write on DynamoDB Local, which is slow here), submit at 200 requests; every
// measure twice on each side (bulkpilot, floor, floor, bulkpilot).
const steadyTasks = argument('steady-tasks', 2_000);
const pollTasks = argument('poll-tasks', 1_000);
const submitRequests = argument('submit-requests', 200);
const tasksPerDay = smoke ? 2_000 : defaultWorkload.tasksPerDay;

const throughputRows = await throughput(
  smoke
    ? { pollTasks: 30, submitRequests: 20, infoLatencyMs: 20, concurrency: 16 }
    : { pollTasks, steadyTasks, submitRequests, infoLatencyMs: 20, concurrency: 16 },
  (r) =>
    console.log(
      `measured ${r.measure}: ${r.ratio.toFixed(2)}×${r.requiredRatio === undefined ? '' : ` (vs the required write ${r.requiredRatio.toFixed(2)}×)`}`,
    ),
);
console.log("\nthroughput on DynamoDB Local and each backend's simulator (ratios against a floor measured in the same run)");
console.table(
  throughputRows.map((r) => ({
    measure: r.measure,
    'bulkpilot (s)': (r.bulkpilotMs / 1000).toFixed(1),
    'floor (s)': (r.floorMs / 1000).toFixed(1),
    ratio: `${r.ratio.toFixed(2)}×`,
    'vs required write': r.requiredRatio === undefined ? '-' : `${r.requiredRatio.toFixed(2)}×`,
    goal: r.goal,
    met: r.met ? 'yes' : 'no',
  })),
);
const throughputGoals = throughputRows.map((r) => ({
  target: r.target,
  kind: r.kind,
  ledger: r.ledger,
  ratio: r.ratio,
  requiredRatio: r.requiredRatio,
  met: r.met,
}));

const lifecycleSize = smoke ? { tasks: 3, runMinutes: 10 } : { tasks: 20, runMinutes: 120 };
const lifecycle = await lifecycleCost(lifecycleSize);
// The same lifecycles on a limited target: with room for all (none waits), and with few at once (most wait).
const fewAtOnce = smoke ? 1 : 5;
const limitedLifecycles = [
  { label: 'limited, none waits', cost: await lifecycleCost({ ...lifecycleSize, limits: { maxConcurrent: 100, maxConcurrentPerDestination: 1 } }) },
  { label: `limited to ${fewAtOnce} at once`, cost: await lifecycleCost({ ...lifecycleSize, limits: { maxConcurrent: fewAtOnce } }) },
];
console.log(
  `\nwhole lifecycles, counted: ${lifecycle.tasks} tasks of ${lifecycleSize.runMinutes} min on a virtual clock (DynamoDB Local, the simulated master)`,
);
console.table(
  [{ label: 'no limits', cost: lifecycle }, ...limitedLifecycles].map(({ label, cost }) => ({
    target: label,
    waited: cost.waited,
    'read units/task': cost.readUnitsPerTask.toFixed(1),
    'write units/task': cost.writeUnitsPerTask.toFixed(1),
    'writes/task': cost.writesPerTask.toFixed(1),
    'state changes + 1': (cost.stateChangesPerTask + 1).toFixed(1),
    'slot writes/task': cost.slotWritesPerTask.toFixed(1),
    'backend calls/task-hour': cost.backendCallsPerTaskHour.toFixed(1),
    'Lambda ms/task': cost.lambdaMsPerTask.toFixed(0),
  })),
);

// One simulated day per backend, each watched three ways on the same runs.
const simBackends: SimBackend[] = ['lindorm', 'linkis', 'cdm'];
const simulations = simBackends.map((backend) => {
  const options = { ...defaultWorkload, tasksPerDay, backend };
  const rows = (['bulkpilot', 'fixed-60s', 'step-functions'] as StrategyName[]).map((s) => summarize(simulate(s, options)));
  return { backend, workload: describeWorkload(options), rows };
});
for (const { workload, rows } of simulations) {
  const fixed = rows.find((r) => r.strategy === 'fixed-60s')!;
  console.log(`\nvirtual-time simulation, ${workload}`);
  console.table(
    rows.map((r) => ({
      strategy: r.strategy,
      'calls/task': r.backendCallsPerTask.toFixed(1),
      'fewer calls than fixed 60 s': `${(fixed.backendCallsPerTask / r.backendCallsPerTask).toFixed(2)}×`,
      'median detection (s)': r.medianDetectionS.toFixed(1),
      'p95 detection (s)': r.p95DetectionS.toFixed(1),
      'successes p95 (s)': r.success.p95S.toFixed(1),
      'failures median (s)': r.failureMedianS.toFixed(1),
      '$ per 10k task-hours': r.dollarsPer10kTaskHours.toFixed(3),
      'of which DynamoDB / Lambda / SFN / messaging': [
        r.breakdownPer10kTaskHours.dynamo,
        r.breakdownPer10kTaskHours.lambda,
        r.breakdownPer10kTaskHours.stepFunctions,
        r.breakdownPer10kTaskHours.messaging,
      ]
        .map((x) => x.toFixed(3))
        .join(' / '),
    })),
  );
}
// The detection goals of the benchmark issue, each against fixed 60 s polling on the same runs.
const detectionGoals = simulations.map(({ backend, rows }) => {
  const ours = rows.find((r) => r.strategy === 'bulkpilot')!;
  const fixed = rows.find((r) => r.strategy === 'fixed-60s')!;
  const [medianGoal, p95Goal] = backend === 'lindorm' ? [30, 120] : [20, 90];
  const fewer = fixed.backendCallsPerTask / ours.backendCallsPerTask;
  return {
    backend,
    median: { bulkpilot: ours.medianDetectionS, fixed: fixed.medianDetectionS, goal: medianGoal, met: ours.medianDetectionS <= medianGoal },
    p95: { bulkpilot: ours.p95DetectionS, fixed: fixed.p95DetectionS, goal: p95Goal, met: ours.p95DetectionS <= p95Goal },
    fewerCalls: { ratio: fewer, bulkpilot: ours.backendCallsPerTask, fixed: fixed.backendCallsPerTask, goal: 2, met: fewer >= 2 },
  };
});
console.log('\ndetection goals (one simulated day per backend; baseline: fixed 60 s polling on the same runs)');
console.table(
  detectionGoals.flatMap((g) => [
    {
      backend: g.backend,
      goal: `median ≤ ${g.median.goal} s`,
      bulkpilot: `${g.median.bulkpilot.toFixed(1)} s`,
      baseline: `${g.median.fixed.toFixed(1)} s`,
      met: g.median.met ? 'yes' : 'no',
    },
    {
      backend: g.backend,
      goal: `p95 ≤ ${g.p95.goal} s`,
      bulkpilot: `${g.p95.bulkpilot.toFixed(1)} s`,
      baseline: `${g.p95.fixed.toFixed(1)} s`,
      met: g.p95.met ? 'yes' : 'no',
    },
    {
      backend: g.backend,
      goal: '≥ 2× fewer status calls',
      bulkpilot: `${g.fewerCalls.bulkpilot.toFixed(1)} per task (${g.fewerCalls.ratio.toFixed(2)}×)`,
      baseline: `${g.fewerCalls.fixed.toFixed(1)} per task`,
      met: g.fewerCalls.met ? 'yes' : 'no',
    },
  ]),
);
const simulation = simulations.find((s) => s.backend === 'lindorm')!.rows;
// The cost goal: $0.05 per 10k task-hours, or — where the writes durability needs make that impossible —
// within 1.2× of the floor (those writes only, everything else as bulkpilot does it), on the same runs.
const costGoals = simulations.map(({ backend, rows }) => {
  const ours = rows.find((r) => r.strategy === 'bulkpilot')!;
  const floor = ours.floorDollarsPer10kTaskHours;
  const ratio = ours.dollarsPer10kTaskHours / floor;
  const over = ours.overFloorPer10kTaskHours;
  // A stack deployed with operatorIndexes=0 has none of the CLI's indexes (the functions never read them).
  const lean = ours.dollarsPer10kTaskHours - over.operatorIndexes;
  return {
    backend,
    dollars: ours.dollarsPer10kTaskHours,
    floor,
    ratio,
    met: ours.dollarsPer10kTaskHours <= 0.05 || (floor > 0.05 && ratio <= 1.2),
    overFloor: over,
    withoutOperatorIndexes: { dollars: lean, ratio: lean / floor },
  };
});
console.log('\ncost goal (per 10,000 task-hours; the floor: only the writes a task needs to be durable and crash-safe)');
console.table(
  costGoals.map((g) => ({
    backend: g.backend,
    bulkpilot: `$${g.dollars.toFixed(3)}`,
    floor: `$${g.floor.toFixed(3)}`,
    'vs floor': `${g.ratio.toFixed(2)}×`,
    goal: '≤ $0.050, or ≤ 1.2× the floor where it is above $0.050',
    met: g.met ? 'yes' : 'no',
    'operatorIndexes=0': `$${g.withoutOperatorIndexes.dollars.toFixed(3)} (${g.withoutOperatorIndexes.ratio.toFixed(2)}×)`,
  })),
);
console.log('where the cost above the floor goes ($ per 10,000 task-hours)');
console.table(
  costGoals.map((g) => ({
    backend: g.backend,
    "operators' indexes": g.overFloor.operatorIndexes.toFixed(3),
    'RUNNING writes': g.overFloor.runningWrites.toFixed(3),
    'notification marks': g.overFloor.notificationMarks.toFixed(3),
    'other (RETRY_WAIT writes, notify reads)': g.overFloor.other.toFixed(3),
  })),
);

const cliSizes = smoke ? [100, 1_000] : [1_000, 10_000, 100_000];
const cliRows = await cliReads(cliSizes, smoke ? 3 : 7);
console.log(`\nthe operator's reads as the table grows (DynamoDB Local; calls and read units counted on the wire, median of ${smoke ? 3 : 7} runs)`);
console.table(
  cliRows.map((r) => ({
    command: r.command,
    'stored tasks': r.tasks.toLocaleString('en'),
    calls: r.calls,
    scans: r.scans,
    'read units': r.readUnits.toFixed(1),
    'median (ms)': r.medianMs.toFixed(1),
  })),
);
const cliGrowth = ['list --limit 50', 'status <job id>'].map((command) => {
  const of = cliRows.filter((r) => r.command === command);
  const [small, large] = [of[0]!, of.at(-1)!];
  return { command, from: small.tasks, to: large.tasks, readUnits: large.readUnits / small.readUnits, time: large.medianMs / small.medianMs };
});
for (const g of cliGrowth)
  console.log(
    `${g.command}: from ${g.from.toLocaleString('en')} to ${g.to.toLocaleString('en')} tasks, read units ${g.readUnits.toFixed(2)}×, time ${g.time.toFixed(2)}× (goal: flat, ≤ 1.5×: ${g.readUnits <= 1.5 && g.time <= 1.5 ? 'met' : 'not met'})`,
  );

const cold = smoke ? [] : await coldStart();
const transport = smoke ? undefined : await transportCost();
if (!smoke) {
  console.log('\ncold start: bundle size and median import time over 9 fresh processes, alternating with a bundle of the SDK clients only');
  console.table(
    cold.map((r) => ({
      bundle: r.bundle,
      KiB: r.kib,
      'import (ms)': r.importMs.toFixed(1),
      'vs baseline': `${r.ratio.toFixed(2)}×`,
      'with chunks: KiB': r.withChunks?.kib ?? '-',
      'with chunks: import (ms)': r.withChunks ? r.withChunks.importMs.toFixed(1) : '-',
      'with chunks: vs baseline': r.withChunks ? `${r.withChunks.ratio.toFixed(2)}×` : '-',
    })),
  );
  console.log('\nthe undici transport on its own (lib/http/transport.ts) against a node:http client, median of 9 fresh imports');
  console.table([
    { transport: 'undici (Pool, request)', KiB: transport!.undici.kib, 'import (ms)': transport!.undici.importMs.toFixed(1) },
    { transport: 'node:http (built in)', KiB: transport!.nodeHttp.kib, 'import (ms)': transport!.nodeHttp.importMs.toFixed(1) },
    { transport: 'ratio', KiB: '', 'import (ms)': `${transport!.ratio.toFixed(2)}×` },
  ]);
}

mkdirSync(new URL('../bench-results/', import.meta.url), { recursive: true });
const file = new URL(`../bench-results/${smoke ? 'smoke' : 'latest'}.json`, import.meta.url);
writeFileSync(
  file,
  JSON.stringify(
    {
      at: new Date().toISOString(),
      node: process.version,
      throughput: throughputRows,
      throughputGoals,
      lifecycle,
      limitedLifecycles,
      tasksPerDay,
      simulation,
      simulations,
      detectionGoals,
      costGoals,
      cliReads: { rows: cliRows, growth: cliGrowth },
      coldStart: cold,
      transport,
    },
    null,
    2,
  ),
);
console.log(`\nwritten to ${file.pathname}`);

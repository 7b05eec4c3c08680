// A virtual-time simulation of a day of bulk loads, run under three ways of watching them: bulkpilot's
// polling rule (the real nextCheckDelayMs and retry policy, on one-minute poll ticks), fixed polling on
// every tick, and a Step Functions poll loop (Wait 60 s → Task → Choice). Deterministic for a seed.
import { newTask, type Task } from '../../lib/task/task.ts';
import { defaultPollPolicy, nextCheckDelayMs, type PollPolicy } from '../../lib/tracking/poll-policy.ts';
import { defaultRetryPolicy, retryDelayMs, type RetryPolicy } from '../../lib/tracking/retry-policy.ts';
import { seededRandom } from '../../lib/random.ts';
import { prices } from './prices.ts';
import { workload, type SimJob, type WorkloadOptions } from './workload.ts';

const tick = 60_000;

export type StrategyName = 'bulkpilot' | 'fixed-60s' | 'step-functions';

/** What one check, one state change and one submission cost in each design (see the README for the sources). */
export interface CostModel {
  /** Billed Lambda time per status check (the poll invocation's wall time shared by the checks in flight). */
  lambdaMsPerCheck: number;
  lambdaGb: number;
  /** DynamoDB units per status check without news, per state change, and per submission. */
  readUnitsPerCheck: number;
  writeUnitsPerCheck: number;
  writeUnitsPerChange: number;
  writeUnitsPerSubmit: number;
  /** Step Functions transitions per poll (Wait, Task, Choice). */
  transitionsPerPoll: number;
}

export const costModels: Record<StrategyName, CostModel> = {
  // Today's implementation: a check reads the task (GetItem, ~4 KB item) and writes its next check time
  // (a whole-item write, 4 units, plus 2 for moving the index key).
  bulkpilot: { lambdaMsPerCheck: 5, lambdaGb: 0.5, readUnitsPerCheck: 1.02, writeUnitsPerCheck: 6, writeUnitsPerChange: 6, writeUnitsPerSubmit: 14, transitionsPerPoll: 0 },
  // Polling every active task each tick needs no next-check write: a query share (~300 B of index item,
  // eventually consistent) per check, writes only on change.
  'fixed-60s': { lambdaMsPerCheck: 5, lambdaGb: 0.5, readUnitsPerCheck: 0.04, writeUnitsPerCheck: 0, writeUnitsPerChange: 6, writeUnitsPerSubmit: 14, transitionsPerPoll: 0 },
  // One execution per task; each poll is a Lambda task invocation (one info call, ~50 ms at 128 MB).
  'step-functions': { lambdaMsPerCheck: 50, lambdaGb: 0.125, readUnitsPerCheck: 0, writeUnitsPerCheck: 0, writeUnitsPerChange: 6, writeUnitsPerSubmit: 14, transitionsPerPoll: 3 },
};

export interface StrategyResult {
  strategy: StrategyName;
  tasks: number;
  taskHours: number;
  checks: number;
  backendCalls: number;
  changes: number;
  detectionDelaysMs: Float64Array;
  cost: { dynamo: number; lambda: number; stepFunctions: number; total: number };
}

export interface Summary {
  strategy: StrategyName;
  backendCallsPerTask: number;
  backendCallsPerTaskHour: number;
  medianDetectionS: number;
  p95DetectionS: number;
  dollarsPer10kTaskHours: number;
}

const ceilTick = (t: number) => Math.ceil(t / tick) * tick;

/** Checks until the run's end is seen; returns [detection time, number of checks]. */
function watchRun(strategy: StrategyName, job: SimJob, runStart: number, runStages: SimJob['stages'], end: number, attempt: number, poll: PollPolicy, random: () => number): [number, number] {
  let checks = 0;
  if (strategy === 'step-functions') {
    let t = runStart + tick;
    for (; t < end; t += tick) checks++;
    return [t, checks + 1];
  }
  if (strategy === 'fixed-60s') {
    let t = ceilTick(runStart + 1);
    for (; t < end; t += tick) checks++;
    return [t, checks + 1];
  }
  // bulkpilot: the real rule, rounded up to the next poll tick.
  const task: Task = { ...stub, submittedAt: job.submittedAt, runStartedAt: runStart, attempt };
  let t = ceilTick(runStart + poll.firstCheckDelayMs);
  while (t < end) {
    checks++;
    let elapsed = t - runStart;
    let stage = runStages[runStages.length - 1]!.name;
    for (const s of runStages) {
      if (elapsed < s.ms) {
        stage = s.name;
        break;
      }
      elapsed -= s.ms;
    }
    task.stage = stage;
    t = Math.max(t + tick, ceilTick(t + nextCheckDelayMs(task, t, poll, random)));
  }
  return [t, checks + 1];
}

const stub = newTask({ taskId: 't-sim', requestId: 'sim', requestIdSource: 'client', backend: 'lindorm-bulkload', state: 'ACCEPTED', createdAt: 0, summary: {} }, 'sim', { historyLimit: 50, shards: 4, retentionDays: 30 });

export function simulate(strategy: StrategyName, options: WorkloadOptions, poll: PollPolicy = defaultPollPolicy, retry: RetryPolicy = defaultRetryPolicy): StrategyResult {
  const random = seededRandom(options.seed + 1);
  const model = costModels[strategy];
  const delays: number[] = [];
  let checks = 0;
  let backendCalls = 0;
  let changes = 0;
  let taskMs = 0;
  let tasks = 0;
  for (const job of workload(options)) {
    tasks++;
    backendCalls++; // create
    changes += 2; // SUBMITTED, then RUNNING
    let runStart = job.submittedAt;
    let fromStage = 0;
    let finished = runStart;
    for (let attempt = 1; ; attempt++) {
      const runStages = job.stages.slice(fromStage);
      const failAt = job.failAt(attempt);
      const failIndex = failAt >= fromStage ? failAt - fromStage : -1;
      const length = (failIndex >= 0 ? runStages.slice(0, failIndex) : runStages).reduce((sum, s) => sum + s.ms, 0);
      const end = runStart + length;
      const [seen, n] = watchRun(strategy, job, runStart, runStages, end, attempt, poll, random);
      checks += n;
      backendCalls += n;
      delays.push(seen - end);
      changes++;
      finished = seen;
      if (failIndex < 0 || attempt >= retry.maxAttempts) break;
      // RETRY_WAIT, then the poller (or the state machine) calls the master's retry.
      const due = seen + retryDelayMs(attempt, retry, random);
      runStart = strategy === 'step-functions' ? due : ceilTick(due);
      backendCalls += 2; // the info check before the retry, and the retry
      changes += 2; // RETRY_WAIT, RUNNING
      fromStage = failAt;
    }
    taskMs += finished - job.submittedAt;
  }
  const taskHours = taskMs / 3_600_000;
  const dynamo =
    (checks * model.readUnitsPerCheck) * prices.dynamoReadUnit +
    (checks * model.writeUnitsPerCheck + changes * model.writeUnitsPerChange + tasks * model.writeUnitsPerSubmit) * prices.dynamoWriteUnit;
  const lambda = checks * (model.lambdaMsPerCheck / 1000) * model.lambdaGb * prices.lambdaGbSecond + (strategy === 'step-functions' ? checks * prices.lambdaRequest : 0);
  // The scheduled poller's own invocations: one per minute all day, whatever the load.
  const pollerFloor = strategy === 'step-functions' ? 0 : 1440 * (prices.lambdaRequest + 0.3 * 0.5 * prices.lambdaGbSecond);
  const stepFunctions = checks * model.transitionsPerPoll * prices.stepFunctionsTransition;
  return {
    strategy,
    tasks,
    taskHours,
    checks,
    backendCalls,
    changes,
    detectionDelaysMs: Float64Array.from(delays).sort(),
    cost: { dynamo, lambda: lambda + pollerFloor, stepFunctions, total: dynamo + lambda + pollerFloor + stepFunctions },
  };
}

export function summarize(result: StrategyResult): Summary {
  const quantile = (q: number) => result.detectionDelaysMs[Math.min(result.detectionDelaysMs.length - 1, Math.floor(q * result.detectionDelaysMs.length))]! / 1000;
  return {
    strategy: result.strategy,
    backendCallsPerTask: result.backendCalls / result.tasks,
    backendCallsPerTaskHour: result.backendCalls / result.taskHours,
    medianDetectionS: quantile(0.5),
    p95DetectionS: quantile(0.95),
    dollarsPer10kTaskHours: (result.cost.total / result.taskHours) * 10_000,
  };
}

// A virtual-time simulation of a day of bulk loads, run under three ways of watching them: bulkpilot's
// polling rule (the real nextCheckDelayMs and retry policy, on one-minute poll ticks), fixed polling on
// every tick, and a Step Functions poll loop (Wait 60 s → Task → Choice). Deterministic for a seed.
import { newTask } from '../../lib/task/task.ts';
import { defaultPollPolicy, nextCheckDelayMs, type PollPolicy } from '../../lib/tracking/poll-policy.ts';

/** The simulated runs follow the Lindorm bulk load's stages; the master's last stage says the end is near. */
const nearEndOf = (stage: string) => stage === 'WAIT_FOR_SUCCESS';

import { seededRandom } from '../../lib/random.ts';
import { dueCheckTime, emptyCheckpoint, type IndexedTask, type ScheduleMemo, type ShardCheckpoint } from '../../lib/tracking/poll-schedule.ts';
import { defaultRetryPolicy, type RetryPolicy, retryDelayMs } from '../../lib/tracking/retry-policy.ts';
import { prices } from './prices.ts';
import { type SimJob, type WorkloadOptions, workload } from './workload.ts';

const tick = 60_000;

export type StrategyName = 'bulkpilot' | 'fixed-60s' | 'step-functions';

/** What checks, state changes and submissions cost in each design (see the README for the sources). */
export interface CostModel {
  /** Billed Lambda time per status check (the poll invocation's wall time shared by the checks in flight). */
  lambdaMsPerCheck: number;
  lambdaGb: number;
  /** DynamoDB read units per status check, and per active task per minute (the index read every tick). */
  readUnitsPerCheck: number;
  readUnitsPerActiveMinute: number;
  /** DynamoDB write units per status check without news, per state change, and per submission. */
  writeUnitsPerCheck: number;
  writeUnitsPerChange: number;
  writeUnitsPerSubmit: number;
  /** Announcing a terminal state: the task read and the "announced" mark. */
  unitsPerNotification: { read: number; write: number };
  /** Step Functions transitions per poll (Wait, Task, Choice). */
  transitionsPerPoll: number;
}

// Units per write follow the item size (1 KB per write unit) plus the index entries it moves: the task item
// is about 1.3 KB (lifecycle run of `npm run bench`), so 2, plus 1 for the due index, plus 2 for the
// operators' by-state index (its entry moves: a delete and a put) = 5 per change; a submit writes the item
// and the due, by-state and by-target entries, and its job id's by-remote-id entry follows = 6. The
// lifecycle bench measures 21 units for a task's 5 writes; this model counts 23, a little above. A check without news
// writes nothing; every tick reads each active task's index entry (about 300 B, eventually consistent:
// 0.5 unit per 4 KB). Every strategy keeps the same task table for its operators: the same units.
const indexRead = 300 / 4096 / 2;
export const costModels: Record<StrategyName, CostModel> = {
  bulkpilot: {
    lambdaMsPerCheck: 5,
    lambdaGb: 0.5,
    readUnitsPerCheck: 0,
    readUnitsPerActiveMinute: indexRead,
    writeUnitsPerCheck: 0,
    writeUnitsPerChange: 5,
    writeUnitsPerSubmit: 6,
    unitsPerNotification: { read: 1, write: 2 },
    transitionsPerPoll: 0,
  },
  // Polling every active task each tick: the same index read, writes only on change.
  'fixed-60s': {
    lambdaMsPerCheck: 5,
    lambdaGb: 0.5,
    readUnitsPerCheck: 0,
    readUnitsPerActiveMinute: indexRead,
    writeUnitsPerCheck: 0,
    writeUnitsPerChange: 5,
    writeUnitsPerSubmit: 6,
    unitsPerNotification: { read: 1, write: 2 },
    transitionsPerPoll: 0,
  },
  // One execution per task; each poll is a Lambda task invocation (one info call, ~50 ms at 128 MB).
  'step-functions': {
    lambdaMsPerCheck: 50,
    lambdaGb: 0.125,
    readUnitsPerCheck: 0,
    readUnitsPerActiveMinute: 0,
    writeUnitsPerCheck: 0,
    writeUnitsPerChange: 5,
    writeUnitsPerSubmit: 6,
    unitsPerNotification: { read: 1, write: 2 },
    transitionsPerPoll: 3,
  },
};

export interface StrategyResult {
  strategy: StrategyName;
  tasks: number;
  taskHours: number;
  checks: number;
  backendCalls: number;
  changes: number;
  detectionDelaysMs: Float64Array;
  cost: { dynamo: number; lambda: number; stepFunctions: number; messaging: number; total: number };
}

export interface Summary {
  strategy: StrategyName;
  backendCallsPerTask: number;
  backendCallsPerTaskHour: number;
  medianDetectionS: number;
  p95DetectionS: number;
  dollarsPer10kTaskHours: number;
  /** The same, by part: DynamoDB, Lambda, Step Functions, and messaging (SQS, SNS, the other functions). */
  breakdownPer10kTaskHours: { dynamo: number; lambda: number; stepFunctions: number; messaging: number };
}

const ceilTick = (t: number) => Math.ceil(t / tick) * tick;

/** Passes of one poll invocation, as functions/poll.ts runs them: at the tick, then every near-end interval for the pass window. */
const passOffsetsOf = (poll: PollPolicy) =>
  Array.from({ length: Math.floor(poll.passWindowMs / poll.nearEndIntervalMs) + 1 }, (_, i) => i * poll.nearEndIntervalMs);

/** Checks until the run's end is seen; returns [detection time, number of checks]. */
function watchRun(
  strategy: StrategyName,
  job: SimJob,
  runStart: number,
  runStages: SimJob['stages'],
  end: number,
  attempt: number,
  poll: PollPolicy,
  random: () => number,
): [number, number] {
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
  // bulkpilot: the real rule (dueCheckTime on the index entry and the shard checkpoint), served by the
  // passes of one-minute invocations.
  const stageAt = (t: number) => {
    let elapsed = t - runStart;
    for (const s of runStages) {
      if (elapsed < s.ms) return s.name;
      elapsed -= s.ms;
    }
    return runStages[runStages.length - 1]!.name;
  };
  const task: IndexedTask = {
    taskId: `t-${job.submittedAt}-${attempt}`,
    state: attempt === 1 ? 'SUBMITTED' : 'RUNNING',
    version: 2,
    backend: 'sim',
    remoteId: 'p',
    dueAt: runStart + poll.firstCheckDelayMs,
    submittedAt: job.submittedAt,
    runStartedAt: runStart,
  };
  const checkpoint: ShardCheckpoint = emptyCheckpoint();
  let previous: number | undefined;
  const memo: ScheduleMemo = { after: -Infinity, at: 0, n: 0 };
  for (let minute = ceilTick(runStart + 1); ; minute += tick) {
    for (const offset of passOffsetsOf(poll)) {
      const at = minute + offset;
      const due = dueCheckTime(task, { ...checkpoint, ...(previous === undefined ? {} : { checkedThrough: previous }) }, at, poll, memo);
      previous = at;
      if (due === undefined) continue;
      checks++;
      if (at >= end) return [at, checks];
      const stage = stageAt(at);
      if (task.state === 'SUBMITTED') {
        // The first "running" answer is a state change; its write sets the next anchor.
        task.state = 'RUNNING';
        task.stage = stage;
        task.nearEnd = nearEndOf(stage);
        task.dueAt = at + nextCheckDelayMs({ ...stub, submittedAt: job.submittedAt, runStartedAt: runStart, nearEnd: task.nearEnd }, at, poll, random);
      }
      if (nearEndOf(stage)) checkpoint.nearEnd[task.taskId] = { stage, at };
      else delete checkpoint.nearEnd[task.taskId];
    }
  }
}

const stub = newTask(
  { taskId: 't-sim', requestId: 'sim', requestIdSource: 'client', backend: 'lindorm-bulkload', state: 'ACCEPTED', createdAt: 0, summary: {} },
  'sim',
  { historyLimit: 50, shards: 4, retentionDays: 30 },
);

export function simulate(
  strategy: StrategyName,
  options: WorkloadOptions,
  poll: PollPolicy = defaultPollPolicy,
  retry: RetryPolicy = defaultRetryPolicy,
): StrategyResult {
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
      changes += 3; // RETRY_WAIT, the retry claim, RUNNING
      fromStage = failAt;
    }
    taskMs += finished - job.submittedAt;
  }
  const taskHours = taskMs / 3_600_000;
  const activeMinutes = taskMs / 60_000;
  const dynamo =
    (checks * model.readUnitsPerCheck + activeMinutes * model.readUnitsPerActiveMinute + tasks * model.unitsPerNotification.read) * prices.dynamoReadUnit +
    (checks * model.writeUnitsPerCheck + changes * model.writeUnitsPerChange + tasks * (model.writeUnitsPerSubmit + model.unitsPerNotification.write)) *
      prices.dynamoWriteUnit;
  const lambda =
    checks * (model.lambdaMsPerCheck / 1000) * model.lambdaGb * prices.lambdaGbSecond + (strategy === 'step-functions' ? checks * prices.lambdaRequest : 0);
  // The scheduled poller's own invocations: one per minute all day, whatever the load.
  // (about 35 s each with its passes, at 0.5 GB).
  const pollerFloor = strategy === 'step-functions' ? 0 : 1440 * (prices.lambdaRequest + 35 * 0.5 * prices.lambdaGbSecond);
  const stepFunctions = checks * model.transitionsPerPoll * prices.stepFunctionsTransition;
  // The same for every design: the request's send, receive and delete on SQS (receive and delete batched by
  // ten), one submit invocation per ten requests and one notify invocation and SNS publish per task.
  const messaging = tasks * (1.2 * prices.sqsRequest + prices.snsPublish + 1.1 * prices.lambdaRequest + 0.2 * 0.5 * prices.lambdaGbSecond);
  return {
    strategy,
    tasks,
    taskHours,
    checks,
    backendCalls,
    changes,
    detectionDelaysMs: Float64Array.from(delays).sort(),
    cost: { dynamo, lambda: lambda + pollerFloor, stepFunctions, messaging, total: dynamo + lambda + pollerFloor + stepFunctions + messaging },
  };
}

export function summarize(result: StrategyResult): Summary {
  const quantile = (q: number) =>
    result.detectionDelaysMs[Math.min(result.detectionDelaysMs.length - 1, Math.floor(q * result.detectionDelaysMs.length))]! / 1000;
  return {
    strategy: result.strategy,
    backendCallsPerTask: result.backendCalls / result.tasks,
    backendCallsPerTaskHour: result.backendCalls / result.taskHours,
    medianDetectionS: quantile(0.5),
    p95DetectionS: quantile(0.95),
    dollarsPer10kTaskHours: (result.cost.total / result.taskHours) * 10_000,
    breakdownPer10kTaskHours: {
      dynamo: (result.cost.dynamo / result.taskHours) * 10_000,
      lambda: (result.cost.lambda / result.taskHours) * 10_000,
      stepFunctions: (result.cost.stepFunctions / result.taskHours) * 10_000,
      messaging: (result.cost.messaging / result.taskHours) * 10_000,
    },
  };
}

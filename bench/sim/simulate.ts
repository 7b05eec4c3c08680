// A virtual-time simulation of a day of bulk loads, run under three ways of watching them: bulkpilot's
// polling rule (the real dueCheckTime, end prediction and retry policy, on one-minute poll ticks with their
// passes), fixed polling on every tick, and a Step Functions poll loop (Wait 60 s → Task → Choice). Each
// backend's runs report what the real API shows while they run (workload.ts, progress-model.ts): Linkis and
// CDM a drifting, stalling progress share, Lindorm only its stages. Deterministic for a seed.

import { seededRandom } from '../../lib/random.ts';
import { newTask } from '../../lib/task/task.ts';
import type { StageProfile } from '../../lib/tracking/end-prediction.ts';
import { defaultPollPolicy, nextCheckDelayMs, type PollPolicy } from '../../lib/tracking/poll-policy.ts';
import {
  dueCheckTime,
  emptyCheckpoint,
  type IndexedTask,
  rememberRun,
  type ScheduleMemo,
  type ShardCheckpoint,
  stableUnit,
} from '../../lib/tracking/poll-schedule.ts';
import { maxRunMemories } from '../../lib/tracking/poll-tick.ts';
import { defaultRetryPolicy, type RetryPolicy, retryDelayMs } from '../../lib/tracking/retry-policy.ts';
import { prices } from './prices.ts';
import { type SimJob, type SimObservation, type WorkloadOptions, workload } from './workload.ts';

/**
 * What each backend module calls "near the end": Lindorm's last stage; Linkis' and CDM's progress from
 * 0.9 (their `nearEndProgress` default).
 */
const nearEndOf = (seen: SimObservation) => (seen.progress !== undefined ? seen.progress >= 0.9 : seen.stage === 'WAIT_FOR_SUCCESS');
/**
 * The index's shards (TASK_INDEX_SHARDS): each learns its target's stage profile on its own, and keeps at
 * most `maxRunMemories` predicted ends; a day of a million loads (about 37,000 running at once) needs 48 to
 * predict every run. Runs beyond that are watched with the age-based rule: `predictedShare` says how many.
 */
export const simShards = 48;

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
/** The operators' index units in those: a change's by-state move; a submit's by-state, by-target and by-remote-id entries. */
export const operatorIndexUnits = { perChange: 2, perSubmit: 3 };
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
  /** The same, for runs that succeeded and for runs that failed part-way (no backend says a failure is coming). */
  successDelaysMs: Float64Array;
  failureDelaysMs: Float64Array;
  /** Runs going at once on average, and the share of them whose end the shards' memories predict. */
  concurrentRuns: number;
  predictedShare: number;
  cost: { dynamo: number; lambda: number; stepFunctions: number; messaging: number; total: number };
  /** The same runs at the least a task must write to be durable and crash-safe (`floorWriteUnits`), all else equal. */
  floorCost: number;
  /** bulkpilot's cost over the floor, by what it buys (`overFloorOf`); zero for the other strategies. */
  overFloor: OverFloor;
}

/** Dollars above the floor, by cause: the same runs, counted from the cost model's units. */
export interface OverFloor {
  /** The CLI's four indexes (by-state, by-target, by-remote-id, by-source-file): deploy param operatorIndexes. */
  operatorIndexes: number;
  /** The RUNNING state's own write per run (item and due entry; its by-state move is the indexes'). */
  runningWrites: number;
  /** The notify function's "announced" mark. */
  notificationMarks: number;
  /** The rest: each retry's RETRY_WAIT write. */
  other: number;
}

/**
 * The writes no design can do without, each of the task item (about 1.3 KB: 2 units) with its due-index
 * entry (1 unit): the intent before the create (else a crash could create twice), the job's reference after
 * it (else the job is lost), the end; per retry, its claim before the retry call and its reference after.
 * Not in it: the operators' indexes, the separate RUNNING state, the notification's mark.
 */
export const floorWriteUnits = { perTask: 3 * 3, perRetry: 2 * 3 };

export interface Summary {
  strategy: StrategyName;
  backendCallsPerTask: number;
  backendCallsPerTaskHour: number;
  medianDetectionS: number;
  p95DetectionS: number;
  /** Successes only (median, p95) and failures only (median). */
  success: { medianS: number; p95S: number };
  failureMedianS: number;
  predictedShare: number;
  dollarsPer10kTaskHours: number;
  /** The floor's (floorWriteUnits) on the same runs. */
  floorDollarsPer10kTaskHours: number;
  overFloorPer10kTaskHours: OverFloor;
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
  end: number,
  attempt: number,
  poll: PollPolicy,
  random: () => number,
  profiles: Record<string, StageProfile>,
  predicted: boolean,
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
  // bulkpilot: the real rule (dueCheckTime on the index entry and the shard checkpoint, with the run's
  // predicted end as poll-tick.ts keeps it), served by the passes of one-minute invocations.
  const task: IndexedTask = {
    taskId: `t-${job.submittedAt}-${attempt}`,
    state: attempt === 1 ? 'SUBMITTED' : 'RUNNING',
    version: 2,
    backend: 'sim',
    target: job.backend,
    remoteId: 'p',
    dueAt: runStart + poll.firstCheckDelayMs,
    submittedAt: job.submittedAt,
    runStartedAt: runStart,
  };
  // The shard's stage profiles are shared by its runs (the same object); the rest is this run's own.
  const checkpoint: ShardCheckpoint = { ...emptyCheckpoint(), profiles };
  let previous: number | undefined;
  const memo: ScheduleMemo = { after: -Infinity, at: 0, n: 0 };
  for (let minute = ceilTick(runStart + 1); ; minute += tick) {
    for (const offset of passOffsetsOf(poll)) {
      const at = minute + offset;
      const due = dueCheckTime(task, { ...checkpoint, ...(previous === undefined ? {} : { checkedThrough: previous }) }, at, poll, memo);
      previous = at;
      if (due === undefined) continue;
      checks++;
      if (at >= end) {
        // A success teaches the target's stage profile.
        rememberRun(checkpoint, task, at, { phase: job.failAt(attempt) >= 0 ? 'failed' : 'succeeded' });
        return [at, checks];
      }
      const seen = job.observe(attempt, at - runStart);
      const stage = seen.stage ?? 'RUNNING';
      if (task.state === 'SUBMITTED') {
        // The first "running" answer is a state change; its write sets the next anchor.
        task.state = 'RUNNING';
        task.stage = stage;
        task.nearEnd = nearEndOf(seen);
        task.dueAt = at + nextCheckDelayMs({ ...stub, submittedAt: job.submittedAt, runStartedAt: runStart, nearEnd: task.nearEnd }, at, poll, random);
      }
      if (nearEndOf(seen)) checkpoint.nearEnd[task.taskId] = { stage, at };
      else delete checkpoint.nearEnd[task.taskId];
      rememberRun(checkpoint, task, at, { phase: 'running', ...seen });
      // A run beyond what the shards can remember is followed by the age-based rule alone.
      if (!predicted) delete checkpoint.runs![task.taskId];
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
  shards = simShards,
): StrategyResult {
  const random = seededRandom(options.seed + 1);
  const model = costModels[strategy];
  const delays: number[] = [];
  const successDelays: number[] = [];
  const failureDelays: number[] = [];
  let checks = 0;
  let backendCalls = 0;
  let changes = 0;
  let taskMs = 0;
  let tasks = 0;
  let retries = 0;
  const profiles = Array.from({ length: shards }, (): Record<string, StageProfile> => ({}));
  // Runs at once over the day (from a first pass over the run lengths), against what the shards can remember.
  let runMs = 0;
  for (const job of workload(options)) runMs += job.runLengthMs(1, 0);
  const concurrent = runMs / 86_400_000;
  const predictedShare = Math.min(1, (maxRunMemories * shards) / Math.max(1, concurrent));
  for (const job of workload(options)) {
    tasks++;
    backendCalls++; // create
    changes += 2; // SUBMITTED, then RUNNING
    let runStart = job.submittedAt;
    let finished = runStart;
    for (let attempt = 1; ; attempt++) {
      const end = runStart + job.runLengthMs(attempt, job.startStage(attempt));
      const [seen, n] = watchRun(
        strategy,
        job,
        runStart,
        end,
        attempt,
        poll,
        random,
        profiles[tasks % shards]!,
        stableUnit(`job-${tasks}`, 0) < predictedShare,
      );
      checks += n;
      backendCalls += n;
      delays.push(seen - end);
      (job.failAt(attempt) >= 0 ? failureDelays : successDelays).push(seen - end);
      changes++;
      finished = seen;
      if (job.failAt(attempt) < 0 || attempt >= retry.maxAttempts) break;
      // RETRY_WAIT, then the poller (or the state machine) calls the master's retry.
      const due = seen + retryDelayMs(attempt, retry, random);
      runStart = strategy === 'step-functions' ? due : ceilTick(due);
      backendCalls += 2; // the info check before the retry, and the retry
      changes += 3; // RETRY_WAIT, the retry claim, RUNNING
      retries++;
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
  const result: StrategyResult = {
    strategy,
    tasks,
    taskHours,
    checks,
    backendCalls,
    changes,
    detectionDelaysMs: Float64Array.from(delays).sort(),
    successDelaysMs: Float64Array.from(successDelays).sort(),
    failureDelaysMs: Float64Array.from(failureDelays).sort(),
    concurrentRuns: concurrent,
    predictedShare: strategy === 'bulkpilot' ? predictedShare : 0,
    cost: { dynamo, lambda: lambda + pollerFloor, stepFunctions, messaging, total: dynamo + lambda + pollerFloor + stepFunctions + messaging },
    // bulkpilot's checks, index reads, poller and messaging, with only the writes durability needs.
    floorCost:
      activeMinutes * costModels.bulkpilot.readUnitsPerActiveMinute * prices.dynamoReadUnit +
      (tasks * floorWriteUnits.perTask + retries * floorWriteUnits.perRetry) * prices.dynamoWriteUnit +
      checks * (costModels.bulkpilot.lambdaMsPerCheck / 1000) * costModels.bulkpilot.lambdaGb * prices.lambdaGbSecond +
      1440 * (prices.lambdaRequest + 35 * 0.5 * prices.lambdaGbSecond) +
      messaging,
    overFloor: { operatorIndexes: 0, runningWrites: 0, notificationMarks: 0, other: 0 },
  };
  if (strategy === 'bulkpilot') {
    const unit = prices.dynamoWriteUnit;
    const over = result.overFloor;
    over.operatorIndexes = (changes * operatorIndexUnits.perChange + tasks * operatorIndexUnits.perSubmit) * unit;
    over.runningWrites = (tasks + retries) * (model.writeUnitsPerChange - operatorIndexUnits.perChange) * unit;
    over.notificationMarks = tasks * model.unitsPerNotification.write * unit;
    over.other = result.cost.total - result.floorCost - over.operatorIndexes - over.runningWrites - over.notificationMarks;
  }
  return result;
}

export function summarize(result: StrategyResult): Summary {
  const of = (sorted: Float64Array, q: number) =>
    sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! / 1000;
  const quantile = (q: number) => of(result.detectionDelaysMs, q);
  return {
    strategy: result.strategy,
    backendCallsPerTask: result.backendCalls / result.tasks,
    backendCallsPerTaskHour: result.backendCalls / result.taskHours,
    medianDetectionS: quantile(0.5),
    p95DetectionS: quantile(0.95),
    success: { medianS: of(result.successDelaysMs, 0.5), p95S: of(result.successDelaysMs, 0.95) },
    failureMedianS: of(result.failureDelaysMs, 0.5),
    predictedShare: result.predictedShare,
    dollarsPer10kTaskHours: (result.cost.total / result.taskHours) * 10_000,
    floorDollarsPer10kTaskHours: (result.floorCost / result.taskHours) * 10_000,
    overFloorPer10kTaskHours: Object.fromEntries(
      Object.entries(result.overFloor).map(([k, v]) => [k, (v / result.taskHours) * 10_000]),
    ) as unknown as OverFloor,
    breakdownPer10kTaskHours: {
      dynamo: (result.cost.dynamo / result.taskHours) * 10_000,
      lambda: (result.cost.lambda / result.taskHours) * 10_000,
      stepFunctions: (result.cost.stepFunctions / result.taskHours) * 10_000,
      messaging: (result.cost.messaging / result.taskHours) * 10_000,
    },
  };
}

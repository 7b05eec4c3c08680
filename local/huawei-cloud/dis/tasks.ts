import type { Answer } from '../http.ts';
import { INVALID_JSON, isObject } from '../http.ts';
import type { IdSource } from '../ids.ts';
import type { ResolvedDis, ResolvedStream } from '../options.ts';
import type { Clock, DisTaskState, DisTaskView, TaskForce } from '../types.ts';
import { disError } from './errors.ts';
import type { TaskRun } from './lifecycle.ts';
import { endRun, resolveDisPlan, taskProgress, taskState } from './lifecycle.ts';
import { intervalSeconds } from './plan.ts';
import { validateTask } from './validate.ts';

/** A DIS request after routing and authentication. */
export interface DisCall {
  projectId: string;
  streamName: string;
  taskName: string;
  query: Record<string, string>;
  /** Parsed JSON body, undefined when empty, INVALID_JSON when it does not parse. */
  body: unknown;
  requestId: string;
}

interface TaskRecord {
  id: string;
  name: string;
  projectId: string;
  streamName: string;
  destinationType: string;
  descriptor: Record<string, unknown>;
  createdAt: number;
  runs: TaskRun[];
  extraDiscard: number;
}

/** What DIS keeps across a restart of the local stack (sim-kit/saved-state.ts): the tasks of every stream. */
export type DisSnapshot = TaskRecord[];

interface StreamRecord {
  spec: ResolvedStream;
  tasks: Map<string, TaskRecord>;
}

/**
 * The account's DIS streams and their dump tasks. Names are the idempotency lever: a replayed create
 * (the Java SDK retries POSTs, §3.6b) meets DIS.4355 and nothing is duplicated; start and stop take ids.
 */
export class DisState {
  readonly #config: ResolvedDis;
  readonly #clock: Clock;
  readonly #ids: IdSource;
  readonly #streams = new Map<string, StreamRecord>();

  constructor(config: ResolvedDis, clock: Clock, ids: IdSource) {
    this.#config = config;
    this.#clock = clock;
    this.#ids = ids;
    this.reset();
  }

  create(call: DisCall): Answer {
    const stream = this.#stream(call);
    if ('answer' in stream) return stream.answer;
    const check = validateTask(call.body, this.#config);
    if (!check.ok) return this.#error(call, check.code, check.detail);
    // [I] The duplicate check comes before the quota check, so a replay on a full stream still reads as "already created".
    if (stream.record.tasks.has(check.taskName)) return this.#error(call, 'DIS.4355');
    if (stream.record.tasks.size >= this.#config.maxTasksPerStream) {
      return this.#error(call, 'DIS.4357', `A stream has at most ${this.#config.maxTasksPerStream} dump tasks.`);
    }
    const now = this.#clock.now();
    const task: TaskRecord = {
      // Shaped like the documents' ids (gGGu2WN88XbmRTm64nJ): 19 letters and digits.
      id: this.#ids.alnum(19),
      name: check.taskName,
      projectId: call.projectId,
      streamName: call.streamName,
      destinationType: check.destinationType,
      descriptor: check.descriptor,
      createdAt: now,
      runs: [],
      extraDiscard: 0,
    };
    task.runs.push(this.#newRun(task, now));
    stream.record.tasks.set(task.name, task);
    return { status: 201 };
  }

  update(call: DisCall): Answer {
    const stream = this.#stream(call);
    if ('answer' in stream) return stream.answer;
    const check = validateTask(call.body, this.#config);
    if (!check.ok) return this.#error(call, check.code, check.detail);
    const task = stream.record.tasks.get(check.taskName);
    if (task === undefined) return this.#error(call, 'DIS.4354');
    const now = this.#clock.now();
    task.destinationType = check.destinationType;
    task.descriptor = check.descriptor;
    const open = task.runs.at(-1);
    if (open !== undefined && open.endedAt === undefined) {
      // [I] The task keeps consuming with the new settings: a new run, no second STARTING phase.
      const startingLeft = Math.max(0, open.startedAt + open.plan.startingMs - now);
      endRun(task.runs, now, 'RUNNING');
      const next = this.#newRun(task, now);
      next.plan.startingMs = startingLeft;
      task.runs.push(next);
    }
    return { status: 200 };
  }

  list(call: DisCall): Answer {
    const stream = this.#stream(call);
    if ('answer' in stream) return stream.answer;
    const now = this.#clock.now();
    const tasks = [...stream.record.tasks.values()]
      .sort((a, b) => a.createdAt - b.createdAt)
      .map((task) => {
        const progress = taskProgress(task.runs, now);
        const item: Record<string, unknown> = {
          task_name: task.name,
          state: progress.state,
          destination_type: task.destinationType,
          create_time: task.createdAt,
          last_transfer_timestamp: progress.lastTransferAt,
        };
        if (this.#config.listIncludesTaskId) return { task_id: task.id, ...item };
        return item;
      });
    const max = this.#config.maxTasksPerStream;
    const quota = this.#config.quota === 'max' ? max : Math.max(0, max - tasks.length);
    return { status: 200, body: { total_number: tasks.length, quota, tasks } };
  }

  show(call: DisCall): Answer {
    const stream = this.#stream(call);
    if ('answer' in stream) return stream.answer;
    const task = stream.record.tasks.get(call.taskName);
    if (task === undefined) return this.#error(call, 'DIS.4354');
    return { status: 200, body: this.#detail(task, stream.record.spec) };
  }

  delete(call: DisCall): Answer {
    const stream = this.#stream(call);
    if ('answer' in stream) return stream.answer;
    if (!stream.record.tasks.delete(call.taskName)) return this.#error(call, 'DIS.4354');
    return { status: 204 };
  }

  action(call: DisCall): Answer {
    const stream = this.#stream(call);
    if ('answer' in stream) return stream.answer;
    const body = call.body;
    if (body === undefined || body === INVALID_JSON || !isObject(body)) return this.#error(call, 'DIS.4300', 'The request body must be a JSON object.');
    const action = body['action'];
    if (action !== 'start' && action !== 'stop') return this.#error(call, 'DIS.4200', 'action must be start or stop.');
    const entries = body['tasks'];
    if (!Array.isArray(entries) || entries.length === 0 || !entries.every((e) => isObject(e) && typeof e['id'] === 'string')) {
      return this.#error(call, 'DIS.4200', 'tasks must be a non-empty array of {"id":"<task_id>"}.');
    }
    const byId = new Map([...stream.record.tasks.values()].map((t) => [t.id, t]));
    const tasks: TaskRecord[] = [];
    for (const entry of entries as Array<{ id: string }>) {
      const task = byId.get(entry.id);
      // [I] One unknown id refuses the whole batch before anything changes. A task name is not an id.
      if (task === undefined) return this.#error(call, 'DIS.4354', `No task with id ${entry.id}.`);
      tasks.push(task);
    }
    const now = this.#clock.now();
    for (const task of tasks) {
      if (action === 'start') this.#start(task, now);
      else this.#stop(task, now);
    }
    return { status: 200 };
  }

  // ---- helpers for tests

  views(): DisTaskView[] {
    const now = this.#clock.now();
    const out: DisTaskView[] = [];
    for (const stream of this.#streams.values()) {
      for (const task of stream.tasks.values()) {
        const progress = taskProgress(task.runs, now);
        out.push({
          projectId: task.projectId,
          streamName: task.streamName,
          taskName: task.name,
          taskId: task.id,
          destinationType: task.destinationType,
          state: progress.state,
          createdAt: task.createdAt,
          lastTransferTimestamp: progress.lastTransferAt,
          deliveries: progress.deliveries,
          discard: progress.discard + task.extraDiscard,
          runs: task.runs.length,
          descriptor: structuredClone(task.descriptor),
        });
      }
    }
    return out;
  }

  force(projectId: string, streamName: string, taskName: string, force: TaskForce): void {
    const task = this.#streams.get(streamKey(projectId, streamName))?.tasks.get(taskName);
    if (task === undefined) throw new Error(`dis: no task ${taskName} on stream ${streamName}`);
    const now = this.#clock.now();
    if (force.discard !== undefined) task.extraDiscard += force.discard;
    const state = force.state;
    if (state === undefined) return;
    // PAUSED, ABNORMAL, ERROR end the run; so does a name outside the enum (a state a later DIS might add, shown verbatim).
    if (state !== 'STARTING' && state !== 'RUNNING') {
      endRun(task.runs, now, state as DisTaskState);
      return;
    }
    endRun(task.runs, now, taskState(task.runs, now));
    const run = this.#newRun(task, now);
    if (state === 'RUNNING') run.plan.startingMs = 0;
    task.runs.push(run);
  }

  reset(): void {
    this.#streams.clear();
    for (const spec of this.#config.streams) this.#streams.set(streamKey(spec.projectId, spec.name), { spec, tasks: new Map() });
  }

  snapshot(): DisSnapshot {
    return [...this.#streams.values()].flatMap((stream) => [...stream.tasks.values()]);
  }

  /**
   * Runs keep their clock start times, so a dump task goes on RUNNING (or has met its planned failure)
   * after a restart. A task of a stream no longer configured is dropped with its stream.
   */
  restore(tasks: DisSnapshot): void {
    this.reset();
    for (const task of tasks) this.#streams.get(streamKey(task.projectId, task.streamName))?.tasks.set(task.name, task);
  }

  // ---- internals

  #stream(call: DisCall): { record: StreamRecord } | { answer: Answer } {
    const record = this.#streams.get(streamKey(call.projectId, call.streamName));
    return record === undefined ? { answer: this.#error(call, 'DIS.4301') } : { record };
  }

  #newRun(task: TaskRecord, now: number): TaskRun {
    const plan = this.#config.plan(
      { streamName: task.streamName, taskName: task.name, destinationType: task.destinationType, descriptor: structuredClone(task.descriptor) },
      { run: task.runs.length + 1 },
    );
    return { startedAt: now, plan: resolveDisPlan(plan), intervalMs: intervalSeconds(task.descriptor) * 1_000 };
  }

  /** Start is state-setting [I]: a no-op on a STARTING or RUNNING task, a new run otherwise. */
  #start(task: TaskRecord, now: number): void {
    const state = taskState(task.runs, now);
    if (state === 'STARTING' || state === 'RUNNING') return;
    endRun(task.runs, now, state);
    task.runs.push(this.#newRun(task, now));
  }

  #stop(task: TaskRecord, now: number): void {
    if (taskState(task.runs, now) === 'PAUSED') return;
    endRun(task.runs, now, 'PAUSED');
  }

  #detail(task: TaskRecord, stream: ResolvedStream): Record<string, unknown> {
    const progress = taskProgress(task.runs, this.#clock.now());
    const discard = progress.discard + task.extraDiscard;
    // [I] Partition states beyond RUNNING are undocumented; each partition mirrors the task.
    const partitionState: DisTaskState = progress.state;
    const partitions = Array.from({ length: stream.partitions }, (_, i) => ({
      partitionId: `shardId-${String(i).padStart(10, '0')}`,
      discard,
      state: partitionState,
      last_transfer_timestamp: progress.lastTransferAt,
      last_transfer_offset: progress.offset,
    }));
    // Key order of the dis_06_0114 example.
    return {
      partitions,
      stream_name: task.streamName,
      task_name: task.name,
      task_id: task.id,
      destination_type: task.destinationType,
      state: progress.state,
      create_time: task.createdAt,
      last_transfer_timestamp: progress.lastTransferAt,
      [this.#detailKey(task.destinationType)]: structuredClone(task.descriptor),
    };
  }

  /** §0.14: go3 spells the DWS and CloudTable keys `…_descripton`; jdis and the documents `…_description`. */
  #detailKey(destinationType: string): string {
    const prefix = destinationType.toLowerCase();
    const typo = this.#config.detailKeySpelling === 'go3' && (destinationType === 'DWS' || destinationType === 'CLOUDTABLE');
    return `${prefix}_destination_${typo ? 'descripton' : 'description'}`;
  }

  #error(call: DisCall, code: string, detail?: string): Answer {
    const options: Parameters<typeof disError>[1] = { stream: call.streamName, requestId: call.requestId };
    if (detail !== undefined) options.detail = detail;
    return disError(code, options);
  }
}

function streamKey(projectId: string, streamName: string): string {
  return `${projectId}/${streamName}`;
}

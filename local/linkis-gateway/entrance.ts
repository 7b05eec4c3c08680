import { randomUUID } from 'node:crypto';
import type { Answer, Envelope, ServiceIdentity } from './envelope.ts';
import { error, errorExceptionEnvelope, ok, reply, springServletError, unknownExceptionEnvelope } from './envelope.ts';
import { ENTRANCE_APP, generateExecID, isExecIdForm, parseShortExecID } from './exec-id.ts';
import { JavaError, javaParseInt, javaParseLong, nullPointer } from './java.ts';
import { isCompleted, ordinal } from './lifecycle.ts';
import { logLinesAt, readLog } from './logs.ts';
import type { ResolvedOptions } from './options.ts';
import { resolvePlan } from './plan.ts';
import type { ParsedSubmit } from './submit-parser.ts';
import type { Task } from './task.ts';
import { dbStateAt, entranceProgress, entranceTransition, rebuildTimeline } from './task.ts';
import type { TaskStatus, TaskView } from './types.ts';

const DAY_MS = 86_400_000;
const SUBMIT_CODE_ISEMPTY =
  'Submitting the execution code, after code preprocessing, the real execution code is empty, please check the executed code(提交的执行代码，经过预处理后为空，请检查执行的代码是否为空或则只有注解)!';
const UNFINISHED_TASKS = 'Your job will be marked as canceled because the Entrance service restarted(因为Entrance服务重启，您的任务将被标记为取消)';
/** [I] CodeAndRunTypeUtils' SQL family: the only one whose comments CommentInterceptor strips. */
const SQL_RUN_TYPES = new Set(['sql', 'hql', 'hive', 'jdbc', 'psql', 'fql', 'tsql', 'ngql', 'nebula', 'impala', 'trino', 'presto']);

/** One linkis-cg-entrance process. A restart is a new incarnation: empty memory, indexes from 0 again. */
export class EntranceInstance {
  readonly name: string;
  readonly who: ServiceIdentity;
  up = true;
  incarnation = 1;
  readonly #counters = new Map<string, number>();

  constructor(name: string) {
    this.name = name;
    const colon = name.lastIndexOf(':');
    this.who = { ip: name.slice(0, colon), port: Number(name.slice(colon + 1)), serviceKind: ENTRANCE_APP };
  }

  /** LoopArrayQueue.offer: indexes count from 0 per consumer group and process. */
  nextIndex(group: string): number {
    const index = this.#counters.get(group) ?? 0;
    this.#counters.set(group, index + 1);
    return index;
  }

  /** The highest index handed out in the group, or -1. */
  maxIndex(group: string): number {
    return (this.#counters.get(group) ?? 0) - 1;
  }

  restart(): void {
    this.incarnation += 1;
    this.#counters.clear();
    this.up = true;
  }

  snapshot(): InstanceState {
    return { name: this.name, up: this.up, incarnation: this.incarnation, counters: [...this.#counters] };
  }

  /** The same incarnation goes on: the real entrance kept running while the local stack was stopped. */
  restore(state: InstanceState): void {
    this.up = state.up;
    this.incarnation = state.incarnation;
    this.#counters.clear();
    for (const [group, next] of state.counters) this.#counters.set(group, next);
  }
}

export interface InstanceState {
  name: string;
  up: boolean;
  incarnation: number;
  /** Consumer group -> next scheduler index. */
  counters: Array<[string, number]>;
}

/** What the entrances and the job history keep across a restart of the local stack (sim-kit/saved-state.ts). */
export interface EntrancesState {
  seq: number;
  instances: InstanceState[];
  /** Tasks are plain data already; the short-id index is rebuilt from them. */
  tasks: Task[];
}

/** Who is calling an entrance operation. */
export interface Caller {
  user: string;
  isAdmin: boolean;
}

/**
 * The entrance instances and the job history rows behind them. Entrance operations follow
 * EntranceRestfulApi; DB changes follow JobHistoryHelper and the jobhistory update guard.
 */
export class Entrances {
  readonly instances = new Map<string, EntranceInstance>();
  readonly tasks = new Map<number, Task>();
  readonly #config: ResolvedOptions;
  /** instance|incarnation|shortId -> taskID */
  readonly #byShortId = new Map<string, number>();
  // Like the DB's auto-increment, never reset, so a taskID is never handed out twice.
  #seq = 0;

  constructor(config: ResolvedOptions) {
    this.#config = config;
    for (const name of config.entranceInstances) this.instances.set(name, new EntranceInstance(name));
  }

  liveInstances(): EntranceInstance[] {
    return [...this.instances.values()].filter((i) => i.up);
  }

  /** EntranceServer.execute after the parse: persist (taskID), scheduler submit (execID), answer. */
  submit(instance: EntranceInstance, parsed: ParsedSubmit, body: Record<string, unknown>, endpoint: 'submit' | 'execute', now: number): Answer {
    const taskID = ++this.#seq;
    const startup = startupOf(parsed.params);
    const plan = resolvePlan(
      this.#config.plan(body, {
        taskID,
        instance: instance.name,
        submitUser: parsed.submitUser,
        executeUser: parsed.executeUser,
        code: parsed.executionCode,
        runType: parsed.runType,
        labels: { ...parsed.labels },
        startup,
        earlierSameCode: [...this.tasks.values()].filter((t) => t.executionCode === parsed.executionCode).length,
        defaults: { ...this.#config.planDefaults },
      }),
      this.#config.planDefaults,
    );
    const day = new Date(now).toISOString().slice(0, 10);
    const creator = parsed.creator ?? 'IDE';
    const task: Task = {
      taskID,
      instance: instance.name,
      incarnation: instance.incarnation,
      submitPath: endpoint,
      shortId: null,
      execID: null,
      groupName: null,
      index: null,
      submitUser: parsed.submitUser,
      executeUser: parsed.executeUser,
      executionCode: parsed.executionCode,
      runType: parsed.runType,
      engineType: parsed.engineType,
      creator: parsed.creator,
      labels: parsed.labels,
      params: parsed.params,
      sourceJson: JSON.stringify(parsed.source),
      createdAt: now,
      plan,
      timeouts: parsed.timeouts,
      interventions: {},
      timeline: { transitions: [], runningAt: undefined, runningEndedAt: undefined, completedAt: undefined },
      evicted: false,
      extraLogs: [],
      engine: {
        engineInstance: `${this.#config.hostName}:${20000 + (taskID % 40000)}`,
        ecmInstance: `${this.#config.hostName}:9102`,
        ticketId: randomUUID(),
      },
      logPath: `hdfs:///tmp/linkis/log/${day}/${creator}/${parsed.submitUser}/${taskID}.log`,
      resultLocation: `hdfs:///tmp/linkis/${parsed.executeUser}/linkis/${day.replaceAll('-', '')}/${creator}/${taskID}`,
    };
    this.tasks.set(taskID, task);
    // The task is in the DB from here on; a refusal below leaves a Failed row behind.
    if (isBlank(afterPreprocessing(parsed.executionCode, parsed.runType))) {
      task.interventions.rejected = { errCode: 30010, errDesc: SUBMIT_CODE_ISEMPTY };
      rebuildTimeline(task, this.#config.timeoutStatus);
      return reply(errorExceptionEnvelope(30010, SUBMIT_CODE_ISEMPTY, instance.who));
    }
    const groupName = `${creator}_${parsed.labelUser}_${parsed.engineType}`;
    const index = instance.nextIndex(groupName);
    task.groupName = groupName;
    task.index = index;
    task.shortId = `${groupName}_${index}`;
    task.execID = generateExecID(task.shortId, ENTRANCE_APP, [instance.name]);
    this.#byShortId.set(memoryKey(instance, task.shortId), taskID);
    rebuildTimeline(task, this.#config.timeoutStatus);
    return reply(ok('OK', { execID: task.execID, taskID }, `/api/entrance/${endpoint}`));
  }

  /** GET /entrance/{id}/status[?taskID=] */
  status(instance: EntranceInstance, id: string, taskIDParam: string | null, now: number): Answer {
    return this.#guard(instance, () => {
      const job = this.#lookup(instance, id, now);
      if (job === undefined) {
        if (taskIDParam === null || taskIDParam === '') {
          return error('Get job by ID error and cannot obtain the corresponding task status.(获取job时发生异常，不能获取相应的任务状态)');
        }
        // JobHistoryHelper.getStatusByTaskID: a task the DB does not know is reported Cancelled (§0.3).
        const task = this.tasks.get(javaParseLong(taskIDParam));
        const status: TaskStatus = task === undefined ? 'Cancelled' : dbStateAt(task, now).status;
        return ok('OK', { status, execID: id }, `/api/entrance/${id}/status`);
      }
      return ok('OK', { status: entranceTransition(job, now).status, execID: id }, `/api/entrance/${id}/status`);
    });
  }

  /** GET /entrance/{id}/progress and /progressWithResource */
  progress(instance: EntranceInstance, id: string, withResource: boolean, now: number): Answer {
    return this.#guard(instance, () => {
      const op = withResource ? 'progressWithResource' : 'progress';
      // An evicted job makes the lookup throw; progress() swallows that and finds no job.
      const job = this.#lookup(instance, id, now);
      if (job === undefined) {
        return error(
          'The job corresponding to the ID is empty, and the corresponding task progress cannot be obtained.(ID 对应的job为空，不能获取相应的任务进度)',
        );
      }
      const { progress, progressInfo } = entranceProgress(job, now);
      if (progressInfo === null) {
        return error(
          'Can not get the corresponding progress information, it may be that the corresponding progress information has not been generated(不能获取相应的进度信息,可能是相应的进度信息还未生成)',
          {},
          `/api/entrance/${id}/${op}`,
        );
      }
      const data: Record<string, unknown> = withResource ? { yarnResource: null } : {};
      Object.assign(data, { progress: Math.abs(progress), execID: id, progressInfo });
      return ok('OK', data, `/api/entrance/${id}/${op}`);
    });
  }

  /** GET /entrance/{id}/log?fromLine=&size=&distinctLevel= */
  log(instance: EntranceInstance, id: string, query: URLSearchParams, now: number): Answer {
    return this.#guard(instance, () => {
      let fromLine = 0;
      let size = 100;
      const fromText = query.get('fromLine');
      const sizeText = query.get('size');
      if (fromText !== null && fromText.trim() !== '') fromLine = Math.max(javaParseInt(fromText), 0);
      if (sizeText !== null && sizeText.trim() !== '') {
        const parsed = javaParseInt(sizeText);
        size = parsed >= 0 ? parsed : 10_000;
      }
      const distinct = query.get('distinctLevel') !== 'false';
      const method = `/api/entrance/${id}/log`;
      const job = this.#lookup(instance, id, now);
      if (job === undefined) {
        return error(
          'The job you just executed has ended. This interface no longer provides a query. It is recommended that you download the log file for viewing.(您刚刚执行的job已经结束，本接口不再提供查询，建议您下载日志文件进行查看)',
          {},
          method,
        );
      }
      const { log, read } = readLog(logLinesAt(job, now), fromLine, size, distinct);
      return ok('OK', { log, execID: id, fromLine: read + fromLine }, method);
    });
  }

  /** GET /entrance/{id}/kill[?taskID=] */
  kill(instance: EntranceInstance, id: string, taskIDParam: string | null, caller: Caller, now: number, path: string): Answer {
    // @RequestParam Long: Spring refuses a non-number before the method runs.
    let taskID: number | null = null;
    if (taskIDParam !== null && taskIDParam.trim() !== '') {
      if (!/^[+-]?\d+$/.test(taskIDParam.trim())) return springServletError(400, path, now);
      taskID = Number(taskIDParam.trim());
    }
    return this.#guard(instance, () => {
      const job = this.#lookup(instance, id, now);
      if (job === undefined) {
        if (taskID === null || taskID <= 0) return error('Get job by ID error, kill failed.(获取job时发生异常，kill失败)');
        this.#forceKill(taskID, now);
        return ok('Forced Kill task (强制杀死任务)', {}, `/api/entrance/${id}/kill`);
      }
      if (caller.user !== job.executeUser && !caller.isAdmin) {
        return error(`You have no permission to kill this job, excecute by user:${job.executeUser}`);
      }
      this.#killInMemory(job, now, false);
      return ok('Successfully killed the job(成功kill了job)', { execID: id }, `/api/entrance/${id}/kill`);
    });
  }

  /** POST /entrance/{id}/killJobs {idList, taskIDList} */
  killJobs(instance: EntranceInstance, body: unknown, caller: Caller, now: number): Answer {
    return this.#guard(instance, () => {
      const idNode = jsonGet(body, 'idList');
      const taskIDNode = jsonGet(body, 'taskIDList');
      if (idNode === undefined || taskIDNode === undefined) throw nullPointer();
      if (jsonSize(idNode) !== jsonSize(taskIDNode)) {
        return error('The length of the ID list does not match the length of the TASKID list(id列表的长度与taskId列表的长度不一致)');
      }
      if (!Array.isArray(idNode) || !Array.isArray(taskIDNode)) return error('Request parameter error, please use array(请求参数错误，请使用数组)');
      const waitToForceKill: number[] = [];
      const messages: Envelope[] = [];
      for (let i = 0; i < idNode.length; i++) {
        const id = asText(idNode[i]);
        const taskID = asLong(taskIDNode[i]);
        const job = this.#lookupShort(instance, parseShortExecID(id), now);
        if (job === undefined) {
          waitToForceKill.push(taskID);
          messages.push(ok('Forced Kill task (强制杀死任务)', {}, `/api/entrance/${id}/kill`));
          continue;
        }
        // A refusal aborts the whole batch: jobs killed so far stay killed, the forced kills never happen.
        if (caller.user !== job.executeUser && !caller.isAdmin) {
          return error(`You have no permission to kill this job, excecute by user:${job.executeUser}`);
        }
        this.#killInMemory(job, now, true);
        messages.push(ok('Successfully killed the job(成功kill了job)', { execID: id }, `/api/entrance/${id}/kill`));
      }
      for (const taskID of waitToForceKill) this.#forceKill(taskID, now);
      return ok('success', { messages });
    });
  }

  /** GET /entrance/{id}/pause: a no-op that says it worked (`// todo job pause`). */
  pause(instance: EntranceInstance, id: string, now: number): Answer {
    return this.#guard(instance, () => {
      const shortId = parseShortExecID(id);
      const job = this.#lookupShort(instance, shortId, now);
      if (job === undefined) throw queueIndexError(instance, shortId);
      return ok('success to pause job (成功pause了job)', { execID: id }, `/api/entrance/${id}/pause`);
    });
  }

  inMemory(task: Task, now: number): boolean {
    const instance = this.instances.get(task.instance);
    if (instance === undefined || !instance.up || instance.incarnation !== task.incarnation) return false;
    if (task.shortId === null || task.evicted) return false;
    const completedAt = task.timeline.completedAt;
    return completedAt === undefined || now < completedAt + this.#config.evictAfterMs;
  }

  view(task: Task, now: number): TaskView {
    const row = dbStateAt(task, now);
    const inMemory = this.inMemory(task, now);
    let source: Record<string, unknown> = {};
    try {
      source = JSON.parse(task.sourceJson) as Record<string, unknown>;
    } catch {
      // sourceJson is always written by us; keep {} if it ever is not JSON.
    }
    return {
      taskID: task.taskID,
      execID: task.execID,
      shortId: task.shortId,
      instance: task.instance,
      status: row.status,
      entranceStatus: inMemory ? entranceTransition(task, now).status : null,
      inMemory,
      submitUser: task.submitUser,
      executeUser: task.executeUser,
      executionCode: task.executionCode,
      runType: task.runType,
      engineType: task.engineType,
      labels: { ...task.labels },
      params: task.params === null ? null : structuredClone(task.params),
      sourceJson: task.sourceJson,
      source,
      progress: row.progress,
      errCode: row.errCode,
      errDesc: row.errDesc,
      createdAt: task.createdAt,
      completedAt: task.timeline.completedAt ?? null,
    };
  }

  /** The instance stops; its unfinished jobs stop where they are (no later DB writes). */
  down(name: string, now: number): void {
    const instance = this.#instance(name);
    if (!instance.up) return;
    instance.up = false;
    for (const task of this.tasks.values()) {
      if (task.instance !== name || task.incarnation !== instance.incarnation) continue;
      if (task.timeline.completedAt !== undefined && task.timeline.completedAt <= now) continue;
      task.interventions.frozenAt = now;
      rebuildTimeline(task, this.#config.timeoutStatus);
    }
  }

  /** (Re)starts the instance; DefaultEntranceServer then cancels the instance's unfinished tasks of the last day. */
  up(name: string, now: number): void {
    const instance = this.#instance(name);
    if (instance.up) this.down(name, now);
    instance.restart();
    if (!this.#config.cleanUnfinishedOnRestart) return;
    for (const task of this.tasks.values()) {
      if (task.instance !== name || task.createdAt < now - DAY_MS || task.dbOverride !== undefined) continue;
      if (isCompleted(dbStateAt(task, now).status)) continue;
      task.dbOverride = { status: 'Cancelled', at: now, errDesc: UNFINISHED_TASKS, touchesUpdatedTime: false };
    }
  }

  evict(taskID: number): void {
    const task = this.tasks.get(taskID);
    if (task === undefined) throw new TypeError(`linkis-gateway: no task ${taskID}`);
    task.evicted = true;
  }

  force(taskID: number, status: TaskStatus, now: number): void {
    const task = this.tasks.get(taskID);
    if (task === undefined) throw new TypeError(`linkis-gateway: no task ${taskID}`);
    task.interventions.forced = { status, at: now };
    delete task.dbOverride;
    rebuildTimeline(task, this.#config.timeoutStatus);
  }

  clear(): void {
    this.tasks.clear();
    this.#byShortId.clear();
    for (const instance of this.instances.values()) instance.restart();
  }

  snapshot(): EntrancesState {
    return { seq: this.#seq, instances: [...this.instances.values()].map((i) => i.snapshot()), tasks: [...this.tasks.values()] };
  }

  /**
   * Timelines hold clock times, so a restored job carries on — or has ended, if its time passed while the
   * stack was stopped. A saved instance no longer configured is left out; its tasks stay in the history.
   */
  restore(state: EntrancesState): void {
    this.tasks.clear();
    this.#byShortId.clear();
    for (const saved of state.instances) this.instances.get(saved.name)?.restore(saved);
    for (const task of state.tasks) {
      this.tasks.set(task.taskID, task);
      if (task.shortId !== null) this.#byShortId.set(memoryKey({ name: task.instance, incarnation: task.incarnation }, task.shortId), task.taskID);
    }
    this.#seq = Math.max(this.#seq, state.seq);
  }

  /** The in-memory job an execID names on this instance, if the entrance still has it. */
  #lookup(instance: EntranceInstance, id: string, now: number): Task | undefined {
    // The taskID form needs a jobInstanceKey header no gateway sets (§0.5): the entrance dereferences null.
    if (!isExecIdForm(id)) throw nullPointer();
    return this.#lookupShort(instance, parseShortExecID(id), now);
  }

  #lookupShort(instance: EntranceInstance, shortId: string, now: number): Task | undefined {
    const taskID = this.#byShortId.get(memoryKey(instance, shortId));
    const task = taskID === undefined ? undefined : this.tasks.get(taskID);
    return task !== undefined && this.inMemory(task, now) ? task : undefined;
  }

  #killInMemory(task: Task, now: number, batch: boolean): void {
    if (batch) {
      task.extraLogs.push({ at: now, level: 'INFO', text: `Job ${task.taskID} was kill by user successfully(任务${task.taskID}已成功取消)` });
    }
    if (!isCompleted(entranceTransition(task, now).status)) {
      task.interventions.killedAt = now;
      rebuildTimeline(task, this.#config.timeoutStatus);
      return;
    }
    // §0.4: job.kill() is a no-op on a finished job, but updateJobRequestStatus("Cancelled") still passes
    // its guard (Cancelled is exempt, and its ordinal beats Succeed and Failed) and is persisted.
    if (this.#config.killAfterFinish !== 'flip-to-cancelled' || task.dbOverride !== undefined) return;
    const current = dbStateAt(task, now).status;
    if (ordinal('Cancelled') <= ordinal(current)) return;
    task.dbOverride = { status: 'Cancelled', at: now, touchesUpdatedTime: true, ...(batch ? { progress: '1.0f' } : {}) };
  }

  /** JobHistoryHelper.forceKill: a DB-only update, which the jobhistory guard refuses for a completed row. */
  #forceKill(taskID: number, now: number): void {
    const task = this.tasks.get(taskID);
    if (task === undefined || task.dbOverride !== undefined) return;
    if (isCompleted(dbStateAt(task, now).status)) return;
    task.dbOverride = { status: 'Cancelled', at: now, progress: '1.0', touchesUpdatedTime: true };
  }

  /** SpringRestfulCatchAOP around an entrance method: any Java exception becomes a status 1 answer. */
  #guard(instance: EntranceInstance, run: () => Envelope): Answer {
    try {
      return reply(run());
    } catch (thrown) {
      if (thrown instanceof JavaError) return reply(unknownExceptionEnvelope(thrown.rootCause(), instance.who));
      throw thrown;
    }
  }

  #instance(name: string): EntranceInstance {
    const instance = this.instances.get(name);
    if (instance === undefined) throw new TypeError(`linkis-gateway: no entrance instance ${name}`);
    return instance;
  }
}

/** LoopArrayQueue.get on an index it no longer (or never) held. */
function queueIndexError(instance: EntranceInstance, shortId: string): JavaError {
  const split = shortId.lastIndexOf('_');
  const index = javaParseInt(shortId.slice(split + 1));
  const max = Math.max(0, instance.maxIndex(shortId.slice(0, Math.max(0, split))));
  return index > max
    ? new JavaError('java.lang.IllegalArgumentException', `The index ${index} must be less than ${max}`)
    : new JavaError('java.lang.IllegalArgumentException', `The index ${index} has already been deleted, now index must be better than ${index + 1}`);
}

/** CommentInterceptor: SQL loses its comments (and # lines) before EntranceServer checks for blank code. */
function afterPreprocessing(code: string | null, runType: string | null): string {
  if (code === null) return '';
  if (runType === null || !SQL_RUN_TYPES.has(runType.toLowerCase())) return code;
  return code.replace(/('(?:''|[^'])*')|--.*?$|\/\*.*?\*\/|#.*?$/gms, (_m, literal: string | undefined) => literal ?? '');
}

function isBlank(text: string): boolean {
  return text.trim() === '';
}

function startupOf(params: Record<string, unknown> | null): Record<string, unknown> {
  const configuration = params?.['configuration'];
  if (typeof configuration !== 'object' || configuration === null) return {};
  const startup = (configuration as Record<string, unknown>)['startup'];
  return typeof startup === 'object' && startup !== null && !Array.isArray(startup) ? { ...(startup as Record<string, unknown>) } : {};
}

function memoryKey(instance: Pick<EntranceInstance, 'name' | 'incarnation'>, shortId: string): string {
  return `${instance.name}|${instance.incarnation}|${shortId}`;
}

/** JsonNode.get(field): only an object node has fields. */
function jsonGet(body: unknown, field: string): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  // A JSON null is a NullNode (size 0), not a missing field.
  return Object.hasOwn(body, field) ? (body as Record<string, unknown>)[field] : undefined;
}

/** JsonNode.size(): elements of an array, fields of an object, 0 otherwise. */
function jsonSize(node: unknown): number {
  if (Array.isArray(node)) return node.length;
  if (typeof node === 'object' && node !== null) return Object.keys(node).length;
  return 0;
}

/** JsonNode.asText() */
function asText(node: unknown): string {
  if (typeof node === 'string') return node;
  if (typeof node === 'number' || typeof node === 'boolean') return String(node);
  if (node === null) return 'null';
  return '';
}

/** JsonNode.asLong(): numbers truncate, numeric text parses, everything else is 0. */
function asLong(node: unknown): number {
  if (typeof node === 'number') return Math.trunc(node);
  if (typeof node === 'string' && /^\s*[+-]?\d+\s*$/.test(node)) return Number(node.trim());
  if (typeof node === 'boolean') return node ? 1 : 0;
  return 0;
}

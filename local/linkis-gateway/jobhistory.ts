import type { Answer, ServiceIdentity } from './envelope.ts';
import { error, linkisExceptionText, ok, reply, springServletError } from './envelope.ts';
import { ENTRANCE_APP, generateExecID } from './exec-id.ts';
import { javaSplit } from './java.ts';
import { isCompleted } from './lifecycle.ts';
import type { Task } from './task.ts';
import { dbStateAt, jobTime } from './task.ts';
import type { TaskStatus } from './types.ts';

export interface JobHistoryContext {
  tasks: () => Iterable<Task>;
  task: (taskID: number) => Task | undefined;
  now: number;
  user: string;
  isAdmin: boolean;
  who: ServiceIdentity;
  /** The request path, for Spring's own error bodies. */
  path: string;
}

const NOT_FOUND = 'The corresponding job was not found, or there may be no permission to view the job(没有找到对应的job，也可能是没有查看该job的权限)';
const NAME_REGEX = /^[a-zA-Z\-\d_.]+$/;
const INSTANCE_NAME_REGEX = /^[a-zA-Z\-\d_.:]+$/;
const DAY_MS = 86_400_000;

/** GET /jobhistory/{id}/get[?brief=true] (QueryRestfulApi.getTaskByID). */
export function getTask(ctx: JobHistoryContext, idText: string, briefParam: string | null): Answer {
  if (!/^[+-]?\d+$/.test(idText)) return springServletError(400, ctx.path, ctx.now);
  const task = ctx.task(Number(idText));
  if (task === undefined || (!ctx.isAdmin && task.submitUser !== ctx.user)) return reply(error(NOT_FOUND));
  const brief = (briefParam ?? '').toLowerCase() === 'true';
  const vo = brief ? briefTaskVO(task, ctx.now) : taskVO(task, ctx.now);
  // Exception details are hidden while the task runs (unless 20503, the retry code).
  if (vo['status'] === 'Running' && vo['errCode'] !== 20503) {
    vo['errCode'] = null;
    vo['errDesc'] = null;
  }
  return reply(ok('OK', { task: vo }));
}

/** GET /jobhistory/list (QueryRestfulApi.list + getJobhistoryList + JobHistoryMapper search). */
export function listTasks(ctx: JobHistoryContext, query: URLSearchParams): Answer {
  const longs = new Map<string, number | null>();
  for (const name of ['startDate', 'endDate', 'taskID', 'pageNow', 'pageSize']) {
    const text = query.get(name);
    if (text === null || text.trim() === '') {
      longs.set(name, null);
      continue;
    }
    // Spring's conversion to Long/Integer fails before the method runs.
    if (!/^[+-]?\d+$/.test(text.trim())) return springServletError(400, ctx.path, ctx.now);
    longs.set(name, Number(text.trim()));
  }
  const isAdminView = springBoolean(query.get('isAdminView'));
  if (isAdminView === 'invalid') return springServletError(400, ctx.path, ctx.now);

  const pageNow = longs.get('pageNow') ?? 1;
  const pageSize = longs.get('pageSize') ?? 20;
  const endDate = longs.get('endDate') ?? ctx.now;
  const startDate = longs.get('startDate') ?? 0;
  const status = blankToNull(query.get('status'));
  const creator = blankToNull(query.get('creator'));
  if (creator !== null && !NAME_REGEX.test(creator)) return invalid(ctx, `Invalid creator : ${creator}`);
  const engineType = blankToNull(query.get('executeApplicationName'));
  if (engineType !== null && !NAME_REGEX.test(engineType)) return invalid(ctx, `Invalid applicationName : ${engineType}`);
  const instance = blankToNull(query.get('instance'));
  if (instance !== null && !INSTANCE_NAME_REGEX.test(instance)) return invalid(ctx, `Invalid instances : ${instance}`);
  const engineInstance = blankToNull(query.get('engineInstance'));
  if (engineInstance !== null && !INSTANCE_NAME_REGEX.test(engineInstance)) return invalid(ctx, `Invalid instances : ${engineInstance}`);
  const runType = blankToNull(query.get('runType'));

  let username: string | null = ctx.user;
  if (ctx.isAdmin && isAdminView === true) username = blankToNull(query.get('proxyUser'));
  const eDate = startDate === endDate ? endDate + DAY_MS : endDate;
  const statuses = status === null ? null : javaSplit(status, ',');
  const taskID = longs.get('taskID') ?? null;

  const matches = [...ctx.tasks()].filter((task) => {
    const row = dbStateAt(task, ctx.now);
    if (taskID !== null && task.taskID !== taskID) return false;
    if (username !== null && task.submitUser !== username) return false;
    if (engineType !== null && !sameText(task.engineType, engineType)) return false;
    if (!(task.createdAt >= startDate && task.createdAt <= eDate)) return false;
    // MySQL's default collation compares case-insensitively.
    if (statuses !== null && !statuses.some((s) => sameText(row.status, s))) return false;
    if (instance !== null && task.instance.toLowerCase() !== instance.toLowerCase()) return false;
    if (
      engineInstance !== null &&
      !(task.timeline.runningAt !== undefined && task.timeline.runningAt <= jobTime(task, ctx.now) && task.engine.engineInstance.startsWith(engineInstance))
    )
      return false;
    if (runType !== null && !(task.labels['codeType'] ?? '').toLowerCase().startsWith(runType.toLowerCase())) return false;
    if (creator !== null) {
      const userCreator = (task.labels['userCreator'] ?? '').toLowerCase();
      // With a user: LOCATE('"userCreator":"<user>-<creator>'), a prefix match. Without: LIKE '%-<creator>%'.
      const hit = username !== null ? userCreator.startsWith(`${username}-${creator}`.toLowerCase()) : userCreator.includes(`-${creator.toLowerCase()}`);
      if (!hit) return false;
    }
    return true;
  });
  matches.sort((a, b) => b.createdAt - a.createdAt || b.taskID - a.taskID);
  // [I] PageHelper with pageSize <= 0: every row.
  const page = pageSize > 0 ? matches.slice((Math.max(1, pageNow) - 1) * pageSize, Math.max(1, pageNow) * pageSize) : matches;
  return reply(ok('OK', { tasks: page.map((t) => taskVO(t, ctx.now)), totalPage: matches.length }));
}

/** GET /jobhistory/list-taskids?taskID=1,2,3 */
export function listTaskIds(ctx: JobHistoryContext, query: URLSearchParams): Answer {
  const text = query.get('taskID');
  if (text === null || text.trim() === '') return reply(error('Invalid taskID cannot be empty'));
  if (!/^[0-9,]*$/.test(text)) return reply(error('TaskID contains illegal characters'));
  const ids = [...new Set(javaSplit(text, ','))];
  if (ids.length > 30) return reply(error('TaskID size cannot exceed 30'));
  const wanted = new Set(ids.filter((s) => s !== '').map(Number));
  const found = [...ctx.tasks()]
    .filter((t) => wanted.has(t.taskID) && (ctx.isAdmin || t.submitUser === ctx.user))
    .sort((a, b) => b.createdAt - a.createdAt || b.taskID - a.taskID);
  return reply(ok('OK', { jobHistoryList: found.map((t) => taskVO(t, ctx.now)) }));
}

/** TaskConversions.jobHistory2TaskVO, with QueryTaskVO's keys in declaration order. */
export function taskVO(task: Task, now: number): Record<string, unknown> {
  const row = dbStateAt(task, now);
  const tj = jobTime(task, now);
  const engineAssigned = task.timeline.runningAt !== undefined && task.timeline.runningAt <= tj;
  const metrics = metricsOf(task, now);
  const submitSecond = floorSecond(task.createdAt);
  const scheduledAt = task.timeline.transitions.find((t) => t.status === 'Scheduled')?.at;
  const scheduleSecond = scheduledAt !== undefined && scheduledAt <= tj ? floorSecond(scheduledAt) : null;
  const completedAt = task.timeline.completedAt !== undefined && task.timeline.completedAt <= tj ? task.timeline.completedAt : undefined;
  // costTime reads dates back from metrics, which gson wrote with second precision.
  let costTime: number;
  if (isCompleted(row.status)) costTime = (completedAt !== undefined ? floorSecond(completedAt) : row.updatedTime) - submitSecond;
  else costTime = now - submitSecond;
  const source = parseSource(task.sourceJson);
  return {
    taskID: task.taskID,
    instance: task.instance,
    execId: task.shortId,
    umUser: task.submitUser,
    executeUser: task.executeUser,
    engineInstance: engineAssigned ? task.engine.engineInstance : null,
    executionCode: task.executionCode,
    progress: row.progress,
    logPath: task.logPath,
    resultLocation: row.status === 'Succeed' ? task.resultLocation : null,
    status: row.status,
    createdTime: task.createdAt,
    updatedTime: row.updatedTime,
    engineType: task.engineType,
    errCode: row.errCode,
    errDesc: row.errDesc,
    executeApplicationName: task.engineType,
    requestApplicationName: task.creator,
    runType: task.labels['codeType'] ?? null,
    paramsJson: task.params === null ? null : JSON.stringify(task.params),
    costTime,
    strongerExecId: generateExecID(task.shortId, ENTRANCE_APP, task.instance.split(',')),
    sourceJson: task.sourceJson,
    sourceTailor:
      source === undefined
        ? null
        : Object.values(source)
            .map((v) => (v === null ? 'null' : String(v)))
            .join('-'),
    engineStartTime: null,
    labels: Object.entries(task.labels).map(([k, v]) => `${k}:${v}`),
    canRetry: row.status === 'Failed' && !engineAssigned,
    observeInfo: null,
    isReuse: engineAssigned ? false : null,
    requestStartTime: submitSecond,
    requestEndTime: scheduleSecond,
    requestSpendTime: scheduleSecond === null ? null : scheduleSecond - submitSecond,
    metrics: JSON.stringify(metrics),
    engineLogPath: null,
    ecmInstance: engineAssigned ? task.engine.ecmInstance : null,
    ticketId: engineAssigned ? task.engine.ticketId : null,
    subJobs: null,
  };
}

/** TaskConversions.jobHistory2BriefTaskVO: the same keys, only the brief ones filled. */
function briefTaskVO(task: Task, now: number): Record<string, unknown> {
  const full = taskVO(task, now);
  const brief: Record<string, unknown> = {};
  const kept = new Set(['status', 'progress', 'taskID', 'execId', 'logPath', 'resultLocation', 'umUser', 'executeUser', 'errDesc', 'errCode']);
  for (const key of Object.keys(full)) brief[key] = kept.has(key) ? full[key] : key === 'canRetry' ? false : null;
  return brief;
}

/** JobRequest.metrics as gson serializes it (dates "yyyy-MM-dd'T'HH:mm:ssZ"). */
function metricsOf(task: Task, now: number): Record<string, unknown> {
  const tj = jobTime(task, now);
  const metrics: Record<string, unknown> = { submitTime: gsonDate(task.createdAt) };
  const at = (status: TaskStatus): number | undefined => task.timeline.transitions.find((t) => t.status === status && t.at <= tj)?.at;
  const scheduled = at('Scheduled');
  if (scheduled !== undefined) metrics['scheduleTime'] = gsonDate(scheduled);
  const running = at('Running');
  if (running !== undefined) {
    metrics['runningTime'] = gsonDate(running);
    metrics['isReuse'] = false;
    metrics['engineInstance'] = task.engine.engineInstance;
    metrics['ecmInstance'] = task.engine.ecmInstance;
    metrics['engineconnMap'] = {
      [task.engine.engineInstance]: { ticketId: task.engine.ticketId, engineInstance: task.engine.engineInstance },
    };
  }
  const completed = task.timeline.completedAt;
  if (completed !== undefined && completed <= tj) metrics['completeTime'] = gsonDate(completed);
  return metrics;
}

function gsonDate(ms: number): string {
  return `${new Date(floorSecond(ms)).toISOString().slice(0, 19)}+0000`;
}

function floorSecond(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}

function parseSource(json: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(json);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** A LinkisCommonErrorException caught by list(): Message.error(e.getMessage). */
function invalid(ctx: JobHistoryContext, desc: string): Answer {
  return reply(error(linkisExceptionText(21304, desc, ctx.who)));
}

function blankToNull(value: string | null): string | null {
  return value === null || value.trim() === '' ? null : value;
}

function sameText(a: string | null, b: string): boolean {
  return a !== null && a.toLowerCase() === b.toLowerCase();
}

/** Spring's StringToBooleanConverter. */
function springBoolean(text: string | null): boolean | null | 'invalid' {
  if (text === null || text.trim() === '') return null;
  const value = text.trim().toLowerCase();
  if (['true', 'on', 'yes', '1'].includes(value)) return true;
  if (['false', 'off', 'no', '0'].includes(value)) return false;
  return 'invalid';
}

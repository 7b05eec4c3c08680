/**
 * A task as jobhistory returns it (QueryTaskVO), read leniently: `taskID` a number, `status` the enum
 * name, `progress` a stringified float ("0.0"…"1.0"; a kill writes "1.0f"), `createdTime` and `updatedTime` epoch ms, and
 * `sourceJson` the persisted `source` as JSON text (where the submit's marker lives).
 */
export interface LinkisQueryTask {
  taskID: number;
  status: string;
  progress?: number;
  errCode?: number;
  errDesc?: string;
  logPath?: string;
  /** The entrance's id of the job (a full execID), when the history has one. */
  execID?: string;
  source: Record<string, unknown>;
  createdTime?: number;
  /** When the history row last changed (epoch ms): for a completed task, when it completed. */
  updatedTime?: number;
  canRetry?: boolean;
}

export function readQueryTask(value: unknown): LinkisQueryTask | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return '`task` is not an object';
  const vo = value as Record<string, unknown>;
  const taskID = Number(vo.taskID);
  if (!Number.isSafeInteger(taskID) || taskID <= 0) return '`task.taskID` is missing';
  if (typeof vo.status !== 'string' || !vo.status) return '`task.status` is missing';
  const task: LinkisQueryTask = { taskID, status: vo.status, source: sourceOf(vo.sourceJson) };
  const progress = Number.parseFloat(String(vo.progress ?? ''));
  if (Number.isFinite(progress)) task.progress = Math.min(1, Math.max(0, progress));
  if (typeof vo.errCode === 'number') task.errCode = vo.errCode;
  if (typeof vo.errDesc === 'string' && vo.errDesc) task.errDesc = vo.errDesc;
  if (typeof vo.logPath === 'string' && vo.logPath) task.logPath = vo.logPath;
  // strongerExecId is a regenerated full execID; execId is often only the scheduler's short id.
  const execID = [vo.strongerExecId, vo.execId].find((id) => typeof id === 'string' && id.startsWith('exec_id'));
  if (typeof execID === 'string') task.execID = execID;
  if (typeof vo.createdTime === 'number') task.createdTime = vo.createdTime;
  if (typeof vo.updatedTime === 'number' && vo.updatedTime > 0) task.updatedTime = vo.updatedTime;
  if (typeof vo.canRetry === 'boolean') task.canRetry = vo.canRetry;
  return task;
}

function sourceOf(sourceJson: unknown): Record<string, unknown> {
  if (typeof sourceJson !== 'string' || !sourceJson) return {};
  try {
    const parsed = JSON.parse(sourceJson) as unknown;
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

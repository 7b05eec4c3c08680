import { isCompleted } from './lifecycle.ts';
import type { LogEvent, Task } from './task.ts';
import { jobTime } from './task.ts';

const WAIT_NOTE = '(您的任务已经提交，进入排队中，如果一直没有更新日志，是任务并发达到了限制，可以在ITSM提Linkis参数修改单)';

/** The log lines a job has pushed by t, in the order the entrance cached them. */
export function logLinesAt(task: Task, t: number): string[] {
  const tj = jobTime(task, t);
  return jobLogEvents(task)
    .filter((e) => e.at <= tj)
    .map(formatLogLine);
}

function jobLogEvents(task: Task): LogEvent[] {
  const { timeline, plan, submitPath } = task;
  const events: LogEvent[] = [];
  const info = (at: number, text: string): void => void events.push({ at, level: 'INFO', text });
  const c = task.createdAt;
  info(c, `Job with jobId : ${task.taskID} and execID : ${task.shortId} submitted `);
  const jobId = submitPath === 'submit' ? task.shortId : task.execID;
  const idWord = submitPath === 'submit' ? 'jobReqId' : 'taskID';
  // The real line carries a newline: one cached log entry, two lines on screen, one step of fromLine.
  info(
    c,
    `Your job is accepted,  jobID is ${jobId} and ${idWord} is ${task.taskID} in ServiceInstance(linkis-cg-entrance, ${task.instance}, ${c}). \n Please wait it to be scheduled${WAIT_NOTE}`,
  );
  for (const transition of timeline.transitions) {
    const at = transition.at;
    switch (transition.status) {
      case 'Scheduled':
        info(at, 'Your job is Scheduled. Please wait it to run.(您的任务已经调度运行中)');
        break;
      case 'Running':
        info(at, 'Your job is Running now. Please wait it to complete.(您的任务已经在运行中)');
        info(at, `Succeed to create new ec : ${task.engine.engineInstance}`);
        break;
      default:
        if (!isCompleted(transition.status)) break;
        if (transition.status === 'Failed') {
          events.push({ at, level: 'ERROR', text: `${transition.errCode ?? ''} ${transition.errDesc ?? ''}`.trim() });
        } else if (transition.status !== 'Succeed' && transition.errDesc !== null && transition.errDesc !== undefined) {
          events.push({ at, level: 'ERROR', text: `Sorry, your job executed failed with reason: ${transition.errDesc}` });
        }
        info(
          at,
          transition.status === 'Succeed'
            ? 'Congratulations. Your job completed with status Success.'
            : `Sorry. Your job completed with a status ${transition.status}. You can view logs for the reason.`,
        );
    }
  }
  const runningAt = timeline.runningAt;
  if (runningAt !== undefined) {
    const end = timeline.runningEndedAt ?? Number.POSITIVE_INFINITY;
    for (let i = 1; i <= plan.logLines; i++) {
      const at = runningAt + Math.floor((i * plan.runningMs) / (plan.logLines + 1));
      if (at >= end) break;
      const percent = Math.floor((i * 100) / (plan.logLines + 1));
      if (i === 1) events.push({ at, level: 'WARN', text: `Application sim-${task.taskID} uses the default queue` });
      info(at, `Engine progress ${percent}% (${task.engineType ?? 'engine'} job ${task.taskID})`);
    }
  }
  events.push(...task.extraLogs);
  // Stable: events at the same time keep the order they were pushed in.
  return events
    .map((e, i) => ({ e, i }))
    .sort((a, b) => a.e.at - b.e.at || a.i - b.i)
    .map(({ e }) => e);
}

/** LogUtils.generateInfo & co: "yyyy-MM-dd HH:mm:ss.mmm LEVEL text" — the ".mmm" really is minutes (sic). */
export function formatLogLine(event: LogEvent): string {
  const d = new Date(event.at);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  const stamp = `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMinutes(), 3)}`;
  return `${stamp} ${event.level} ${event.text}`;
}

/**
 * CacheLogReader over the cached entries: fromLine is a 0-based entry index, size the number of entries
 * (LogReader.readArray sorts them into [error, warn, info, all], each "\n"-joined).
 */
export function readLog(lines: readonly string[], fromLine: number, size: number, distinct: boolean): { log: string | string[]; read: number } {
  const slice = lines.slice(fromLine, fromLine + size);
  if (!distinct) return { log: slice.join('\n'), read: slice.length };
  const buckets: [string[], string[], string[], string[]] = [[], [], [], []];
  for (const line of slice) {
    if (line.trim() === '') continue;
    if (/^[0-9\-/]{10} [0-9:]{8}.?\d{0,3} (SYSTEM-)?ERROR /.test(line)) buckets[0].push(line);
    else if (/^[0-9\-/]{10} [0-9:]{8}.?\d{0,3} (SYSTEM-)?WARN /.test(line)) buckets[1].push(line);
    else buckets[2].push(line);
    buckets[3].push(line);
  }
  return { log: buckets.map((b) => b.join('\n')), read: slice.length };
}

import type { LiveDetails } from '../operations/job-details.ts';
import { isTerminal } from '../task/states.ts';
import type { Task } from '../task/task.ts';
import type { ShardCheckpoint } from '../tracking/poll-schedule.ts';

/** Plain-text tables and durations for people; `--json` output bypasses all of this. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(displayWidth(h), ...rows.map((r) => displayWidth(r[i] ?? ''))));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat(widths[i]! - displayWidth(c))))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

// East Asian wide and fullwidth characters and emoji take two terminal columns; combining marks and
// zero-width characters none (what wcwidth reports for the ranges that occur in names and paths).
const wide =
  /[\u1100-\u115F\u2E80-\u303E\u3041-\u33FF\u3400-\u4DBF\u4E00-\u9FFF\uA000-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6\u{1F300}-\u{1F64F}\u{1F900}-\u{1F9FF}\u{20000}-\u{3FFFD}]/u;
const zeroWidth = /\p{Mn}|\p{Me}|[\u200B-\u200F]|\p{Variation_Selector}/u;

/** Columns a string takes in a terminal. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const ch of text) width += zeroWidth.test(ch) ? 0 : wide.test(ch) ? 2 : 1;
  return width;
}

export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d${String(h % 24).padStart(2, '0')}h`;
}

export function time(ms: number | undefined): string {
  return ms === undefined
    ? '-'
    : new Date(ms)
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, 'Z');
}

export function taskRow(task: Task, now: number): string[] {
  return [
    task.taskId,
    task.state + (task.deletedAt ? ' (deleted)' : '') + (task.warnings?.length ? ' (warning)' : ''),
    task.stage ?? '-',
    task.target ?? '-',
    task.summary.destination ?? '-',
    String(task.attempt ?? 0),
    duration(endOf(task, now) - task.createdAt),
    task.remoteId ?? '-',
    task.requestId,
  ];
}

/** When the task ended (its last transition, for one recorded before finishedAt was kept), else now. */
function endOf(task: Task, now: number): number {
  if (task.finishedAt !== undefined) return task.finishedAt;
  return isTerminal(task.state) ? (task.history.at(-1)?.at ?? task.updatedAt) : now;
}

export const taskHeaders = ['TASK', 'STATE', 'STAGE', 'TARGET', 'DESTINATION', 'ATTEMPT', 'AGE', 'JOB', 'REQUEST'];

export function taskDetail(
  task: Task,
  now: number,
  poller: { failing?: ShardCheckpoint['failing'][string] | undefined; nearEnd?: ShardCheckpoint['nearEnd'][string] | undefined } = {},
  live?: LiveDetails,
  line?: { place: number; of: number },
): string {
  const fields: Array<[string, string]> = [
    ['task', task.taskId],
    ['request', `${task.requestId}${task.requestIdSource === 'derived' ? ' (derived from content)' : ''}`],
    ['target', task.target ? `${task.target} (${task.backend})` : '- (the request named none that exists)'],
    ['state', task.state + (task.deletedAt ? ` (deleted ${time(task.deletedAt)})` : '')],
    ['backend state', [task.remoteState, task.stage, task.progress === undefined ? undefined : percent(task.progress)].filter(Boolean).join(' / ') || '-'],
    ['job', task.remoteId ?? '-'],
    ...(task.remote && Object.keys(task.remote).length > 1
      ? [
          [
            'reference',
            Object.entries(task.remote)
              .map(([k, v]) => `${k}=${v}`)
              .join(' '),
          ] as [string, string],
        ]
      : []),
    ...(task.summary.source || task.summary.destination
      ? [['source → destination', `${task.summary.source ?? '-'} → ${task.summary.destination ?? '-'}`] as [string, string]]
      : []),
    ...(task.sourceFile ? [['file', `s3://${task.sourceBucket ?? '?'}/${task.sourceFile}`] as [string, string]] : []),
    ['attempt', String(task.attempt ?? 0)],
    ['created', time(task.createdAt)],
    ['duration', duration(endOf(task, now) - task.createdAt) + (isTerminal(task.state) ? '' : ' (running)')],
    ['cost', costLine(task)],
    ['next check', task.dueAt === undefined ? '-' : time(task.dueAt)],
  ];
  if (task.counters && Object.keys(task.counters).length) {
    fields.push([
      'counters',
      Object.entries(task.counters)
        .map(([k, v]) => `${k} ${v.toLocaleString('en')}`)
        .join(', '),
    ]);
  }
  for (const warning of task.warnings ?? []) fields.push(['warning', `${warning.message} (${warning.code}, since ${time(warning.since)})`]);
  if (task.nextAttemptAt && task.state === 'RETRY_WAIT') fields.push(['next attempt', time(task.nextAttemptAt)]);
  if (task.state === 'WAITING')
    fields.push([
      'waiting',
      `for a slot since ${time(task.waitingSince ?? task.createdAt)}, priority ${task.priority ?? 0}${line ? `, place ${line.place} of ${line.of} (bulkpilot queue)` : ''}`,
    ]);
  if (poller.nearEnd) fields.push(['last seen', `${poller.nearEnd.stage} at ${time(poller.nearEnd.at)}, near its end (checked every pass)`]);
  if (poller.failing) fields.push(['failed checks', `${poller.failing.failures} in a row, last at ${time(poller.failing.at)} (${poller.failing.error})`]);
  else if (task.poll?.failures) fields.push(['failed checks', `${task.poll.failures} in a row (${task.poll.lastError ?? ''})`]);
  if (task.create.possibleDuplicate) fields.push(['warning', 'created again after an ambiguous create: a duplicate job may exist']);
  if (task.error?.errors?.length) {
    // A request rejected for several mistakes: each on its own line, as the submit command shows them.
    for (const [i, e] of task.error.errors.entries()) fields.push([i === 0 ? 'errors' : '', `${e.field}: ${e.reason}`]);
    if (task.error.moreErrors) fields.push(['', `and ${task.error.moreErrors} more (the dead letter's reason has them all)`]);
  } else if (task.error) fields.push(['last error', `${task.error.field ? `${task.error.field}: ` : ''}${task.error.reason}`]);
  if (live && 'unavailable' in live) fields.push(['backend now', `not available: ${live.unavailable}`]);
  if (live && 'details' in live) {
    const { progress, parts, logLocation } = live.details;
    if (progress !== undefined) fields.push(['progress now', percent(progress)]);
    for (const part of parts ?? []) {
      const counts = [`${part.done}/${part.total} done`, part.running ? `${part.running} running` : '', part.failed ? `${part.failed} failed` : '']
        .filter(Boolean)
        .join(', ');
      fields.push([`  ${part.name}`, `${part.total ? percent(part.done / part.total) : '-'} (${counts})`]);
    }
    if (logLocation) fields.push(['log', logLocation]);
  }
  const width = Math.max(...fields.map(([k]) => k.length));
  const history = table(
    ['TIME', 'FROM', 'TO', 'REASON'],
    task.history.map((e) => [time(e.at), e.from ?? '-', e.to, e.reason]),
  );
  const dropped = task.historyDropped ? `\n(${task.historyDropped} older entries: bulkpilot history ${task.taskId})` : '';
  return `${fields.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n')}\n\nhistory\n${history}${dropped}`;
}

/** What the orchestration consumed, as recorded with the task's writes (the last write's own units excluded). */
export function costLine(task: Task): string {
  const c = task.cost;
  if (!c) return '-';
  return `${c.readUnits} read + ${c.writeUnits} write units (DynamoDB), ${c.backendCalls} backend calls, ${c.lambdaMs < 1000 ? `${c.lambdaMs} ms` : duration(c.lambdaMs)} of Lambda time`;
}

function percent(share: number): string {
  return `${Math.round(share * 100)} %`;
}

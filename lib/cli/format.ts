import type { LiveDetails } from '../operations/job-details.ts';
import type { Task } from '../task/task.ts';
import type { ShardCheckpoint } from '../tracking/poll-schedule.ts';

/** Plain-text tables and durations for people; `--json` output bypasses all of this. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
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
    duration((task.finishedAt ?? now) - task.createdAt),
    task.remoteId ?? '-',
    task.requestId,
  ];
}

export const taskHeaders = ['TASK', 'STATE', 'STAGE', 'TARGET', 'DESTINATION', 'ATTEMPT', 'AGE', 'JOB', 'REQUEST'];

export function taskDetail(
  task: Task,
  now: number,
  poller: { failing?: ShardCheckpoint['failing'][string] | undefined; nearEnd?: ShardCheckpoint['nearEnd'][string] | undefined } = {},
  live?: LiveDetails,
): string {
  const fields: Array<[string, string]> = [
    ['task', task.taskId],
    ['request', `${task.requestId}${task.requestIdSource === 'derived' ? ' (derived from content)' : ''}`],
    ['target', `${task.target ?? '-'} (${task.backend})`],
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
    ['source → destination', `${task.summary.source ?? '-'} → ${task.summary.destination ?? '-'}`],
    ['attempt', String(task.attempt ?? 0)],
    ['created', time(task.createdAt)],
    ['duration', duration((task.finishedAt ?? now) - task.createdAt) + (task.finishedAt ? '' : ' (running)')],
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
  if (poller.nearEnd) fields.push(['last seen', `${poller.nearEnd.stage} at ${time(poller.nearEnd.at)}, near its end (checked every pass)`]);
  if (poller.failing) fields.push(['failed checks', `${poller.failing.failures} in a row, last at ${time(poller.failing.at)} (${poller.failing.error})`]);
  else if (task.poll?.failures) fields.push(['failed checks', `${task.poll.failures} in a row (${task.poll.lastError ?? ''})`]);
  if (task.create.possibleDuplicate) fields.push(['warning', 'created again after an ambiguous create: a duplicate job may exist']);
  if (task.error) fields.push(['last error', `${task.error.field ? `${task.error.field}: ` : ''}${task.error.reason}`]);
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
  const dropped = task.historyDropped ? `\n(${task.historyDropped} older entries dropped)` : '';
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

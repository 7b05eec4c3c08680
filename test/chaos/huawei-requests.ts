// CDM and DIS requests of the chaos scenarios. Neither service keeps a marker of bulkpilot's: each request
// is traced by its CDM job name or its DIS task name, which the scenarios derive from the request's index so
// that no two requests share one (CDM refuses a taken name on a cluster, DIS on a stream). Shared by the
// Huawei redelivery, crash-injection, hostile-input and fault-mix scenarios.
import type { HuaweiCloud, ReceivedRequest, StreamSpec } from '../../local/huawei-cloud/simulator.ts';
import { cdmRequest, disRequest } from '../support/huawei.ts';

/** A request for target `cdm`: seed 002's job named `jobName`, with simulator hints as driver inputs. */
export function cdmChaosRequest(
  requestId: string,
  jobName: string,
  hints: Array<[string, string]> = [],
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return { requestId, target: 'cdm', ...cdmRequest(jobName, hints), ...extra };
}

/** A request for target `dis`: seed 004's MRS dump task named `taskName` on `stream`. */
export function disChaosRequest(requestId: string, taskName: string, stream: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { requestId, target: 'dis', ...disRequest(taskName), streamName: stream, ...extra };
}

/** DIS takes at most 5 dump tasks per stream (DIS.4357): the k-th dump task of a scenario goes to stream k / 5. */
export const tasksPerStream = 5;
export const streamFor = (k: number) => `chaos-stream-${Math.floor(k / tasksPerStream)}`;

/** Enough streams for `tasks` dump tasks at DIS's own quota (so the quota is never what a scenario meets). */
export function chaosStreams(tasks: number): StreamSpec[] {
  return Array.from({ length: Math.max(1, Math.ceil(tasks / tasksPerStream)) }, (_, s) => ({ name: streamFor(s * tasksPerStream) }));
}

const bodyOf = (r: ReceivedRequest): Record<string, unknown> => {
  try {
    return JSON.parse(r.rawBody.toString('utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
};

/** The job name a CDM call is about: the path's, or the created job's. */
export function cdmJobNameOf(r: ReceivedRequest): string | undefined {
  if (r.params.jobName) return r.params.jobName;
  const jobs = bodyOf(r).jobs;
  return Array.isArray(jobs) ? ((jobs[0] as { name?: string } | undefined)?.name ?? undefined) : undefined;
}

/** `<stream>/<task>` a DIS call is about: the path's task name, or the created task's (start/stop name ids only). */
export function disTaskKeyOf(r: ReceivedRequest): string | undefined {
  const stream = r.params.streamName;
  if (r.params.taskName && r.params.taskName !== 'action') return `${stream}/${r.params.taskName}`;
  const descriptor = Object.entries(bodyOf(r)).find(([k]) => k.endsWith('_destination_descriptor'))?.[1] as { task_name?: string } | undefined;
  return descriptor?.task_name ? `${stream}/${descriptor.task_name}` : undefined;
}

function grouped(requests: ReceivedRequest[], keyOf: (r: ReceivedRequest) => string | undefined): Map<string, ReceivedRequest[]> {
  const byKey = new Map<string, ReceivedRequest[]>();
  for (const r of requests) {
    const key = keyOf(r);
    if (key !== undefined) byKey.set(key, [...(byKey.get(key) ?? []), r]);
  }
  return byKey;
}

/** The random-cluster creates CDM received, by job name. */
export const cdmCreatesByJob = (cloud: HuaweiCloud) => grouped(cloud.requests({ endpoint: 'cdm.randomCreateAndStart' }), cdmJobNameOf);

/** The dump-task creates DIS received, by `<stream>/<task>`. */
export const disCreatesByTask = (cloud: HuaweiCloud) => grouped(cloud.requests({ endpoint: 'dis.createTask' }), disTaskKeyOf);

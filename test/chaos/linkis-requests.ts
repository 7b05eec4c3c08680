// Linkis requests of the chaos scenarios: each traceable to its requestId at the gateway (its source's
// scriptPath), with its own code, so simulator hints such as sim.failTimes count its own submits only.
import type { LinkisGateway, TaskView } from '../../local/linkis-gateway/simulator.ts';
import { linkisRequest } from '../support/linkis.ts';

export function linkisChaosRequest(requestId: string, hints = '', extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { requestId, ...linkisRequest(`chaos ${requestId}${hints ? ` ${hints}` : ''}`), source: { scriptPath: `chaos/${requestId}.sql` }, ...extra };
}

/** The Linkis tasks the gateway holds for a request, oldest first. */
export function linkisTasksOf(gateway: LinkisGateway, requestId: string): TaskView[] {
  return gateway.tasks().filter((t) => t.source.scriptPath === `chaos/${requestId}.sql`);
}

/** The Linkis tasks of each request, by requestId. */
export function linkisTasksByRequest(gateway: LinkisGateway): Map<string, TaskView[]> {
  const byRequest = new Map<string, TaskView[]>();
  for (const task of gateway.tasks()) {
    const requestId = /^chaos\/(.+)\.sql$/.exec(String(task.source.scriptPath ?? ''))?.[1];
    if (requestId) byRequest.set(requestId, [...(byRequest.get(requestId) ?? []), task]);
  }
  return byRequest;
}

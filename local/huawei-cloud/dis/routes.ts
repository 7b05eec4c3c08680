import type { Routed } from '../http.ts';
import { decodeSegment } from '../http.ts';
import type { DisEndpoint } from '../types.ts';

const TASKS = /^\/v2\/([^/]+)\/streams\/([^/]+)\/transfer-tasks(?:\/([^/]+))?$/;

/** DIS v2 transfer-task paths (go3 services/dis/v2/dis_meta.go); `…/transfer-tasks/action` is the batch start/stop. */
export function disRoute(method: string, pathname: string): Routed {
  const match = TASKS.exec(pathname.replace(/(.)\/$/, '$1'));
  if (match === null) return { endpoint: 'unknown', params: {} };
  const params = { projectId: decodeSegment(match[1]!), streamName: decodeSegment(match[2]!) };
  const at = (endpoint: DisEndpoint, taskName?: string): Routed => ({ endpoint, params: taskName === undefined ? params : { ...params, taskName } });
  const tail = match[3];
  if (tail === undefined) {
    if (method === 'POST') return at('dis.createTask');
    if (method === 'PUT') return at('dis.updateTask');
    if (method === 'GET') return at('dis.listTasks');
    return { endpoint: 'unknown', params };
  }
  if (tail === 'action' && method === 'POST') return at('dis.taskAction');
  const taskName = decodeSegment(tail);
  if (method === 'GET') return at('dis.showTask', taskName);
  if (method === 'DELETE') return at('dis.deleteTask', taskName);
  return { endpoint: 'unknown', params };
}

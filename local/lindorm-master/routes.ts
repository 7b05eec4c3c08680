import type { Endpoint } from './types.ts';

export type Route = { kind: 'endpoint'; endpoint: Endpoint; procId?: string } | { kind: 'wrong-method'; allow: string } | { kind: 'not-found' };

const CREATE_PATH = '/pro/proc/bulkload/create';
const PROC_PATH = /^\/pro\/proc\/([^/]+)\/(info|abort|retry|delete)$/;

/** Maps method and path to an endpoint. abort/retry/delete are GETs with side effects [D]. */
export function route(method: string, target: string): Route {
  const path = target.split(/[?#]/, 1)[0] ?? '';
  if (path === CREATE_PATH) {
    return method === 'POST' ? { kind: 'endpoint', endpoint: 'create' } : { kind: 'wrong-method', allow: 'POST' };
  }
  const match = PROC_PATH.exec(path);
  if (match === null) return { kind: 'not-found' };
  if (method !== 'GET') return { kind: 'wrong-method', allow: 'GET' };
  return { kind: 'endpoint', endpoint: match[2] as Endpoint, procId: decodeSegment(match[1]!) };
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    // A malformed escape cannot name a proc; keep it raw so the refusal shows what was sent.
    return segment;
  }
}

import { BASE_PATH } from './envelope.ts';
import type { Endpoint } from './types.ts';

export type Route =
  /** Not under /api/rest_j/v1: the gateway itself has no route. */
  | { kind: 'outside' }
  /** /user/…: the gateway's UserRestful, before any login check. */
  | { kind: 'user'; op: string; endpoint: Endpoint }
  /** /entrance/submit and /entrance/execute: any live entrance. */
  | { kind: 'submit'; endpoint: 'submit' | 'execute'; methodOk: boolean }
  /** Other /entrance paths without an id: any live entrance, which has no handler for them. */
  | { kind: 'entrance-any' }
  /** /entrance/{id}/…: the entrance instance encoded in {id}. */
  | { kind: 'entrance-id'; id: string; endpoint: Endpoint | undefined; methodOk: boolean }
  /** /jobhistory/…: linkis-ps-publicservice. */
  | { kind: 'jobhistory'; endpoint: Endpoint | undefined; id?: string; methodOk: boolean }
  /** Any other first segment: the gateway finds no such service. */
  | { kind: 'service'; service: string };

const ENTRANCE_OPS: Record<string, { endpoint: Endpoint; method: string }> = {
  status: { endpoint: 'status', method: 'GET' },
  progress: { endpoint: 'progress', method: 'GET' },
  progressWithResource: { endpoint: 'progressWithResource', method: 'GET' },
  log: { endpoint: 'log', method: 'GET' },
  kill: { endpoint: 'kill', method: 'GET' },
  killJobs: { endpoint: 'killJobs', method: 'POST' },
  pause: { endpoint: 'pause', method: 'GET' },
};

const USER_OPS: Record<string, Endpoint> = {
  login: 'login',
  logout: 'logout',
  heartbeat: 'heartbeat',
  'token-login': 'token-login',
};

/** Maps method and the raw (still encoded) path to what the gateway would do with it. */
export function route(method: string, rawPath: string): Route {
  if (rawPath !== BASE_PATH && !rawPath.startsWith(`${BASE_PATH}/`)) return { kind: 'outside' };
  const rest = rawPath.slice(BASE_PATH.length);
  const segments = rest.split('/').slice(1).map(decodeSegment);
  const [service = '', second, third] = segments;
  switch (service) {
    case 'user': {
      const op = segments.slice(1).join('/');
      return { kind: 'user', op, endpoint: USER_OPS[op] ?? 'user-other' };
    }
    case 'entrance': {
      if (segments.length === 2 && (second === 'submit' || second === 'execute')) {
        return { kind: 'submit', endpoint: second, methodOk: method === 'POST' };
      }
      // EntranceRequestGatewayParser: "entrance/([^/]+)/.+"
      if (segments.length >= 3 && second !== undefined && second !== '' && segments.slice(2).join('/') !== '') {
        const op = segments.length === 3 ? ENTRANCE_OPS[third ?? ''] : undefined;
        return { kind: 'entrance-id', id: second, endpoint: op?.endpoint, methodOk: op === undefined || op.method === method };
      }
      return { kind: 'entrance-any' };
    }
    case 'jobhistory': {
      if (segments.length === 3 && third === 'get' && second !== undefined) {
        return { kind: 'jobhistory', endpoint: 'jobhistory-get', id: second, methodOk: method === 'GET' };
      }
      if (segments.length === 2 && second === 'list') return { kind: 'jobhistory', endpoint: 'jobhistory-list', methodOk: method === 'GET' };
      if (segments.length === 2 && second === 'list-taskids') {
        return { kind: 'jobhistory', endpoint: 'jobhistory-list-taskids', methodOk: method === 'GET' };
      }
      return { kind: 'jobhistory', endpoint: undefined, methodOk: true };
    }
    default:
      return { kind: 'service', service };
  }
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    // A malformed escape names nothing; keep it raw so the answer shows what was sent.
    return segment;
  }
}

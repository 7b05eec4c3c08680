import type { Routed } from '../http.ts';
import { decodeSegment } from '../http.ts';
import type { CdmEndpoint } from '../types.ts';

const PREFIX = /^\/v1\.1\/([^/]+)\/clusters(?:\/(.*))?$/;

/**
 * CDM API v1.1 paths (go3 services/cdm/v1/cdm_meta.go). A wrong method on a known path is as unknown as
 * a wrong path: the API gateway routes on method and path together (APIGW.0101).
 */
export function cdmRoute(method: string, pathname: string): Routed {
  const match = PREFIX.exec(pathname.replace(/(.)\/$/, '$1'));
  if (match === null) return { endpoint: 'unknown', params: {} };
  const projectId = decodeSegment(match[1]!);
  const rest = match[2] === undefined ? [] : match[2].split('/');
  const at = (endpoint: CdmEndpoint, extra: Routed['params'] = {}): Routed => ({ endpoint, params: { projectId, ...extra } });
  const unknown: Routed = { endpoint: 'unknown', params: { projectId } };

  if (rest.length === 0) return method === 'GET' ? at('cdm.listClusters') : unknown;
  const clusterId = decodeSegment(rest[0]!);
  if (rest.length === 1) {
    if (clusterId === 'job' && method === 'POST') return at('cdm.randomCreateAndStart');
    return method === 'GET' ? at('cdm.showCluster', { clusterId }) : unknown;
  }
  if (rest[1] !== 'cdm') return unknown;
  const [, , collection, rawName, action] = rest;
  if (collection === 'submissions' && rest.length === 3) return method === 'GET' ? at('cdm.submissions', { clusterId }) : unknown;
  if (collection !== 'job') return unknown;
  if (rest.length === 3) return method === 'POST' ? at('cdm.createJob', { clusterId }) : unknown;
  const jobName = decodeSegment(rawName!);
  if (rest.length === 4) {
    if (method === 'GET') return at('cdm.showJob', { clusterId, jobName });
    if (method === 'PUT') return at('cdm.updateJob', { clusterId, jobName });
    if (method === 'DELETE') return at('cdm.deleteJob', { clusterId, jobName });
    return unknown;
  }
  if (rest.length !== 5) return unknown;
  if (action === 'start' && method === 'PUT') return at('cdm.startJob', { clusterId, jobName });
  if (action === 'stop' && method === 'PUT') return at('cdm.stopJob', { clusterId, jobName });
  if (action === 'status' && method === 'GET') return at('cdm.jobStatus', { clusterId, jobName });
  return unknown;
}

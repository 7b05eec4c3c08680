import { STATUS_CODES } from 'node:http';
import type { Account, TokenRecord } from './account.ts';
import type { FiringFault } from './faults.ts';
import type { Answer, Routed, ServiceHandler } from './http.ts';
import { INVALID_JSON, isObject, parseJsonBody } from './http.ts';
import type { ProjectSpec, ReceivedRequest } from './types.ts';

export interface CatalogUrls {
  cdm: string;
  dis: string;
}

/**
 * POST /v3/auth/tokens with the password body of iam_30_0001: 201, the token in X-Subject-Token, its
 * expiry in the body. Error bodies follow IAM's Keystone-style `{"error":{code,message,title}}` [I].
 */
export function iamService(account: Account, catalog: () => CatalogUrls): ServiceHandler {
  return {
    service: 'iam',
    route(method: string, pathname: string): Routed {
      const endpoint = method === 'POST' && pathname.replace(/\/+$/, '') === '/v3/auth/tokens' ? 'iam.token' : 'unknown';
      return { endpoint, params: {} };
    },
    handle(record: ReceivedRequest): Answer {
      if (record.endpoint === 'unknown') return iamError(404, 'The requested resource could not be found.');
      return issue(record, account, catalog());
    },
    faultAnswer(fault: FiringFault): Answer {
      const status = fault.status ?? 503;
      return iamError(status, fault.message ?? (status >= 500 ? 'The service is unavailable.' : 'simulated fault'));
    },
  };
}

function issue(record: ReceivedRequest, account: Account, catalog: CatalogUrls): Answer {
  const body = parseJsonBody(record.rawBody);
  if (body === INVALID_JSON || !isObject(body) || !isObject(body['auth'])) return iamError(400, 'The request body is invalid.');
  const auth = body['auth'];
  const identity = auth['identity'];
  if (!isObject(identity) || !Array.isArray(identity['methods']) || !identity['methods'].includes('password')) {
    return iamError(400, 'The request body is invalid: identity.methods must contain "password".');
  }
  const password = identity['password'];
  const user = isObject(password) ? password['user'] : undefined;
  if (!isObject(user) || typeof user['name'] !== 'string' || typeof user['password'] !== 'string' || !isObject(user['domain'])) {
    return iamError(400, 'The request body is invalid: identity.password.user needs name, password and domain.');
  }
  const domain = user['domain'];
  const domainMatches = domain['name'] === account.domainName || domain['id'] === account.domainId;
  const known = account.user(user['name']);
  if (!domainMatches || known === undefined || known.password !== user['password']) {
    return iamError(401, 'The username or password is wrong.');
  }

  let project: ProjectSpec | undefined;
  const scope = auth['scope'];
  if (isObject(scope) && isObject(scope['project'])) {
    const wanted = scope['project'];
    project =
      typeof wanted['id'] === 'string'
        ? account.projectById(wanted['id'])
        : typeof wanted['name'] === 'string'
          ? account.projectByName(wanted['name'])
          : undefined;
    // [I] status and wording: the documents list 400 for a malformed request.
    if (project === undefined) return iamError(400, `The project does not exist: ${JSON.stringify(wanted)}.`);
  }
  const token = account.issueToken(known, project);
  const withCatalog = (record.query['nocatalog'] ?? '') === '';
  return { status: 201, headers: { 'x-subject-token': token.token }, body: { token: tokenBody(token, account, withCatalog ? catalog : undefined) } };
}

function tokenBody(token: TokenRecord, account: Account, catalog: CatalogUrls | undefined): Record<string, unknown> {
  const domain = { id: account.domainId, name: account.domainName };
  const body: Record<string, unknown> = {
    expires_at: iamTime(token.expiresAt),
    issued_at: iamTime(token.issuedAt),
    methods: ['password'],
    domain,
    roles: [{ id: '0', name: 'te_admin' }],
    user: { id: token.user.id, name: token.user.name, domain, password_expires_at: '' },
  };
  if (token.project !== undefined) {
    body['project'] = { id: token.project.id, name: token.project.name, domain };
    delete body['domain'];
  }
  if (catalog !== undefined) {
    const region = token.project?.name ?? '';
    body['catalog'] = [
      {
        type: 'cdm',
        name: 'cdm',
        id: 'cdm',
        endpoints: [{ id: 'cdm-public', interface: 'public', region, region_id: region, url: `${catalog.cdm}/v1.1/$(tenant_id)s` }],
      },
      { type: 'dis', name: 'dis', id: 'dis', endpoints: [{ id: 'dis-public', interface: 'public', region, region_id: region, url: catalog.dis }] },
    ];
  }
  return body;
}

/** IAM writes microseconds: 2024-05-01T10:00:00.123000Z. */
function iamTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '000Z');
}

function iamError(status: number, message: string): Answer {
  return { status, body: { error: { code: status, message, title: STATUS_CODES[status] ?? 'Error' } } };
}

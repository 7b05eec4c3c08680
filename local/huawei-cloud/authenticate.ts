import type { Account } from './account.ts';
import { splitTarget } from './http.ts';
import type { ResolvedOptions, ResolvedUser } from './options.ts';
import type { SigningInput } from './signature.ts';
import { canonicalRequest, parseAuthorization, parseSdkDate, sign, signaturesEqual } from './signature.ts';
import type { AuthRecord, ReceivedRequest } from './types.ts';

export type AuthFailureKind =
  | 'missing'
  | 'token-invalid'
  /** Expired or revoked: the answer that tells a client to get a new token. */
  | 'token-expired'
  | 'token-scope'
  | 'authorization-unparsable'
  | 'authorization-fields'
  | 'access-empty'
  | 'signed-headers-empty'
  | 'date-missing'
  | 'date-unparsable'
  | 'date-skew'
  | 'ak-unknown'
  | 'ak-expired'
  | 'security-token'
  | 'project-header-missing'
  | 'project-mismatch'
  | 'project-unknown'
  | 'signature-mismatch';

export type AuthResult = { ok: true; user: ResolvedUser; record: AuthRecord } | { ok: false; kind: AuthFailureKind; record: AuthRecord; expiresAt?: number };

/**
 * Authenticates a CDM or DIS request by IAM token (X-Auth-Token, checked first as the gateway does [I])
 * or by AK/SK signature. Services differ only in how they word a failure, so this returns the kind of
 * failure and leaves the answer to them.
 */
export function authenticate(req: ReceivedRequest, account: Account, options: ResolvedOptions): AuthResult {
  const projectId = req.params.projectId ?? '';
  const token = single(req.headers['x-auth-token']);
  if (token !== undefined && token !== '') return byToken(token, projectId, account, options);
  const authorization = single(req.headers['authorization']);
  if (authorization !== undefined && authorization !== '') return bySignature(req, authorization, projectId, account, options);
  return { ok: false, kind: 'missing', record: { method: 'none', failure: 'neither X-Auth-Token nor Authorization was sent' } };
}

function byToken(value: string, projectId: string, account: Account, options: ResolvedOptions): AuthResult {
  const token = account.token(value);
  if (token === undefined) return { ok: false, kind: 'token-invalid', record: { method: 'token', failure: 'token not issued by this IAM' } };
  const record: AuthRecord = { method: 'token', user: token.user.name };
  const now = options.clock.now();
  if (token.revoked) return { ok: false, kind: 'token-expired', record: { ...record, failure: 'token revoked' }, expiresAt: token.expiresAt };
  if (now >= token.expiresAt) return { ok: false, kind: 'token-expired', record: { ...record, failure: 'token expired' }, expiresAt: token.expiresAt };
  if (token.project?.id !== projectId) {
    const scope = token.project === undefined ? 'the domain' : `project ${token.project.id}`;
    return { ok: false, kind: 'token-scope', record: { ...record, failure: `token scoped to ${scope}, path names project ${projectId}` } };
  }
  return { ok: true, user: token.user, record };
}

function bySignature(req: ReceivedRequest, authorization: string, projectId: string, account: Account, options: ResolvedOptions): AuthResult {
  const parsed = parseAuthorization(authorization);
  if (!parsed.ok) {
    const kind: AuthFailureKind =
      parsed.reason === 'missing-fields'
        ? 'authorization-fields'
        : parsed.reason === 'empty-access'
          ? 'access-empty'
          : parsed.reason === 'empty-signed-headers'
            ? 'signed-headers-empty'
            : 'authorization-unparsable';
    return { ok: false, kind, record: { method: 'aksk', failure: `Authorization header: ${parsed.reason}` } };
  }
  const { access, signedHeaders, signature } = parsed.value;
  const record: AuthRecord = { method: 'aksk', accessKey: access };
  const fail = (kind: AuthFailureKind, failure: string): AuthResult => ({ ok: false, kind, record: { ...record, failure } });

  const sdkDate = single(req.headers['x-sdk-date']);
  if (sdkDate === undefined || sdkDate === '') return fail('date-missing', 'no X-Sdk-Date header');
  const signedAt = parseSdkDate(sdkDate);
  if (signedAt === undefined) return fail('date-unparsable', `X-Sdk-Date "${sdkDate}" is not YYYYMMDDTHHmmssZ`);
  const now = options.clock.now();
  if (Math.abs(now - signedAt) > options.auth.maxClockSkewMs) {
    return fail('date-skew', `X-Sdk-Date ${sdkDate} is ${Math.round((now - signedAt) / 1000)} s away from the clock`);
  }

  const key = account.accessKey(access);
  if (key === undefined) return fail('ak-unknown', `unknown access key ${access}`);
  const { pathname, rawQuery } = splitTarget(req.path);
  const input: SigningInput = {
    method: req.method,
    rawPath: pathname,
    rawQuery,
    headers: req.headers,
    signedHeaders,
    body: req.rawBody,
    sdkDate,
    pathCanonicalization: options.auth.pathCanonicalization,
  };
  if (!signaturesEqual(sign(key.sk, input), signature)) {
    return fail('signature-mismatch', `signature mismatch; canonical request was:\n${canonicalRequest(input)}`);
  }
  if (key.expiresAt !== undefined && now >= key.expiresAt) return fail('ak-expired', `temporary access key ${access} expired`);
  if (key.securityToken !== undefined && single(req.headers['x-security-token']) !== key.securityToken) {
    return fail('security-token', `temporary access key ${access} needs its X-Security-Token`);
  }
  const user = account.user(key.user)!;
  const headerProject = single(req.headers['x-project-id']);
  if (headerProject === undefined && options.auth.requireProjectIdHeader) return fail('project-header-missing', 'no X-Project-Id header');
  if (headerProject !== undefined && headerProject !== projectId) return fail('project-mismatch', `X-Project-Id ${headerProject} != path project ${projectId}`);
  if (account.projectById(projectId) === undefined) return fail('project-unknown', `project ${projectId} is not in the account`);
  return { ok: true, user, record: { ...record, user: user.name } };
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

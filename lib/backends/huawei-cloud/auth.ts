import type { Clock } from '../../clock.ts';
import type { AuthHook, ConnectionOptions, HttpResponse, OutgoingRequest, PhaseTimeouts } from '../../http/transport.ts';
import type { SecretRef, SecretSource } from '../../targets/secrets.ts';
import type { TargetConfigReader } from '../backend.ts';
import { HuaweiAuthError, isGatewayAuthRejection, withoutSecrets } from './errors.ts';
import { IamTokenSource } from './iam-token.ts';
import { type AkSkCredentials, signRequest } from './signer.ts';

/** A Huawei Cloud target's credentials: an access key pair (signed requests) or an IAM user's password (a token). */
export type HuaweiAuth =
  | { type: 'aksk'; accessKey: SecretRef; secretKey: SecretRef; securityToken?: SecretRef }
  | { type: 'iam-password'; iamUrl: string; domain: string; user: string; password: SecretRef; project: string };

const akskKeys = ['type', 'accessKey', 'secretKey', 'securityToken'];
const iamKeys = ['type', 'iamUrl', 'domain', 'user', 'password', 'project'];
const shapes =
  '{ "type": "aksk", "accessKey", "secretKey", "securityToken"? } or { "type": "iam-password", "iamUrl", "domain", "user", "password", "project" }';

/**
 * Validates a target's `auth` (the raw value), failing through reader.fail with paths like 'auth.secretKey'.
 * A plain string where a secret belongs is refused by reader.secret. iamUrl must be an http(s) URL (the
 * client appends /v3/auth/tokens). Unknown keys are refused.
 */
export function parseHuaweiAuth(raw: unknown, reader: TargetConfigReader): HuaweiAuth {
  if (raw === undefined) return reader.fail('auth', `is required: ${shapes}`);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return reader.fail('auth', `must be an object: ${shapes}`);
  const a = raw as Record<string, unknown>;
  const refuseUnknown = (known: string[], kind: string) => {
    for (const key of Object.keys(a)) if (!known.includes(key)) reader.fail(`auth.${key}`, `unknown key (known for ${kind} auth: ${known.join(', ')})`);
  };
  if (a.type === 'aksk') {
    refuseUnknown(akskKeys, 'aksk');
    const auth: HuaweiAuth = { type: 'aksk', accessKey: reader.secret('auth.accessKey', a.accessKey), secretKey: reader.secret('auth.secretKey', a.secretKey) };
    if (a.securityToken !== undefined) auth.securityToken = reader.secret('auth.securityToken', a.securityToken);
    return auth;
  }
  if (a.type === 'iam-password') {
    refuseUnknown(iamKeys, 'iam-password');
    return {
      type: 'iam-password',
      iamUrl: iamUrlOf(a.iamUrl, reader),
      domain: nameOf(a.domain, 'auth.domain', 'the account (domain) name the user belongs to', reader),
      user: nameOf(a.user, 'auth.user', 'the IAM user name', reader),
      password: reader.secret('auth.password', a.password),
      project: nameOf(a.project, 'auth.project', 'the project name the token is scoped to, e.g. cn-north-4', reader),
    };
  }
  return reader.fail('auth.type', `must be "aksk" or "iam-password", got ${JSON.stringify(a.type)}`);
}

/** The API gateway refuses with 401; DIS's own auth layer with 441. */
const huaweiRefusalStatuses = [401, 441] as const;

export interface HuaweiAuthHookOptions {
  /** The project of the target's paths: sent as X-Project-Id on signed requests. */
  projectId: string;
  secrets: SecretSource;
  clock: Clock;
  /** For the IAM token requests. */
  timeouts?: Partial<PhaseTimeouts>;
  /** For the IAM token requests (a MockAgent, a proxy agent). */
  connection?: Omit<ConnectionOptions, 'clock'>;
}

/** The transport's auth hook for one target: signs every request (aksk) or adds X-Auth-Token (iam-password). */
export function huaweiAuthHook(auth: HuaweiAuth, options: HuaweiAuthHookOptions): AuthHook & { close(): Promise<void> } {
  return auth.type === 'aksk' ? akskHook(auth, options) : tokenHook(auth, options);
}

/**
 * Keys are read once per hook and kept. A gateway 401 after that may mean they were rotated: they are read
 * again, fresh, and the call is replayed once only if they changed — with the same keys the replay would
 * only be refused again.
 */
function akskHook(auth: Extract<HuaweiAuth, { type: 'aksk' }>, options: HuaweiAuthHookOptions): AuthHook & { close(): Promise<void> } {
  const read = async (fresh: boolean): Promise<AkSkCredentials> => {
    const [accessKey, secretKey, securityToken] = await Promise.all([
      options.secrets.read(auth.accessKey, { fresh }),
      options.secrets.read(auth.secretKey, { fresh }),
      auth.securityToken === undefined ? undefined : options.secrets.read(auth.securityToken, { fresh }),
    ]);
    return securityToken === undefined ? { accessKey, secretKey } : { accessKey, secretKey, securityToken };
  };
  let keys: Promise<AkSkCredentials> | undefined;
  const current = () => {
    keys ??= read(false).catch((error: unknown) => {
      keys = undefined;
      throw error;
    });
    return keys;
  };
  return {
    async authorize(request: OutgoingRequest) {
      let credentials: AkSkCredentials;
      try {
        credentials = await current();
      } catch (error) {
        throw new HuaweiAuthError(`no access key to sign with: ${withoutSecrets(messageOf(error), [])}`, { ...where(request), cause: error });
      }
      return signRequest(request, credentials, { projectId: options.projectId, now: options.clock.now() });
    },
    async rejectedBeforeService(response: HttpResponse) {
      if (!isGatewayAuthRejection(response.status, response.text)) return false;
      const before = await current().catch(() => undefined);
      let after: AkSkCredentials;
      try {
        after = await read(true);
      } catch {
        // No fresh keys to be had: the refusal stands, and the caller reads it as it is.
        return false;
      }
      if (before !== undefined && sameKeys(before, after)) return false;
      keys = Promise.resolve(after);
      return true;
    },
    refusalStatuses: huaweiRefusalStatuses,
    async close() {},
  };
}

/** One IAM token for every call of the target, renewed before it ends and fetched again when a service refuses it. */
function tokenHook(auth: Extract<HuaweiAuth, { type: 'iam-password' }>, options: HuaweiAuthHookOptions): AuthHook & { close(): Promise<void> } {
  const tokens = new IamTokenSource({
    identity: auth,
    password: ({ fresh }) => options.secrets.read(auth.password, { fresh }),
    clock: options.clock,
    ...(options.timeouts === undefined ? {} : { timeouts: options.timeouts }),
    ...(options.connection === undefined ? {} : { connection: options.connection }),
  });
  return {
    async authorize(_request: OutgoingRequest, signal: AbortSignal | undefined) {
      return { 'X-Auth-Token': await tokens.token(signal) };
    },
    async rejectedBeforeService(response: HttpResponse) {
      // APIGW.0307 (expired or revoked), APIGW.0301 (not accepted) or DIS.4114: the gateway refused the
      // token, the service never saw the call, so one replay with a new token cannot repeat an effect.
      if (!isGatewayAuthRejection(response.status, response.text)) return false;
      tokens.invalidate();
      return true;
    },
    refusalStatuses: huaweiRefusalStatuses,
    close: () => tokens.close(),
  };
}

function iamUrlOf(value: unknown, reader: TargetConfigReader): string {
  const what = 'the IAM endpoint, e.g. "https://iam.cn-north-4.myhuaweicloud.com"';
  if (value === undefined) return reader.fail('auth.iamUrl', `is required: ${what}`);
  if (typeof value !== 'string') return reader.fail('auth.iamUrl', `must be a string: ${what}`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return reader.fail('auth.iamUrl', `is not a URL: ${JSON.stringify(value)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return reader.fail('auth.iamUrl', `must be http or https, got ${url.protocol}`);
  if (url.username || url.password) return reader.fail('auth.iamUrl', 'must not carry credentials (the password is auth.password)');
  if (url.search || url.hash) return reader.fail('auth.iamUrl', 'must not carry a query or fragment');
  const base = value.replace(/\/+$/, '');
  if (/\/v3(\/auth(\/tokens)?)?$/.test(url.pathname.replace(/\/+$/, ''))) {
    return reader.fail('auth.iamUrl', `must be the endpoint without the API path (the client appends /v3/auth/tokens), got ${JSON.stringify(value)}`);
  }
  return base;
}

function nameOf(value: unknown, key: string, what: string, reader: TargetConfigReader): string {
  if (value === undefined) return reader.fail(key, `is required: ${what}`);
  if (typeof value !== 'string' || value.trim() === '') return reader.fail(key, `must be a non-empty string: ${what}`);
  return value;
}

function sameKeys(a: AkSkCredentials, b: AkSkCredentials): boolean {
  return a.accessKey === b.accessKey && a.secretKey === b.secretKey && a.securityToken === b.securityToken;
}

function where(request: OutgoingRequest): { method: string; url: string } {
  // Origin and path only: a query string could carry anything.
  return { method: request.method, url: request.url.origin + request.url.pathname };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

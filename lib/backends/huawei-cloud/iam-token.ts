import type { Clock } from '../../clock.ts';
import { type ConnectionOptions, type HttpResponse, HttpTransport, type PhaseTimeouts } from '../../http/transport.ts';
import { HuaweiAuthError, readHuaweiError, withoutSecrets } from './errors.ts';

/** Who a token is for: an IAM user of an account, scoped to one project (by name, e.g. the region cn-north-4). */
export interface IamPasswordIdentity {
  /** The IAM endpoint, e.g. https://iam.cn-north-4.myhuaweicloud.com; /v3/auth/tokens is appended. */
  iamUrl: string;
  /** The account (domain) name. */
  domain: string;
  user: string;
  project: string;
}

export interface IamTokenSourceOptions {
  identity: IamPasswordIdentity;
  /** The user's password; `fresh` after a refusal, since it may have been rotated. */
  password: (options: { fresh: boolean }) => Promise<string>;
  clock: Clock;
  timeouts?: Partial<PhaseTimeouts>;
  connection?: Omit<ConnectionOptions, 'clock'>;
}

/** `nocatalog` drops the service catalogue, which would make the answer many kilobytes longer. */
const TOKEN_PATH = '/v3/auth/tokens?nocatalog=true';
/** A token is renewed when less than this remains: 1 h of a 24 h token, 10 % of a shorter one. */
const MAX_REFRESH_MARGIN_MS = 3_600_000;
const REFRESH_MARGIN_FRACTION = 0.1;
/** A failed renewal leaves the old token in use this long before IAM is asked again (no IAM call per request during an outage). */
const RENEW_RETRY_MS = 60_000;
/** The old token is kept after a failed renewal only while this much of its life remains: a call must still fit in it. */
const MIN_REMAINING_MS = 60_000;

interface CachedToken {
  value: string;
  /** On the local clock: when the request was sent plus the lifetime IAM gave, so clock skew cannot stretch it. */
  expiresAt: number;
  renewAt: number;
}

/**
 * IAM tokens by password (iam_30_0001; backends-real §4): POST /v3/auth/tokens, the token in the
 * X-Subject-Token header, its expiry in `token.expires_at`. One token is shared by every call until it
 * nears its end; one request is in flight at a time and concurrent callers wait for it.
 */
export class IamTokenSource {
  readonly #identity: IamPasswordIdentity;
  readonly #password: IamTokenSourceOptions['password'];
  readonly #clock: Clock;
  readonly #transport: HttpTransport;
  #current: CachedToken | undefined;
  #pending: Promise<CachedToken> | undefined;
  #freshPassword = false;

  constructor(options: IamTokenSourceOptions) {
    this.#identity = options.identity;
    this.#password = options.password;
    this.#clock = options.clock;
    this.#transport = new HttpTransport({
      ...options.connection,
      baseUrl: options.identity.iamUrl,
      clock: options.clock,
      ...(options.timeouts === undefined ? {} : { timeouts: options.timeouts }),
    });
  }

  /** The token endpoint as errors show it. */
  get url(): string {
    return this.#transport.display(TOKEN_PATH);
  }

  /** A valid token; throws HuaweiAuthError (naming the IAM URL, never the password) when none can be had. */
  async token(signal?: AbortSignal): Promise<string> {
    const now = this.#clock.now();
    const current = this.#current;
    if (current !== undefined && now < current.renewAt) return current.value;
    this.#pending ??= this.#request().finally(() => {
      this.#pending = undefined;
    });
    try {
      return (await abortable(this.#pending, signal)).value;
    } catch (error) {
      // IAM failing during the renewal margin need not stop calls the old token still covers.
      if (signal?.aborted || current === undefined || this.#current !== current || now + MIN_REMAINING_MS >= current.expiresAt) throw error;
      this.#current = { ...current, renewAt: Math.min(now + RENEW_RETRY_MS, current.expiresAt - MIN_REMAINING_MS) };
      return current.value;
    }
  }

  /**
   * After a service refused the token (expired early, revoked, password changed): the next call gets a new
   * one, with the password read fresh. A request already in flight is newer than the refused token, so it
   * is kept.
   */
  invalidate(): void {
    this.#current = undefined;
    this.#freshPassword = true;
  }

  async close(): Promise<void> {
    await this.#transport.close();
  }

  async #request(): Promise<CachedToken> {
    const { user, domain, project } = this.#identity;
    const who = `IAM user ${user} of account ${domain} (project ${project})`;
    const fresh = this.#freshPassword;
    this.#freshPassword = false;
    let password: string;
    try {
      password = await this.#password({ fresh });
    } catch (error) {
      this.#freshPassword ||= fresh;
      throw this.#error(`no password for ${who}: ${messageOf(error)}`, [], error);
    }
    const body = JSON.stringify({
      auth: {
        identity: { methods: ['password'], password: { user: { name: user, password, domain: { name: domain } } } },
        scope: { project: { name: project } },
      },
    });
    const sentAt = this.#clock.now();
    let response: HttpResponse;
    try {
      // A token request has no effect a second token would repeat: safe to retry.
      response = await this.#transport.request({
        method: 'POST',
        path: TOKEN_PATH,
        headers: { 'content-type': 'application/json;charset=utf8' },
        body,
        idempotent: true,
      });
    } catch (error) {
      throw this.#error(`token request for ${who} failed: ${messageOf(error).replace(`POST ${this.url}: `, '')}`, [password], error);
    }
    if (response.status !== 201 && response.status !== 200) {
      if (response.status === 401 || response.status === 403) this.#freshPassword = true;
      const refusal = readHuaweiError(response.text);
      const said = refusal ? `${refusal.code} ${refusal.message}` : response.text.slice(0, 200);
      throw this.#error(`token request for ${who} refused: HTTP ${response.status}${said.trim() ? `: ${said}` : ''}`, [password]);
    }
    const header = response.headers['x-subject-token'];
    const value = Array.isArray(header) ? header[0] : header;
    if (!value) throw this.#error(`IAM answered HTTP ${response.status} for ${who} without an X-Subject-Token header`, [password]);
    const expiry = readExpiry(response.text);
    if (expiry === undefined) throw this.#error(`IAM answered HTTP ${response.status} for ${who} without a readable token.expires_at`, [password, value]);
    const lifetime = expiry.expiresAt - (expiry.issuedAt ?? sentAt);
    if (!(lifetime > 0))
      throw this.#error(`IAM answered HTTP ${response.status} for ${who} with a token already expired (expires_at before issued_at)`, [password, value]);
    const expiresAt = expiry.issuedAt === undefined ? expiry.expiresAt : sentAt + lifetime;
    const token = { value, expiresAt, renewAt: expiresAt - Math.min(MAX_REFRESH_MARGIN_MS, lifetime * REFRESH_MARGIN_FRACTION) };
    this.#current = token;
    return token;
  }

  #error(message: string, secrets: readonly string[], cause?: unknown): HuaweiAuthError {
    return new HuaweiAuthError(withoutSecrets(message, secrets), { method: 'POST', url: this.url, ...(cause === undefined ? {} : { cause }) });
  }
}

/** `token.expires_at` (and `issued_at`, to measure the lifetime on IAM's own clock) of a token answer. */
function readExpiry(text: string): { expiresAt: number; issuedAt?: number } | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  const token = (body as { token?: { expires_at?: unknown; issued_at?: unknown } } | null)?.token;
  const expiresAt = typeof token?.expires_at === 'string' ? Date.parse(token.expires_at) : Number.NaN;
  if (!Number.isFinite(expiresAt)) return undefined;
  const issuedAt = typeof token?.issued_at === 'string' ? Date.parse(token.issued_at) : Number.NaN;
  return Number.isFinite(issuedAt) ? { expiresAt, issuedAt } : { expiresAt };
}

/** Waits for a shared promise, but lets this caller give up on its own signal without failing the others. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

import type { Envelope, ServiceIdentity } from './envelope.ts';
import { linkisExceptionText, noLogin } from './envelope.ts';
import type { SessionStore } from './sessions.ts';
import { TICKET_COOKIE } from './sessions.ts';
import type { TokenEntry } from './types.ts';

export const TOKEN_CODE = 'Token-Code';
export const TOKEN_USER = 'Token-User';

export const NOT_LOGGED_IN = 'You are not logged in, please login first(您尚未登录，请先登录)!';
export const SESSION_EXPIRED = 'You are not logged in, please login first!(您尚未登录，请先登录!)';

export interface AuthRequest {
  headers: Record<string, string | string[] | undefined>;
  cookies: Map<string, string[]>;
  /** The request path, which the gateway puts in `method` of its refusals. */
  uri: string;
  clientIp: string;
}

export interface AuthSettings {
  sessions: SessionStore;
  tokenAuth: boolean;
  tokens: readonly TokenEntry[];
  gateway: ServiceIdentity;
  expiredSessionMessage: 'expired' | 'not-logged-in';
}

export type AuthOutcome =
  | { ok: true; user: string; via: 'token'; token: TokenEntry }
  | { ok: true; user: string; via: 'session' }
  | { ok: false; refusal: Envelope };

/**
 * The gateway SecurityFilter for every path outside /user/: a token request (both token headers, or both
 * token cookies) is judged by the token alone; anything else needs a live session ticket.
 */
export function authenticate(req: AuthRequest, settings: AuthSettings): AuthOutcome {
  if (isTokenRequest(req)) return tokenAuth(req, settings);
  const ticket = req.cookies.get(TICKET_COOKIE)?.[0];
  if (ticket === undefined) return { ok: false, refusal: noLogin(NOT_LOGGED_IN, req.uri) };
  const user = settings.sessions.lookup(ticket);
  if (user === undefined) {
    const message = settings.expiredSessionMessage === 'expired' ? SESSION_EXPIRED : NOT_LOGGED_IN;
    return { ok: false, refusal: noLogin(message, req.uri) };
  }
  return { ok: true, user, via: 'session' };
}

/**
 * TokenAuthentication.isTokenRequest: the keys must both be present. With only one token header the
 * request is not a token request at all and falls through to the session check.
 */
export function isTokenRequest(req: AuthRequest): boolean {
  const headers = header(req, TOKEN_CODE) !== undefined && header(req, TOKEN_USER) !== undefined;
  const cookies = req.cookies.has(TOKEN_CODE) && req.cookies.has(TOKEN_USER);
  return headers || cookies;
}

/** TokenAuthentication.tokenAuth; every refusal is status -1 (HTTP 401). */
export function tokenAuth(req: AuthRequest, settings: AuthSettings): AuthOutcome {
  if (!settings.tokenAuth) {
    return { ok: false, refusal: noLogin('Gateway未启用token认证，请采用其他认证方式!', req.uri) };
  }
  let token = header(req, TOKEN_CODE) ?? '';
  let tokenUser = header(req, TOKEN_USER) ?? '';
  if (token.trim() === '' || tokenUser.trim() === '') {
    const cookieToken = req.cookies.get(TOKEN_CODE)?.[0] ?? '';
    const cookieUser = req.cookies.get(TOKEN_USER)?.[0] ?? '';
    if (cookieToken.trim() === '' || cookieUser.trim() === '') {
      return {
        ok: false,
        refusal: noLogin(`请在Header或Cookie中同时指定${TOKEN_CODE} 和 ${TOKEN_USER}，以便完成token认证！`, req.uri),
      };
    }
    token = cookieToken;
    tokenUser = cookieUser;
  }
  const reason = checkToken(token, tokenUser, req.clientIp, settings);
  if (typeof reason === 'string') {
    return {
      ok: false,
      refusal: noLogin(`Token Authentication Failed, token: ${token}，tokenUser: ${tokenUser}, reason: ${reason}`, req.uri),
    };
  }
  return { ok: true, user: tokenUser, via: 'token', token: reason };
}

/** CachedTokenService.doAuth: the entry, or the failing exception's getMessage. */
function checkToken(token: string, user: string, host: string, settings: AuthSettings): TokenEntry | string {
  const who = settings.gateway;
  const entry = settings.tokens.find((t) => t.token === token);
  if (entry === undefined) {
    const invalid = linkisExceptionText(15204, 'Invalid Token(数据库中未配置的无效令牌)', who);
    return linkisExceptionText(15207, `Token:${token} does not exist in the table(Token:${token} 表中不存在)!, Caused by:${invalid}`, who);
  }
  if (entry.stale === true) {
    return linkisExceptionText(15201, `Token is not valid or stale(${token} 令牌已过期)!`, who);
  }
  if (!listAllows(entry.user, user)) {
    return linkisExceptionText(15202, `Illegal TokenUser for Token(Token非法用户: ${user})!`, who);
  }
  if (!listAllows(entry.hosts ?? '*', host)) {
    return linkisExceptionText(15203, `Illegal Host for Token(非法ip: ${host})!`, who);
  }
  return entry;
}

function listAllows(list: string, value: string): boolean {
  const items = list.split(',').map((s) => s.trim());
  return items.includes('*') || items.includes(value);
}

function header(req: AuthRequest, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

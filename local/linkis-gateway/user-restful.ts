import type { AuthRequest, AuthSettings } from './auth.ts';
import { NOT_LOGGED_IN, SESSION_EXPIRED, tokenAuth } from './auth.ts';
import type { Answer, Envelope } from './envelope.ts';
import { error, linkisExceptionText, noLogin, ok, reply } from './envelope.ts';
import { clearedTicketCookie, cookieDomain, TICKET_COOKIE, ticketCookie } from './sessions.ts';
import type { UserEntry } from './types.ts';

export const LOGIN_OK = 'login successful(登录成功)！';
const PROHIBITED_PREFIXES = ['hduser', 'shduser', 'hadoop'];

export interface UserRequest extends AuthRequest {
  method: string;
  /** The part after /user/, e.g. 'login'. */
  op: string;
  query: URLSearchParams;
  rawBody: string;
}

export interface UserSettings extends AuthSettings {
  users: readonly UserEntry[];
  adminUsers: readonly string[];
  prohibitSystemUserLogin: boolean;
}

/**
 * The gateway's UserRestful (/api/rest_j/v1/user/…). It runs before any login check, writes its own
 * answers (method null) and sets or clears the session cookie.
 */
export function handleUserRequest(req: UserRequest, settings: UserSettings): Answer {
  const cookies: string[] = [];
  let message: Envelope;
  try {
    message = dispatch(req, settings, cookies);
  } catch (thrown) {
    // SecurityFilter's catch around doUserRequest: its message goes out with the request URI as method.
    const text = thrown instanceof LinkisFailure ? thrown.message : `login failed! reason: ${rootCause(thrown)}`;
    message = error(text, {}, req.uri);
  }
  return reply(message, cookies.length > 0 ? { 'set-cookie': cookies } : undefined);
}

function dispatch(req: UserRequest, settings: UserSettings, cookies: string[]): Envelope {
  switch (req.op) {
    case 'login': {
      const user = currentUser(req, settings);
      if (user.ok) {
        return ok(`${user.user} already logged in, please log out before signing in(已经登录，请先退出再进行登录)！`, {
          userName: user.user,
        });
      }
      return login(req, settings, cookies);
    }
    case 'token-login': {
      if (req.method.toUpperCase() !== 'POST') return error('Only support method POST');
      const outcome = tokenAuth(req, settings);
      if (!outcome.ok) return outcome.refusal;
      cookies.push(ticketCookie(settings.sessions.create(outcome.user)));
      return ok(LOGIN_OK, { userName: outcome.user, isAdmin: false });
    }
    case 'logout': {
      const ticket = req.cookies.get(TICKET_COOKIE)?.[0];
      if (ticket !== undefined) settings.sessions.remove(ticket);
      cookies.push(clearedTicketCookie());
      return ok('Logout successful(退出登录成功)！');
    }
    case 'heartbeat': {
      const user = currentUser(req, settings);
      return user.ok ? ok('Maintain heartbeat success(维系心跳成功)') : noLogin(user.message);
    }
    case 'userInfo': {
      const user = currentUser(req, settings);
      if (!user.ok) throw new LinkisFailure(linkisExceptionText(11002, user.message, settings.gateway));
      return ok('get user information succeed!', { userName: user.user });
    }
    case 'publicKey':
      return ok('Gain success(获取成功)！', { enableSSL: false, enableLoginEncrypt: false });
    default:
      return error(`unknown request URI ${req.op}`);
  }
}

/** GatewaySSOUtils.getLoginUsername on the ticket cookie (a lookup refreshes the session like any request). */
function currentUser(req: UserRequest, settings: UserSettings): { ok: true; user: string } | { ok: false; message: string } {
  const ticket = req.cookies.get(TICKET_COOKIE)?.[0];
  // SSOUtils' own NonLoginException text; its bracket and "!" sit differently from the SecurityFilter one.
  if (ticket === undefined) return { ok: false, message: 'You are not logged in, please login first(您尚未登录，请先登录!)' };
  const user = settings.sessions.lookup(ticket);
  if (user === undefined) return { ok: false, message: settings.expiredSessionMessage === 'expired' ? SESSION_EXPIRED : NOT_LOGGED_IN };
  return { ok: true, user };
}

function login(req: UserRequest, settings: UserSettings, cookies: string[]): Envelope {
  const message = tryLogin(req, settings, cookies);
  // AbstractUserRestful.login adds these to every answer of tryLogin, refusals included.
  message.data['sessionTimeOut'] = settings.sessions.timeoutMs;
  message.data['enableWatermark'] = true;
  return message;
}

function tryLogin(req: UserRequest, settings: UserSettings, cookies: string[]): Envelope {
  const { userName, password } = credentials(req);
  if (userName === null || userName.trim() === '') return error('Username can not be empty(用户名不能为空)！');
  if (password === null || password.trim() === '') return error('Password can not be blank(密码不能为空)！');
  const webLogin = String(req.headers['weblogin'] ?? 'false').toLowerCase() === 'true';
  if (settings.prohibitSystemUserLogin && webLogin) {
    if (PROHIBITED_PREFIXES.some((p) => userName.toLowerCase().startsWith(p))) {
      return error('System users are prohibited from logging in（系统用户禁止登录）！');
    }
  }
  if (settings.adminUsers.includes(userName) && passwordMatches(settings.users, userName, password)) {
    cookies.push(ticketCookie(settings.sessions.create(userName)));
    return ok(LOGIN_OK, { userName, isAdmin: true });
  }
  const lowerCaseUserName = userName.toLowerCase();
  // clearExpireCookie: every ticket cookie the browser sent is expired once per domain level of Host,
  // before the new one, so a client that keeps the first Set-Cookie keeps an empty ticket.
  clearExpiredCookies(req, cookies);
  const entry = settings.users.find((u) => u.userName.toLowerCase() === lowerCaseUserName && u.password === password);
  if (entry === undefined) {
    return error('Invalid username or password, please check and try again later(用户名或密码无效，请稍后再试)');
  }
  cookies.push(ticketCookie(settings.sessions.create(lowerCaseUserName)));
  return ok(LOGIN_OK, { userName: lowerCaseUserName, isAdmin: false });
}

function passwordMatches(users: readonly UserEntry[], userName: string, password: string): boolean {
  return users.some((u) => u.userName === userName && u.password === password);
}

/**
 * UserPwdAbstractUserRestful.getUserNameAndPWD: query parameters win when both are present, else the
 * JSON body (read with gson, which turns numbers into Doubles).
 */
function credentials(req: UserRequest): { userName: string | null; password: string | null } {
  const queryUser = req.query.get('userName');
  let queryPassword = req.query.get('password');
  if (queryPassword === null || queryPassword.trim() === '') queryPassword = req.query.get('passwdEncrypt');
  let userName: unknown = null;
  let password: unknown = null;
  if (queryUser !== null && queryPassword !== null) {
    userName = queryUser;
    password = queryPassword;
  } else if (req.rawBody.trim() !== '') {
    let json: unknown;
    try {
      json = JSON.parse(req.rawBody);
    } catch {
      throw new Error('JsonSyntaxException: com.google.gson.stream.MalformedJsonException: malformed JSON body');
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw new Error('JsonSyntaxException: java.lang.IllegalStateException: Expected BEGIN_OBJECT');
    }
    const body = json as Record<string, unknown>;
    userName = body['userName'] ?? null;
    password = body['password'] ?? body['passwdEncrypt'] ?? null;
  }
  if (userName === null || gsonToString(userName).trim() === '') return { userName: null, password: null };
  if (password === null || gsonToString(password).trim() === '') return { userName: gsonToString(userName), password: null };
  // passwordEncrypt.asInstanceOf[String]
  if (typeof password !== 'string') {
    throw new Error(`ClassCastException: ${gsonClassOf(password)} cannot be cast to java.lang.String`);
  }
  return { userName: gsonToString(userName), password };
}

function clearExpiredCookies(req: UserRequest, cookies: string[]): void {
  const host = req.headers['host'];
  const hostValue = Array.isArray(host) ? host[0] : host;
  const sent = req.cookies.get(TICKET_COOKIE) ?? [];
  if (hostValue === undefined || sent.length === 0) return;
  const levels = hostValue.split('.').length;
  for (let level = 1; level <= levels; level++) {
    for (let i = 0; i < sent.length; i++) cookies.push(clearedTicketCookie(cookieDomain(hostValue, level)));
  }
}

/** gson reads every JSON number as a Double, so toString gives "1.0" for 1. */
function gsonToString(value: unknown): string {
  if (typeof value === 'number') return Number.isInteger(value) ? value.toFixed(1) : String(value);
  if (typeof value === 'string') return value;
  return typeof value === 'boolean' ? String(value) : JSON.stringify(value);
}

function gsonClassOf(value: unknown): string {
  if (typeof value === 'number') return 'java.lang.Double';
  if (typeof value === 'boolean') return 'java.lang.Boolean';
  return Array.isArray(value) ? 'java.util.ArrayList' : 'com.google.gson.internal.LinkedTreeMap';
}

function rootCause(thrown: unknown): string {
  return thrown instanceof Error ? thrown.message : String(thrown);
}

/** A LinkisException: SecurityFilter sends its getMessage as is. */
class LinkisFailure extends Error {}

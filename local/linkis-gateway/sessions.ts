import { randomBytes } from 'node:crypto';
import type { Clock } from './types.ts';

export const TICKET_COOKIE = 'linkis_user_session_ticket_id_v1';

/**
 * The gateway's ticket -> last-access map (SSOUtils.userTicketIdToLastAccessTime). It lives in gateway
 * memory only, so a gateway restart logs everyone out while their cookies still look fine.
 */
export class SessionStore {
  readonly #clock: Clock;
  readonly #timeoutMs: number;
  readonly #touchFraction: number;
  #tickets = new Map<string, { user: string; lastAccess: number }>();

  constructor(clock: Clock, timeoutMs: number, touchFraction: number) {
    this.#clock = clock;
    this.#timeoutMs = timeoutMs;
    this.#touchFraction = touchFraction;
  }

  get timeoutMs(): number {
    return this.#timeoutMs;
  }

  create(user: string): string {
    // Real tickets are the encrypted "user,loginTime"; opaque random text serves a client just as well.
    const ticket = randomBytes(24).toString('base64url');
    this.#tickets.set(ticket, { user, lastAccess: this.#clock.now() });
    return ticket;
  }

  /**
   * The logged-in user of a ticket, or undefined when it is unknown or idle too long. Like
   * isTimeoutOrNot, a request refreshes the last access only once touchFraction of the timeout has
   * passed, so a steady poller keeps its session but a session can lapse after half the timeout.
   */
  lookup(ticket: string): string | undefined {
    const entry = this.#tickets.get(ticket);
    if (entry === undefined) return undefined;
    const now = this.#clock.now();
    const idle = now - entry.lastAccess;
    if (idle > this.#timeoutMs) {
      this.#tickets.delete(ticket);
      return undefined;
    }
    if (idle >= this.#timeoutMs * this.#touchFraction) entry.lastAccess = now;
    return entry.user;
  }

  remove(ticket: string): void {
    this.#tickets.delete(ticket);
  }

  clear(): void {
    this.#tickets.clear();
  }

  /** Lapsed tickets are left out: a lookup would only drop them. */
  snapshot(): SessionState {
    const now = this.#clock.now();
    return [...this.#tickets].filter(([, entry]) => now - entry.lastAccess <= this.#timeoutMs).map(([ticket, entry]) => [ticket, { ...entry }]);
  }

  restore(state: SessionState): void {
    this.#tickets = new Map(state.map(([ticket, entry]) => [ticket, { ...entry }]));
  }
}

/** Ticket -> the logged-in user and the last access that counts. */
export type SessionState = Array<[string, { user: string; lastAccess: number }]>;

/** Cookie header -> name -> values (first occurrence first). */
export function parseCookies(header: string | string[] | undefined): Map<string, string[]> {
  const cookies = new Map<string, string[]>();
  const lines = Array.isArray(header) ? header : header === undefined ? [] : [header];
  for (const line of lines) {
    for (const part of line.split(';')) {
      const eq = part.indexOf('=');
      if (eq <= 0) continue;
      const name = part.slice(0, eq).trim();
      const value = part.slice(eq + 1).trim();
      const values = cookies.get(name);
      if (values === undefined) cookies.set(name, [value]);
      else values.push(value);
    }
  }
  return cookies;
}

/** The session cookie as SSOUtils.setLoginUser builds it (maxAge -1: a browser-session cookie). */
export function ticketCookie(ticket: string): string {
  return `${TICKET_COOKIE}=${ticket}; Path=/`;
}

/** An emptied cookie (maxAge 0), as logout and clearExpireCookie send it. */
export function clearedTicketCookie(domain?: string): string {
  const base = `${TICKET_COOKIE}=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/`;
  return domain === undefined ? base : `${base}; Domain=${domain}`;
}

/** GatewaySSOUtils.getCookieDomain, for the cookies login clears before setting a new one. */
export function cookieDomain(host: string, level: number): string {
  if (/^[a-zA-Z][a-zA-Z0-9.]+$/.test(host)) {
    const domains = host.split('.');
    const index = domains.length > level ? level : domains.length === level ? level - 1 : domains.length;
    if (index < 0) return host;
    const parsed = domains.slice(domains.length - index);
    if (parsed.length < level) return host;
    const domain = parsed.join('.');
    return domains.length >= level ? `.${domain}` : domain;
  }
  const ip = /^([^:]+):.+$/.exec(host);
  return ip !== null ? ip[1]! : host;
}

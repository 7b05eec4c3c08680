import type { AuthHook, HttpResponse } from '../../http/transport.ts';
import type { SecretRef, SecretSource } from '../../targets/secrets.ts';
import { readEnvelope } from './envelope.ts';
import { LinkisError } from './errors.ts';

/** A target's credentials: a gateway token, or a user's password (a login session). */
export type LinkisAuth = { type: 'token'; user: string; token: SecretRef } | { type: 'password'; user: string; password: SecretRef };

/** The session cookie the gateway sets at login (wds.linkis.session.ticket.key). */
export const ticketCookie = 'linkis_user_session_ticket_id_v1';

/** Credentials could not be had: the call they were for was never sent. */
export class LinkisAuthError extends LinkisError {
  constructor(message: string, details: { method: string; url: string; cause?: unknown }) {
    super(message, { ...details, mayHaveReachedBackend: false });
    this.name = 'LinkisAuthError';
  }
}

/** Logs in and returns the session ticket; throws LinkisAuthError. */
export type Login = (user: string, password: string, signal: AbortSignal | undefined) => Promise<string>;

/**
 * The gateway's two ways in. Token: `Token-Code` and `Token-User` on every call (as the official client's
 * TokenAuthenticationStrategy sends them). Password: one login per container, its ticket cookie on every
 * call, and a new login when the gateway says the session is gone. Either way, an answer of status -1
 * (HTTP 401) comes from the gateway's security filter before any service saw the call, so the one replay
 * the transport then makes cannot repeat an effect; the credential is read fresh first (it may have been
 * rotated).
 */
export function linkisAuthHook(auth: LinkisAuth, secrets: SecretSource, login: Login): AuthHook {
  let secret: Promise<string> | undefined;
  let fresh = false;
  const credential = () => {
    secret ??= secrets.read(auth.type === 'token' ? auth.token : auth.password, { fresh });
    fresh = false;
    return secret;
  };
  let ticket: Promise<string> | undefined;
  // One login at a time: the calls that need a session while it is being opened wait for the same one.
  const session = (signal: AbortSignal | undefined) => {
    ticket ??= credential()
      .then((password) => login(auth.user, password, signal))
      .catch((error: unknown) => {
        ticket = undefined;
        throw error;
      });
    return ticket;
  };
  return {
    async authorize(request, signal) {
      if (auth.type === 'token') return { 'Token-Code': await credential(), 'Token-User': auth.user };
      try {
        return { cookie: `${ticketCookie}=${await session(signal)}` };
      } catch (error) {
        if (error instanceof LinkisError) throw error;
        throw new LinkisAuthError(`no session: ${(error as Error).message}`, { method: request.method, url: request.url.origin, cause: error });
      }
    },
    async rejectedBeforeService(response: HttpResponse) {
      if (readEnvelope(response.text)?.status !== -1) return false;
      secret = undefined;
      fresh = true;
      ticket = undefined;
      return true;
    },
  };
}

/** The ticket of a login answer's `Set-Cookie`. */
export function ticketOf(setCookie: string | string[] | undefined): string | undefined {
  const cookies = Array.isArray(setCookie) ? setCookie : setCookie === undefined ? [] : [setCookie];
  // The gateway may first clear a stale ticket (Max-Age=0); the one it sets is the last with a value.
  let found: string | undefined;
  for (const cookie of cookies) {
    const [pair, ...attributes] = cookie.split(';');
    const eq = pair!.indexOf('=');
    if (eq < 0 || pair!.slice(0, eq).trim() !== ticketCookie) continue;
    const value = pair!.slice(eq + 1).trim();
    const cleared = attributes.some((a) => /^\s*max-age\s*=\s*0\s*$/i.test(a)) || value === '';
    if (!cleared) found = value;
  }
  return found;
}

import type { TargetConfigReader } from '../backend.ts';
import type { LinkisAuth } from './auth.ts';

/** A Linkis target's own keys: how to get in, and when a run counts as near its end. */
export interface LinkisTargetConfig {
  auth: LinkisAuth;
  /** Progress (0–1) from which a running task is checked every pass. */
  nearEndProgress: number;
}

const keys = ['auth', 'nearEndProgress'];

export function parseLinkisTarget(raw: Record<string, unknown>, reader: TargetConfigReader): LinkisTargetConfig {
  for (const key of Object.keys(raw)) if (!keys.includes(key)) reader.fail(key, `unknown key (known for linkis: backend, url, timeouts, ${keys.join(', ')})`);
  const auth = raw.auth;
  if (auth === undefined) reader.fail('auth', 'is required: { "type": "token", "user", "token" } or { "type": "password", "user", "password" }');
  if (typeof auth !== 'object' || auth === null || Array.isArray(auth)) return reader.fail('auth', 'must be an object');
  const a = auth as Record<string, unknown>;
  const user = typeof a.user === 'string' && a.user.trim() ? a.user : reader.fail('auth.user', 'is required (the Linkis user the tasks run as)');
  let parsed: LinkisAuth;
  if (a.type === 'token') {
    for (const key of Object.keys(a))
      if (!['type', 'user', 'token'].includes(key)) reader.fail(`auth.${key}`, 'unknown key (known for token auth: type, user, token)');
    parsed = { type: 'token', user, token: reader.secret('auth.token', a.token) };
  } else if (a.type === 'password') {
    for (const key of Object.keys(a))
      if (!['type', 'user', 'password'].includes(key)) reader.fail(`auth.${key}`, 'unknown key (known for password auth: type, user, password)');
    parsed = { type: 'password', user, password: reader.secret('auth.password', a.password) };
  } else {
    return reader.fail('auth.type', `must be "token" or "password", got ${JSON.stringify(a.type)}`);
  }
  let nearEndProgress = 0.9;
  if (raw.nearEndProgress !== undefined) {
    if (typeof raw.nearEndProgress !== 'number' || !(raw.nearEndProgress > 0 && raw.nearEndProgress <= 1))
      reader.fail('nearEndProgress', 'must be a number in (0, 1]');
    nearEndProgress = raw.nearEndProgress as number;
  }
  return { auth: parsed, nearEndProgress };
}

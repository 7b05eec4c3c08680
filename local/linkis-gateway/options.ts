import { randomInt } from 'node:crypto';
import { BUILT_IN_PLAN, defaultPlan } from './plan.ts';
import type { Clock, JobPlan, LinkisGatewayOptions, PlanFn, TokenEntry, UserEntry } from './types.ts';

export interface ResolvedOptions {
  port: number;
  host: string;
  clock: Clock;
  seed: number;
  hostName: string;
  entranceInstances: string[];
  publicServiceInstance: string;
  users: UserEntry[];
  adminUsers: string[];
  tokenAuth: boolean;
  tokens: TokenEntry[];
  sessionTimeoutMs: number;
  sessionTouchFraction: number;
  expiredSessionMessage: 'expired' | 'not-logged-in';
  evictAfterMs: number;
  planDefaults: JobPlan;
  plan: PlanFn;
  timeoutStatus: 'Timeout' | 'Cancelled';
  killAfterFinish: 'flip-to-cancelled' | 'keep';
  cleanUnfinishedOnRestart: boolean;
  prohibitSystemUserLogin: boolean;
  stateFile: string | undefined;
}

const KNOWN_OPTIONS = new Set<string>([
  'port',
  'host',
  'clock',
  'seed',
  'hostName',
  'entranceInstances',
  'publicServiceInstance',
  'users',
  'adminUsers',
  'tokenAuth',
  'tokens',
  'sessionTimeoutMs',
  'sessionTouchFraction',
  'expiredSessionMessage',
  'evictAfterMs',
  'durations',
  'plan',
  'timeoutStatus',
  'killAfterFinish',
  'cleanUnfinishedOnRestart',
  'prohibitSystemUserLogin',
  'stateFile',
]);
const KNOWN_DURATIONS = new Set(['initedMs', 'scheduledMs', 'runningMs']);
const KNOWN_TOKEN_KEYS = new Set(['token', 'user', 'hosts', 'stale', 'admin']);
const KNOWN_USER_KEYS = new Set(['userName', 'password']);
// host:port; no '_' (the execID joins instances with '_') and no ',' (jobhistory splits instances on it).
const INSTANCE_NAME = /^[A-Za-z0-9.-]+:\d{1,5}$/;

/** Fills in defaults; unknown keys and impossible values fail loudly so typos do not go unnoticed. */
export function resolveOptions(options: LinkisGatewayOptions): ResolvedOptions {
  rejectUnknown(options as Record<string, unknown>, KNOWN_OPTIONS, 'option');
  const entranceInstances = options.entranceInstances ?? ['localhost:9104'];
  if (entranceInstances.length === 0) fail('entranceInstances must not be empty');
  for (const name of entranceInstances) {
    if (!INSTANCE_NAME.test(name)) fail(`entrance instance "${name}" must look like host:port (no "_" or ",")`);
  }
  if (new Set(entranceInstances).size !== entranceInstances.length) fail('entranceInstances must be unique');
  const publicServiceInstance = options.publicServiceInstance ?? 'localhost:9105';
  if (!INSTANCE_NAME.test(publicServiceInstance)) fail(`publicServiceInstance "${publicServiceInstance}" must look like host:port`);

  const users = (options.users ?? [{ userName: 'hadoop', password: 'hadoop' }]).map((u) => {
    rejectUnknown(u as unknown as Record<string, unknown>, KNOWN_USER_KEYS, 'user key');
    if (typeof u.userName !== 'string' || u.userName === '') fail('every user needs a userName');
    if (typeof u.password !== 'string') fail(`user ${u.userName} needs a password`);
    return { ...u };
  });
  const tokens = (options.tokens ?? [{ token: 'LINKIS-AUTH', user: '*' }]).map((t) => {
    rejectUnknown(t as unknown as Record<string, unknown>, KNOWN_TOKEN_KEYS, 'token key');
    if (typeof t.token !== 'string' || t.token === '') fail('every token needs a token');
    if (typeof t.user !== 'string' || t.user === '') fail(`token ${t.token} needs a user ('*' for any)`);
    return { ...t };
  });

  const durations = options.durations ?? {};
  rejectUnknown(durations as Record<string, unknown>, KNOWN_DURATIONS, 'durations key');
  const planDefaults: JobPlan = { ...BUILT_IN_PLAN };
  for (const key of ['initedMs', 'scheduledMs', 'runningMs'] as const) {
    const value = durations[key];
    if (value !== undefined) planDefaults[key] = nonNegative(value, `durations.${key}`);
  }

  if (options.stateFile !== undefined && (typeof options.stateFile !== 'string' || options.stateFile === '')) fail('stateFile must be a file path');

  const sessionTouchFraction = options.sessionTouchFraction ?? 0.5;
  if (!(sessionTouchFraction >= 0 && sessionTouchFraction <= 1)) fail('sessionTouchFraction must be within 0..1');
  const sessionTimeoutMs = nonNegative(options.sessionTimeoutMs ?? 3_600_000, 'sessionTimeoutMs');
  if (sessionTimeoutMs === 0) fail('sessionTimeoutMs must be > 0');

  return {
    port: options.port ?? 0,
    host: options.host ?? '127.0.0.1',
    clock: options.clock ?? { now: () => Date.now() },
    seed: options.seed ?? randomInt(0, 2 ** 32 - 1),
    hostName: options.hostName ?? 'localhost',
    entranceInstances: [...entranceInstances],
    publicServiceInstance,
    users,
    adminUsers: [...(options.adminUsers ?? ['hadoop'])],
    tokenAuth: options.tokenAuth ?? true,
    tokens,
    sessionTimeoutMs,
    sessionTouchFraction,
    expiredSessionMessage: oneOf(options.expiredSessionMessage, ['expired', 'not-logged-in'] as const, 'expiredSessionMessage'),
    evictAfterMs: nonNegative(options.evictAfterMs ?? 60_000, 'evictAfterMs'),
    planDefaults,
    plan: options.plan ?? defaultPlan,
    timeoutStatus: oneOf(options.timeoutStatus, ['Timeout', 'Cancelled'] as const, 'timeoutStatus'),
    killAfterFinish: oneOf(options.killAfterFinish, ['flip-to-cancelled', 'keep'] as const, 'killAfterFinish'),
    cleanUnfinishedOnRestart: options.cleanUnfinishedOnRestart ?? true,
    prohibitSystemUserLogin: options.prohibitSystemUserLogin ?? false,
    stateFile: options.stateFile,
  };
}

function oneOf<T extends string>(value: T | undefined, allowed: readonly [T, ...T[]], name: string): T {
  if (value === undefined) return allowed[0];
  if (!allowed.includes(value)) fail(`${name} must be one of ${allowed.join(', ')}`);
  return value;
}

function nonNegative(value: number, name: string): number {
  if (!(typeof value === 'number' && value >= 0 && Number.isFinite(value))) fail(`${name} must be a number >= 0`);
  return value;
}

function rejectUnknown(object: Record<string, unknown>, known: Set<string>, what: string): void {
  for (const key of Object.keys(object)) if (!known.has(key)) fail(`unknown ${what} "${key}"`);
}

function fail(message: string): never {
  throw new TypeError(`linkis-gateway: ${message}`);
}

import type { LogLevel } from './logger.ts';

/** A missing or malformed setting, naming the environment variable. */
export class ConfigError extends Error {
  readonly variable: string;

  constructor(variable: string, problem: string) {
    super(`configuration: ${variable} ${problem}`);
    this.name = 'ConfigError';
    this.variable = variable;
  }
}

type Env = Record<string, string | undefined>;

export function requireVar(env: Env, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new ConfigError(name, 'is not set');
  return value;
}

export function requireUrl(env: Env, name: string): string {
  const value = requireVar(env, name);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(name, `is not a URL: ${JSON.stringify(value)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(name, `must be an http(s) URL, got ${url.protocol}`);
  return value;
}

export function integerVar(env: Env, name: string, fallback: number, min: number, max: number): number {
  const problem = new ConfigError(name, `must be an integer from ${min} to ${max}, got ${JSON.stringify(env[name]?.trim())}`);
  let n: number;
  try {
    n = numberVar(env, name, fallback, min, max);
  } catch {
    throw problem;
  }
  if (!Number.isInteger(n)) throw problem;
  return n;
}

export function numberVar(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max) throw new ConfigError(name, `must be a number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  return n;
}

export function listVar(env: Env, name: string, fallback: string[]): string[] {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** A JSON array of regular expressions, each checked to compile. */
export function patternsVar(env: Env, name: string, fallback: string[]): string[] {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigError(name, 'must be a JSON array of regular expressions, e.g. ["permission denied","table .* not found"]');
  }
  if (!Array.isArray(parsed) || !parsed.every((p) => typeof p === 'string')) throw new ConfigError(name, 'must be a JSON array of strings');
  for (const pattern of parsed as string[]) {
    try {
      new RegExp(pattern, 'i');
    } catch (error) {
      throw new ConfigError(name, `holds an invalid regular expression ${JSON.stringify(pattern)}: ${(error as Error).message}`);
    }
  }
  return parsed as string[];
}

export function choiceVar<T extends string>(env: Env, name: string, choices: readonly T[], fallback: T): T {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const match = choices.find((c) => c === raw);
  if (!match) throw new ConfigError(name, `must be one of ${choices.join(', ')}, got ${JSON.stringify(raw)}`);
  return match;
}

export function logLevelVar(env: Env): LogLevel {
  return choiceVar(env, 'LOG_LEVEL', ['debug', 'info', 'warn', 'error'], 'info');
}

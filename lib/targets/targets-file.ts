import type { BackendModule, TargetConfigReader, TargetDefinition } from '../backends/backend.ts';
import type { SecretRef } from './secrets.ts';

/**
 * The targets file (TARGETS_FILE): the named systems a deployment talks to. Validated whole when loaded;
 * every error names the path of the offending entry, e.g. `targets.<name>.auth.secretKey: …`. Generic keys
 * (backend, url, timeouts) are read here, the rest by the backend's module.
 */
export interface TargetsConfig {
  default?: string;
  targets: Map<string, TargetDefinition>;
}

/** The backends this build knows, by id (the catalogue is one). */
export interface ModuleLookup {
  get(id: string): BackendModule | undefined;
  ids(): string[];
}

export class TargetsFileError extends Error {
  readonly path: string;

  constructor(source: string, path: string, problem: string) {
    super(`${source}: ${path}: ${problem}`);
    this.name = 'TargetsFileError';
    this.path = path;
  }
}

const namePattern = /^[A-Za-z0-9_-]{1,64}$/;
const envNamePattern = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const genericKeys = ['backend', 'url', 'timeouts', 'maxConcurrent', 'maxConcurrentPerDestination'];
const maxLimit = 10_000;
const timeoutKeys = ['connectMs', 'headersMs', 'bodyMs'] as const;

export function parseTargetsDocument(document: unknown, source: string, modules: ModuleLookup): TargetsConfig {
  const fail = (path: string, problem: string): never => {
    throw new TargetsFileError(source, path, problem);
  };
  const root = isObject(document) ? document : fail('(root)', 'must be a JSON object with "targets"');
  for (const key of Object.keys(root)) if (key !== 'default' && key !== 'targets') fail(key, 'unknown key (known: default, targets)');
  const entries = isObject(root.targets) ? root.targets : fail('targets', root.targets === undefined ? 'is required' : 'must be an object of named targets');
  if (Object.keys(entries).length === 0) fail('targets', 'must name at least one target');

  const targets = new Map<string, TargetDefinition>();
  for (const [name, raw] of Object.entries(entries)) {
    const path = `targets.${name}`;
    if (!namePattern.test(name)) fail(path, 'a target name is 1–64 letters, digits, _ or -');
    const entry = isObject(raw) ? raw : fail(path, 'must be an object');
    const backend =
      typeof entry.backend === 'string' ? entry.backend : fail(`${path}.backend`, entry.backend === undefined ? 'is required' : 'must be a string');
    const module = modules.get(backend) ?? fail(`${path}.backend`, `unknown backend ${JSON.stringify(backend)} (known: ${modules.ids().join(', ')})`);
    const url = parseUrl(entry.url, `${path}.url`, fail);
    const target: TargetDefinition = { name, backend, url, config: undefined };
    if (entry.timeouts !== undefined) target.timeouts = parseTimeouts(entry.timeouts, `${path}.timeouts`, fail);
    const own = Object.fromEntries(Object.entries(entry).filter(([key]) => !genericKeys.includes(key)));
    for (const key of ['maxConcurrent', 'maxConcurrentPerDestination'] as const) {
      const value = entry[key];
      if (value === undefined) continue;
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > maxLimit)
        fail(`${path}.${key}`, `must be an integer from 1 to ${maxLimit}, got ${JSON.stringify(value)}`);
      target.limits = { ...target.limits, [key]: value };
    }
    target.config = module.parseTargetConfig(own, readerFor(path, fail));
    targets.set(name, target);
  }

  const config: TargetsConfig = { targets };
  if (root.default !== undefined) {
    if (typeof root.default !== 'string' || !targets.has(root.default)) fail('default', `must name one of the targets (${[...targets.keys()].join(', ')})`);
    config.default = root.default as string;
  } else if (targets.size === 1) {
    config.default = [...targets.keys()][0]!;
  }
  return config;
}

/** What a module is given to read its own keys: failures carry the target's path; secrets are checked to be references. */
function readerFor(path: string, fail: (path: string, problem: string) => never): TargetConfigReader {
  return {
    fail: (key, problem) => fail(`${path}.${key}`, problem),
    secret: (key, value) => parseSecretRef(value, `${path}.${key}`, fail),
  };
}

export function parseSecretRef(value: unknown, path: string, fail: (path: string, problem: string) => never): SecretRef {
  const expected = 'must be a secret reference, { "env": "NAME" } or { "secret": "<Secrets Manager name or ARN>", "key": "<field>" }';
  if (typeof value === 'string') fail(path, `${expected}: a plain-text secret is refused (it would sit in the file, the package and the template)`);
  if (!isObject(value)) fail(path, value === undefined ? `is required; it ${expected.slice(5)}` : expected);
  const ref = value as Record<string, unknown>;
  if ('env' in ref) {
    for (const key of Object.keys(ref)) if (key !== 'env') fail(`${path}.${key}`, 'unknown key (an env reference has only "env")');
    if (typeof ref.env !== 'string' || !envNamePattern.test(ref.env)) fail(`${path}.env`, 'must be an environment variable name');
    return { env: ref.env as string };
  }
  if ('secret' in ref) {
    for (const key of Object.keys(ref))
      if (key !== 'secret' && key !== 'key') fail(`${path}.${key}`, 'unknown key (a secret reference has "secret" and an optional "key")');
    if (typeof ref.secret !== 'string' || !ref.secret.trim()) fail(`${path}.secret`, 'must be the name or ARN of a Secrets Manager secret');
    if (ref.key !== undefined && (typeof ref.key !== 'string' || !ref.key)) fail(`${path}.key`, 'must be the name of a field of the JSON secret');
    return ref.key === undefined ? { secret: ref.secret as string } : { secret: ref.secret as string, key: ref.key as string };
  }
  return fail(path, expected);
}

function parseUrl(value: unknown, path: string, fail: (path: string, problem: string) => never): string {
  if (value === undefined) fail(path, 'is required');
  if (typeof value !== 'string') fail(path, 'must be a string');
  let url: URL;
  try {
    url = new URL(value as string);
  } catch {
    return fail(path, `is not a URL: ${JSON.stringify(value)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') fail(path, `must be an http(s) URL, got ${url.protocol}`);
  if (url.username || url.password) fail(path, "must not carry credentials (a plain-text secret); give them in the target's auth");
  if (url.search || url.hash) fail(path, 'must not carry a query or fragment');
  return value as string;
}

function parseTimeouts(value: unknown, path: string, fail: (path: string, problem: string) => never): NonNullable<TargetDefinition['timeouts']> {
  if (!isObject(value)) return fail(path, `must be an object with ${timeoutKeys.join(', ')}`);
  const timeouts: Record<string, number> = {};
  for (const [key, ms] of Object.entries(value)) {
    if (!(timeoutKeys as readonly string[]).includes(key)) fail(`${path}.${key}`, `unknown key (known: ${timeoutKeys.join(', ')})`);
    if (typeof ms !== 'number' || !Number.isInteger(ms) || ms < 100 || ms > 120_000)
      fail(`${path}.${key}`, 'must be an integer number of milliseconds from 100 to 120000');
    timeouts[key] = ms as number;
  }
  return timeouts;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// The targets file: validated whole at load, every refusal naming the path of the entry at fault; the
// default target; the environment alone as one target; and the rules that tie a request to a target.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BackendModule } from '../../../lib/backends/backend.ts';
import { backendCatalog } from '../../../lib/backends/catalog.ts';
import { ConfigError } from '../../../lib/config.ts';
import { RequestValidationError } from '../../../lib/request/validation-error.ts';
import { loadTargets } from '../../../lib/targets/load-targets.ts';
import { parseTargetsDocument, TargetsFileError } from '../../../lib/targets/targets-file.ts';
import { fakeModule } from '../../support/fake-backend.ts';

// The catalogue, plus a backend whose targets carry a secret (what a token-authenticated API needs).
const modules = [...backendCatalog.all(), fakeModule() as BackendModule];
const lookup = { get: (id: string) => modules.find((m) => m.id === id), ids: () => modules.map((m) => m.id), all: () => modules };
const parse = (document: unknown) => parseTargetsDocument(document, 'targets.json', lookup);

function refusal(document: unknown): string {
  try {
    parse(document);
  } catch (error) {
    if (error instanceof TargetsFileError) return error.message;
    throw error;
  }
  throw new Error('expected a TargetsFileError');
}

const lindorm = { backend: 'lindorm-bulkload', url: 'http://ld-master1:12311' };
const fake = { backend: 'fake', url: 'https://fake.example', auth: { token: { secret: 'bulkpilot/fake-token', key: 'token' } } };

describe('a valid targets file', () => {
  it('names targets of several backends, with their timeouts and secret references', () => {
    const config = parse({ default: 'lindorm', targets: { lindorm: { ...lindorm, timeouts: { connectMs: 2_000 }, nearEndStages: ['MERGE'] }, other: fake } });
    expect(config.default).toBe('lindorm');
    expect(config.targets.get('lindorm')).toMatchObject({ name: 'lindorm', backend: 'lindorm-bulkload', url: lindorm.url, timeouts: { connectMs: 2_000 } });
    expect(config.targets.get('lindorm')!.config).toMatchObject({ nearEndStages: ['MERGE'] });
    expect(config.targets.get('other')!.config).toEqual({ token: { secret: 'bulkpilot/fake-token', key: 'token' } });
  });

  it('makes the only target the default; with several and none named, there is none', () => {
    expect(parse({ targets: { only: lindorm } }).default).toBe('only');
    expect(parse({ targets: { a: lindorm, b: fake } }).default).toBeUndefined();
  });

  it('takes an environment reference for a secret (local use)', () => {
    expect(parse({ targets: { other: { ...fake, auth: { token: { env: 'FAKE_TOKEN' } } } } }).targets.get('other')!.config).toEqual({
      token: { env: 'FAKE_TOKEN' },
    });
  });
});

describe('a targets file that is refused, with the path of the entry at fault', () => {
  it.each([
    ['an unknown top-level key', { targets: { a: lindorm }, defualt: 'a' }, 'targets.json: defualt: unknown key'],
    ['no targets', { targets: {} }, 'targets.json: targets: must name at least one target'],
    ['an unknown key of a target', { targets: { a: { ...lindorm, sufix: 1 } } }, 'targets.json: targets.a.sufix: unknown key'],
    ['a missing URL', { targets: { a: { backend: 'lindorm-bulkload' } } }, 'targets.json: targets.a.url: is required'],
    ['a URL that is not one', { targets: { a: { ...lindorm, url: 'ld-master1:12311' } } }, 'targets.json: targets.a.url: must be an http(s) URL'],
    ['a URL with credentials', { targets: { a: { ...lindorm, url: 'http://admin:pw@ld-master1:12311' } } }, 'targets.a.url: must not carry credentials'],
    [
      'an unknown backend',
      { targets: { a: { ...lindorm, backend: 'oracle' } } },
      `targets.json: targets.a.backend: unknown backend "oracle" (known: ${modules.map((m) => m.id).join(', ')})`,
    ],
    ['a plain-text secret', { targets: { f: { ...fake, auth: { token: 'hunter2' } } } }, 'targets.json: targets.f.auth.token: must be a secret reference'],
    [
      'a secret reference with an unknown key',
      { targets: { f: { ...fake, auth: { token: { secret: 'x', field: 'y' } } } } },
      'targets.f.auth.token.field: unknown key',
    ],
    [
      'an env reference that is no variable name',
      { targets: { f: { ...fake, auth: { token: { env: 'fake token' } } } } },
      'targets.f.auth.token.env: must be an environment variable name',
    ],
    [
      'a timeout out of range',
      { targets: { a: { ...lindorm, timeouts: { headersMs: 5 } } } },
      'targets.a.timeouts.headersMs: must be an integer number of milliseconds',
    ],
    ['an unknown timeout', { targets: { a: { ...lindorm, timeouts: { readMs: 5_000 } } } }, 'targets.a.timeouts.readMs: unknown key'],
    ['a default that names no target', { default: 'b', targets: { a: lindorm } }, 'targets.json: default: must name one of the targets (a)'],
    ['a bad target name', { targets: { 'a b': lindorm } }, 'targets.a b: a target name is 1–64 letters'],
    ['auth on a backend that has none', { targets: { a: { ...lindorm, auth: { token: { env: 'X' } } } } }, 'targets.a.auth: lindorm-bulkload takes no auth'],
    ['a concurrency limit of 0', { targets: { a: { ...lindorm, maxConcurrent: 0 } } }, 'targets.a.maxConcurrent: must be an integer from 1 to 10000, got 0'],
    [
      'a per-destination limit that is not a number',
      { targets: { a: { ...lindorm, maxConcurrentPerDestination: '1' } } },
      'targets.a.maxConcurrentPerDestination: must be an integer from 1 to 10000, got "1"',
    ],
  ])('%s', (_what, document, message) => {
    expect(refusal(document)).toContain(message);
  });

  it('never repeats a plain-text secret it refuses', () => {
    expect(refusal({ targets: { f: { ...fake, auth: { token: 'hunter2-plain' } } } })).not.toContain('hunter2-plain');
    expect(refusal({ targets: { a: { ...lindorm, url: 'http://admin:pw-in-url@ld-master1:12311' } } })).not.toContain('pw-in-url');
  });
});

describe('loading the targets of a deployment', () => {
  const root = () => {
    const dir = mkdtempSync(join(tmpdir(), 'targets-'));
    mkdirSync(join(dir, 'config'));
    return dir;
  };

  it('reads TARGETS_FILE relative to the function root', () => {
    const dir = root();
    writeFileSync(join(dir, 'config', 'prod.json'), JSON.stringify({ targets: { ld: lindorm } }));
    const targets = loadTargets({ LAMBDA_TASK_ROOT: dir, TARGETS_FILE: 'config/prod.json', BDS_MASTER_URL: 'http://ignored:1' }, backendCatalog);
    expect(targets.names()).toEqual(['ld']);
  });

  it('reads config/targets.json when it exists and TARGETS_FILE is empty', () => {
    const dir = root();
    writeFileSync(join(dir, 'config', 'targets.json'), JSON.stringify({ targets: { shipped: lindorm } }));
    expect(loadTargets({ LAMBDA_TASK_ROOT: dir, TARGETS_FILE: '' }, backendCatalog).names()).toEqual(['shipped']);
  });

  it('makes BDS_MASTER_URL alone one Lindorm target named lindorm, the default', () => {
    const targets = loadTargets({ LAMBDA_TASK_ROOT: root(), BDS_MASTER_URL: 'http://ld-master1:12311', LINDORM_HEADERS_TIMEOUT_MS: '4000' }, backendCatalog);
    expect(targets.defaultName).toBe('lindorm');
    expect(targets.get('lindorm')).toMatchObject({ backend: 'lindorm-bulkload', url: 'http://ld-master1:12311', timeouts: { headersMs: 4_000 } });
  });

  it('fails naming what to set when there is no file and no target in the environment', () => {
    expect(() => loadTargets({ LAMBDA_TASK_ROOT: root() }, backendCatalog)).toThrow(ConfigError);
    expect(() => loadTargets({ LAMBDA_TASK_ROOT: root() }, backendCatalog)).toThrow(/TARGETS_FILE is not set .*BDS_MASTER_URL/);
  });

  it('names the file that is not JSON', () => {
    const dir = root();
    writeFileSync(join(dir, 'config', 'bad.json'), '{ "targets": ');
    expect(() => loadTargets({ LAMBDA_TASK_ROOT: dir, TARGETS_FILE: 'config/bad.json' }, backendCatalog)).toThrow(
      /TARGETS_FILE \(.*bad\.json\) cannot be read as JSON/,
    );
  });
});

describe('which target a request goes to', () => {
  const targets = () => {
    const dir = mkdtempSync(join(tmpdir(), 'targets-'));
    writeFileSync(join(dir, 't.json'), JSON.stringify({ default: 'ld', targets: { ld: lindorm, ld2: lindorm, f: fake } }));
    return loadTargets({ LAMBDA_TASK_ROOT: dir, TARGETS_FILE: 't.json' }, lookup);
  };
  const why = (requested: Record<string, unknown>) => {
    try {
      targets().resolve(requested);
    } catch (error) {
      if (error instanceof RequestValidationError) return `${error.field}: ${error.reason}`;
      throw error;
    }
    return 'resolved';
  };

  it('is the one it names, else the default', () => {
    expect(targets().resolve({}).target.name).toBe('ld');
    expect(targets().resolve({ target: 'ld2' }).target.name).toBe('ld2');
    expect(targets().resolve({ target: 'f', backend: 'fake' }).module.id).toBe('fake');
  });

  it('is never chosen by backend alone: a backend that is not the target’s is refused with the candidates', () => {
    expect(why({ backend: 'fake' })).toBe('backend: must equal the backend of the default target ld (lindorm-bulkload); targets of backend fake: f');
    expect(why({ target: 'ld', backend: 'fake' })).toMatch(/^backend: must equal the backend of target ld/);
    expect(why({ target: 'nope' })).toBe('target: unknown target "nope" (targets: ld, ld2, f)');
  });

  it('places a task written before targets existed by its backend', () => {
    expect(targets().targetOf({ backend: 'lindorm-bulkload' })).toBe('ld');
    expect(targets().targetOf({ backend: 'fake' })).toBe('f');
    expect(targets().targetOf({ target: 'ld2', backend: 'lindorm-bulkload' })).toBe('ld2');
  });
});

describe('concurrency limits in the targets file', () => {
  it("keeps a target's maxConcurrent and maxConcurrentPerDestination", () => {
    const config = parseTargetsDocument(
      { targets: { a: { backend: 'lindorm-bulkload', url: 'http://m:12311', maxConcurrent: 3, maxConcurrentPerDestination: 1 } } },
      'targets.json',
      backendCatalog,
    );
    expect(config.targets.get('a')!.limits).toEqual({ maxConcurrent: 3, maxConcurrentPerDestination: 1 });
  });
});

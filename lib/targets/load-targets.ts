import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { TargetDefinition } from '../backends/backend.ts';
import { ConfigError } from '../config.ts';
import { Targets } from './targets.ts';
import { type ModuleLookup, parseTargetsDocument, type TargetsConfig } from './targets-file.ts';

type Env = Record<string, string | undefined>;

/** The targets file when the deployment names none but ships one. */
export const defaultTargetsFile = 'config/targets.json';

/**
 * The deployment's targets: TARGETS_FILE (absolute, or relative to the function's root), else
 * config/targets.json when it exists, else what the backends make of the environment alone (one server's
 * URL). Validated here, so a bad file fails the function's start with the path of the bad entry.
 */
export function loadTargets(
  env: Env,
  modules: ModuleLookup & { all(): readonly { targetFromEnvironment?: (env: Env) => TargetDefinition | undefined; environment?: readonly string[] }[] },
): Targets {
  const root = env.LAMBDA_TASK_ROOT ?? process.cwd();
  const named = env.TARGETS_FILE?.trim();
  const file = named || (existsSync(join(root, defaultTargetsFile)) ? defaultTargetsFile : undefined);
  if (file) {
    const path = isAbsolute(file) ? file : join(root, file);
    let document: unknown;
    try {
      document = JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      throw new ConfigError('TARGETS_FILE', `(${path}) cannot be read as JSON: ${(error as Error).message}`);
    }
    return new Targets(parseTargetsDocument(document, file, modules), modules);
  }
  const implicit = modules.all().flatMap((m) => m.targetFromEnvironment?.(env) ?? []);
  if (implicit.length === 0) {
    const variables = modules.all().flatMap((m) => m.environment?.slice(0, 1) ?? []);
    throw new ConfigError(
      'TARGETS_FILE',
      `is not set and no target comes from the environment (set TARGETS_FILE${variables.length ? `, or ${variables.join(' or ')}` : ''})`,
    );
  }
  const config: TargetsConfig = { targets: new Map(implicit.map((t) => [t.name, t])) };
  if (implicit.length === 1) config.default = implicit[0]!.name;
  return new Targets(config, modules);
}

import { integerVar, listVar, requireUrl } from '../../config.ts';
import type { TargetConfigReader, TargetDefinition } from '../backend.ts';
import { defaultNotFoundPattern } from './not-found.ts';

/** A Lindorm target's own keys. The bulk load API carries no credentials: access is by network (VPC, LTS whitelist). */
export interface LindormTargetConfig {
  /** Stages after which a proc usually ends soon: checked on every pass. */
  nearEndStages: string[];
  notFoundPattern: RegExp;
}

const keys = ['nearEndStages', 'notFoundPattern'];
export const defaultNearEndStages = ['WAIT_FOR_SUCCESS'];

export function parseLindormTarget(raw: Record<string, unknown>, reader: TargetConfigReader): LindormTargetConfig {
  for (const key of Object.keys(raw)) {
    if (key === 'auth') reader.fail(key, 'lindorm-bulkload takes no auth: its API carries no credentials (access is by network: VPC and the LTS whitelist)');
    if (!keys.includes(key)) reader.fail(key, `unknown key (known for lindorm-bulkload: backend, url, timeouts, ${keys.join(', ')})`);
  }
  const config: LindormTargetConfig = { nearEndStages: defaultNearEndStages, notFoundPattern: defaultNotFoundPattern };
  if (raw.nearEndStages !== undefined) {
    const stages = raw.nearEndStages;
    if (!Array.isArray(stages) || !stages.every((s) => typeof s === 'string' && s.trim())) reader.fail('nearEndStages', 'must be an array of stage names');
    config.nearEndStages = stages as string[];
  }
  if (raw.notFoundPattern !== undefined) {
    if (typeof raw.notFoundPattern !== 'string') reader.fail('notFoundPattern', 'must be a regular expression as a string');
    try {
      config.notFoundPattern = new RegExp(raw.notFoundPattern as string, 'i');
    } catch (error) {
      reader.fail('notFoundPattern', `is not a valid regular expression: ${(error as Error).message}`);
    }
  }
  return config;
}

/** Without a targets file, BDS_MASTER_URL alone is one Lindorm target named `lindorm`, the default. */
export function lindormTargetFromEnvironment(env: Record<string, string | undefined>): TargetDefinition<LindormTargetConfig> | undefined {
  if (!env.BDS_MASTER_URL?.trim()) return undefined;
  return {
    name: 'lindorm',
    backend: 'lindorm-bulkload',
    url: requireUrl(env, 'BDS_MASTER_URL'),
    timeouts: {
      connectMs: integerVar(env, 'LINDORM_CONNECT_TIMEOUT_MS', 3_000, 100, 60_000),
      headersMs: integerVar(env, 'LINDORM_HEADERS_TIMEOUT_MS', 10_000, 100, 120_000),
      bodyMs: integerVar(env, 'LINDORM_BODY_TIMEOUT_MS', 10_000, 100, 120_000),
    },
    config: { nearEndStages: listVar(env, 'LINDORM_NEAR_END_STAGES', defaultNearEndStages), notFoundPattern: defaultNotFoundPattern },
  };
}

export const lindormEnvironment = [
  'BDS_MASTER_URL',
  'LINDORM_CONNECT_TIMEOUT_MS',
  'LINDORM_HEADERS_TIMEOUT_MS',
  'LINDORM_BODY_TIMEOUT_MS',
  'LINDORM_NEAR_END_STAGES',
] as const;

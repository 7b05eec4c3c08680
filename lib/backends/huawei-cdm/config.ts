import type { TargetConfigReader } from '../backend.ts';
import { type HuaweiAuth, parseHuaweiAuth } from '../huawei-cloud/auth.ts';
import { parseProjectId } from '../huawei-cloud/project.ts';

/** A CDM target's own keys: the project, how to get in, and how CDM words a stopped run. */
export interface CdmTargetConfig {
  projectId: string;
  auth: HuaweiAuth;
  /** X-Language of the random-cluster create (mandatory there). */
  language: string;
  /** [I] An error-summary that says the run was stopped (CDM reports a stop as FAILED): the run counts as aborted. */
  stoppedPattern: RegExp;
  /** Progress (0–1) from which a running job is checked every pass. */
  nearEndProgress: number;
}

const keys = ['projectId', 'auth', 'language', 'stoppedPattern', 'nearEndProgress'];
export const defaultStoppedPattern = 'stopped by (the )?user|stopped manually|job (was )?stopped|killed by user';

export function parseCdmTarget(raw: Record<string, unknown>, reader: TargetConfigReader): CdmTargetConfig {
  for (const key of Object.keys(raw))
    if (!keys.includes(key)) reader.fail(key, `unknown key (known for huawei-cdm: backend, url, timeouts, ${keys.join(', ')})`);
  return {
    projectId: parseProjectId(raw.projectId, reader),
    auth: parseHuaweiAuth(raw.auth, reader),
    language: raw.language === undefined ? 'en-us' : languageOf(raw.language, reader),
    stoppedPattern: patternOf(raw.stoppedPattern ?? defaultStoppedPattern, reader),
    nearEndProgress: fractionOf(raw.nearEndProgress, 0.9, reader),
  };
}

export function projectIdOf(value: unknown, reader: TargetConfigReader): string {
  if (value === undefined) reader.fail('projectId', 'is required (the project id of the region, 32 hex characters in the console)');
  if (typeof value !== 'string' || !/^[A-Za-z0-9]{1,64}$/.test(value))
    reader.fail('projectId', `must be letters and digits (a project id), got ${JSON.stringify(value)}`);
  return value as string;
}

function languageOf(value: unknown, reader: TargetConfigReader): string {
  if (typeof value !== 'string' || !/^[a-z]{2}(-[a-z]{2})?$/i.test(value))
    reader.fail('language', `must be a language tag such as en-us or zh-cn, got ${JSON.stringify(value)}`);
  return value as string;
}

function patternOf(value: unknown, reader: TargetConfigReader): RegExp {
  if (typeof value !== 'string') reader.fail('stoppedPattern', 'must be a regular expression as a string');
  try {
    return new RegExp(value as string, 'i');
  } catch (error) {
    return reader.fail('stoppedPattern', `is not a valid regular expression: ${(error as Error).message}`);
  }
}

function fractionOf(value: unknown, fallback: number, reader: TargetConfigReader): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value > 0 && value <= 1)) reader.fail('nearEndProgress', 'must be a number in (0, 1]');
  return value as number;
}

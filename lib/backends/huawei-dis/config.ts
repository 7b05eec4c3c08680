import type { TargetConfigReader } from '../backend.ts';
import { type HuaweiAuth, parseHuaweiAuth } from '../huawei-cloud/auth.ts';
import { parseProjectId } from '../huawei-cloud/project.ts';

/** A DIS target's own keys: the project, how to get in, and when a running task counts as stalled. */
export interface DisTargetConfig {
  projectId: string;
  auth: HuaweiAuth;
  /** A running task that has transferred nothing for this long raises a warning; 0 never (an often idle stream). */
  staleAfterMs: number;
}

const keys = ['projectId', 'auth', 'staleAfterMinutes'];

export function parseDisTarget(raw: Record<string, unknown>, reader: TargetConfigReader): DisTargetConfig {
  for (const key of Object.keys(raw))
    if (!keys.includes(key)) reader.fail(key, `unknown key (known for huawei-dis: backend, url, timeouts, ${keys.join(', ')})`);
  const projectId = parseProjectId(raw.projectId, reader);
  let staleAfterMinutes = 60;
  if (raw.staleAfterMinutes !== undefined) {
    const value = raw.staleAfterMinutes;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 10_080)
      reader.fail('staleAfterMinutes', 'must be an integer from 0 (never) to 10080 minutes');
    staleAfterMinutes = value as number;
  }
  return { projectId, auth: parseHuaweiAuth(raw.auth, reader), staleAfterMs: staleAfterMinutes * 60_000 };
}

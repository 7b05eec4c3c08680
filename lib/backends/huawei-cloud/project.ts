import type { TargetConfigReader } from '../backend.ts';

/** A target's `projectId`: every Huawei API path starts with it, and signed requests carry it in X-Project-Id. */
export function parseProjectId(value: unknown, reader: TargetConfigReader): string {
  if (value === undefined) reader.fail('projectId', 'is required (the project id of the region, 32 hex characters in the console)');
  if (typeof value !== 'string' || !/^[A-Za-z0-9]{1,64}$/.test(value))
    reader.fail('projectId', `must be letters and digits (a project id), got ${JSON.stringify(value)}`);
  return value as string;
}

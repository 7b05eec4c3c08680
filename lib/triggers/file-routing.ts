import { sha256Hex } from '../request/canonical-json.ts';
import { type FileRule, withFile } from './import-rules.ts';
import type { CreatedObject } from './s3-events.ts';

export interface RoutedImport {
  ruleId: string;
  /** The import request to enqueue; its requestId is derived from the object, so duplicates are one import. */
  request: Record<string, unknown>;
}

/**
 * The imports an object arrival starts: one per matching rule. With a marker rule, data files start
 * nothing and the marker starts the import of its directory; the same notification delivered again (same
 * bucket, key and version or ETag) derives the same requestId, which the submit path turns into one task.
 */
export function routeObject(object: CreatedObject, rules: readonly FileRule[]): RoutedImport[] {
  const routed: RoutedImport[] = [];
  for (const rule of rules) {
    if (rule.bucket !== undefined && rule.bucket !== object.bucket) continue;
    if (!object.key.startsWith(rule.prefix)) continue;
    const slash = object.key.lastIndexOf('/');
    const dir = object.key.slice(0, slash + 1);
    const name = object.key.slice(slash + 1);
    if (rule.marker !== undefined) {
      if (name !== rule.marker) continue;
    } else if (!object.key.endsWith(rule.suffix) || name === '') {
      continue;
    }
    const identity = sha256Hex([object.bucket, object.key, object.versionId ?? object.etag ?? ''].join('\n'));
    // {fileId} names what the file starts where a name must be unique and path-safe (a job or task name).
    const request = withFile(rule, { bucket: object.bucket, key: object.key, dir, fileId: identity.slice(0, 12) });
    request.requestId = `file-${rule.id}-${identity.slice(0, 32)}`;
    routed.push({ ruleId: rule.id, request });
  }
  return routed;
}

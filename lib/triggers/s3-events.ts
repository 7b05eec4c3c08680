/**
 * S3 "object created" notifications in the three shapes deployments use: S3 → Lambda directly, S3 → SQS
 * (→ Lambda), optionally through SNS, and S3 → EventBridge. Keys in S3 notifications are URL-encoded
 * form-style (`+` for a space); EventBridge gives them as they are.
 */
export interface CreatedObject {
  bucket: string;
  key: string;
  size?: number;
  etag?: string;
  versionId?: string;
  via: 's3' | 'eventbridge';
}

/** A notification that is not about a created object (a test event, a deletion): skipped, with the reason. */
export interface Skipped {
  reason: string;
}

export function decodeS3Key(encoded: string): string {
  return decodeURIComponent(encoded.replace(/\+/g, ' '));
}

/** Objects of an S3 notification document (`{Records:[…]}`), or of an SNS envelope carrying one. */
export function objectsOfS3Notification(document: unknown): Array<CreatedObject | Skipped> {
  const doc = document as { Type?: string; Message?: string; Event?: string; Records?: unknown[] } | null;
  if (doc?.Type === 'Notification' && typeof doc.Message === 'string') return objectsOfS3Notification(JSON.parse(doc.Message));
  if (doc?.Event === 's3:TestEvent') return [{ reason: 's3:TestEvent (sent when a notification is configured)' }];
  if (!Array.isArray(doc?.Records)) throw new Error('not an S3 notification: no Records');
  return doc.Records.map((record) => {
    const r = record as {
      eventSource?: string;
      eventName?: string;
      s3?: { bucket?: { name?: string }; object?: { key?: string; size?: number; eTag?: string; versionId?: string } };
    };
    if (r.eventSource !== 'aws:s3') return { reason: `not an S3 record (${String(r.eventSource)})` };
    if (!r.eventName?.startsWith('ObjectCreated:')) return { reason: `${String(r.eventName)} is not an object creation` };
    const bucket = r.s3?.bucket?.name;
    const key = r.s3?.object?.key;
    if (!bucket || key === undefined) throw new Error('S3 record without bucket name or object key');
    return compact({ bucket, key: decodeS3Key(key), size: r.s3?.object?.size, etag: r.s3?.object?.eTag, versionId: r.s3?.object?.versionId, via: 's3' });
  });
}

export function objectOfEventBridge(event: unknown): CreatedObject | Skipped {
  const e = event as {
    source?: string;
    'detail-type'?: string;
    detail?: { bucket?: { name?: string }; object?: { key?: string; size?: number; etag?: string; 'version-id'?: string } };
  };
  if (e.source !== 'aws.s3' || e['detail-type'] !== 'Object Created')
    return { reason: `${String(e.source)} ${String(e['detail-type'])} is not an object creation` };
  const bucket = e.detail?.bucket?.name;
  const key = e.detail?.object?.key;
  if (!bucket || key === undefined) throw new Error('EventBridge S3 event without bucket name or object key');
  return compact({ bucket, key, size: e.detail?.object?.size, etag: e.detail?.object?.etag, versionId: e.detail?.object?.['version-id'], via: 'eventbridge' });
}

export function isSkipped(item: CreatedObject | Skipped): item is Skipped {
  return 'reason' in item;
}

function compact(value: {
  bucket: string;
  key: string;
  size: number | undefined;
  etag: string | undefined;
  versionId: string | undefined;
  via: CreatedObject['via'];
}): CreatedObject {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as unknown as CreatedObject;
}

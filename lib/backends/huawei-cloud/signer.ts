import { createHash, createHmac } from 'node:crypto';
import type { OutgoingRequest } from '../../http/transport.ts';

/**
 * AK/SK request signing (SDK-HMAC-SHA256) as the official v3 SDK core signs (backends-real §4;
 * @huaweicloud/huaweicloud-sdk-core@3.1.211 auth/AKSKSigner.js + BaseCredentials.processAuthRequest):
 *
 *   canonical request = METHOD \n URI/ \n sorted query \n k:v\n per header \n k1;k2… \n hex sha256(body)
 *   string to sign    = SDK-HMAC-SHA256 \n X-Sdk-Date \n hex sha256(canonical request)
 *   signature         = hex HMAC-SHA256(SK, string to sign)   (keyed with the SK itself: no derivation)
 *
 * Every header the transport will send is signed, as the SDK signs every header it is given; only
 * `content-length`, which undici adds after this, is left out (the SDK never sees it either).
 */
export const SIGNING_ALGORITHM = 'SDK-HMAC-SHA256';

export interface AkSkCredentials {
  accessKey: string;
  secretKey: string;
  /** Present for a temporary key (STS): sent as X-Security-Token and signed. */
  securityToken?: string;
}

export interface SigningOptions {
  /** Sent (and signed) as X-Project-Id, as the SDK's BasicCredentials does. */
  projectId?: string;
  /** Epoch ms of the X-Sdk-Date; the gateway refuses more than 15 min of skew. */
  now: number;
}

const EMPTY_BODY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** The headers to add to `request` (X-Sdk-Date, host, X-Project-Id, X-Security-Token, Authorization). Pure: no I/O. */
export function signRequest(request: OutgoingRequest, credentials: AkSkCredentials, options: SigningOptions): Record<string, string> {
  const given = byLowerName(request.headers);
  // A header the request already carries under another spelling is replaced under that spelling, so the
  // transport's merge overwrites it instead of sending both (which the server would join and not verify).
  const nameFor = (name: string) => given.get(name.toLowerCase())?.name ?? name;
  const added: Record<string, string> = {};
  added[nameFor('X-Sdk-Date')] = sdkDate(options.now);
  added[nameFor('host')] = request.url.host;
  if (options.projectId !== undefined) added[nameFor('X-Project-Id')] = options.projectId;
  if (credentials.securityToken !== undefined) added[nameFor('X-Security-Token')] = credentials.securityToken;

  const signed = new Map<string, string>();
  for (const [lower, { value }] of given) if (lower !== 'authorization') signed.set(lower, value);
  for (const [name, value] of Object.entries(added)) signed.set(name.toLowerCase(), value);
  // The SDK lists SignedHeaders in code-unit order but writes the header block in localeCompare order; the
  // two differ only for rare names ('_' against '-'); both orders are reproduced so even those verify.
  const names = [...signed.keys()].sort();
  const block = [...names]
    .sort((a, b) => a.localeCompare(b))
    .map((name) => `${name}:${trimValue(signed.get(name)!)}\n`)
    .join('');
  const signedHeaders = names.join(';');
  // A declared X-Sdk-Content-Sha256 (UNSIGNED-PAYLOAD for a body not signed) replaces the body's hash, as the SDK and the simulator do.
  const declaredHash = trimValue(signed.get('x-sdk-content-sha256') ?? '');
  const payloadHash = declaredHash !== '' ? declaredHash : request.body ? sha256Hex(request.body) : EMPTY_BODY_SHA256;
  const canonical = [request.method, canonicalUri(request.url.pathname), canonicalQuery(request.url.search), block, signedHeaders, payloadHash].join('\n');
  const stringToSign = [SIGNING_ALGORITHM, added[nameFor('X-Sdk-Date')], sha256Hex(canonical)].join('\n');
  const signature = createHmac('sha256', credentials.secretKey).update(stringToSign).digest('hex');
  added[nameFor('Authorization')] = `${SIGNING_ALGORITHM} Access=${credentials.accessKey}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return added;
}

/** X-Sdk-Date: YYYYMMDDTHHmmssZ in UTC. */
export function sdkDate(now: number): string {
  return `${new Date(now).toISOString().replace(/[-:]/g, '').slice(0, 15)}Z`;
}

/**
 * Each path segment RFC 3986-encoded, then a trailing '/'. For segments of unreserved characters and '/'
 * this is byte for byte what the SDK signs. For any other character it follows the API gateway's
 * documented rule instead — decode the segment, then RFC 3986-encode it — because the Node SDK re-encodes
 * what url.parse already escaped (a space is signed as %2520), which no gateway rule reproduces
 * (backends-real §4 "Path encoding caveat"). Decoding first also keeps the signature independent of how the
 * caller escaped the path: a raw ':' and '%3A' sign the same, as the gateway (which decodes) sees them.
 */
export function canonicalUri(pathname: string): string {
  const uri = pathname
    .split('/')
    .map((segment) => rfc3986(decodeSegment(segment)))
    .join('/');
  return uri.endsWith('/') ? uri : `${uri}/`;
}

/** Keys sorted, `k=v` RFC 3986-encoded, a repeated key's values sorted, joined by '&' (the SDK's CanonicalQueryString). */
export function canonicalQuery(search: string): string {
  const byKey = new Map<string, string[]>();
  for (const [key, value] of new URLSearchParams(search)) {
    const values = byKey.get(key);
    if (values === undefined) byKey.set(key, [value]);
    else values.push(value);
  }
  const pairs: string[] = [];
  for (const key of [...byKey.keys()].sort()) for (const value of byKey.get(key)!.sort()) pairs.push(`${rfc3986(key)}=${rfc3986(value)}`);
  return pairs.join('&');
}

/** The SDK's urlEncode: all but A-Z a-z 0-9 - . _ ~ percent-encoded as UTF-8 with upper-case hex. */
export function rfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    // A malformed escape names nothing; signed as sent (its '%' encoded), as the gateway would treat it.
    return segment;
  }
}

function byLowerName(headers: Record<string, string>): Map<string, { name: string; value: string }> {
  const found = new Map<string, { name: string; value: string }>();
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    const other = found.get(lower);
    // Both would be sent and the server would join them: no signature over either value could verify.
    if (other !== undefined) throw new TypeError(`AK/SK signing: header "${lower}" is given twice ("${other.name}" and "${name}")`);
    found.set(lower, { name, value });
  }
  return found;
}

/** HTTP strips optional whitespace around a value on the wire, so the server verifies the trimmed value. */
function trimValue(value: string): string {
  return value.replace(/^[ \t]+|[ \t]+$/g, '');
}

function sha256Hex(data: string): string {
  return createHash('sha256').update(data).digest('hex');
}

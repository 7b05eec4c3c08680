import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { decodeSegment } from './http.ts';

// SDK-HMAC-SHA256 as @huaweicloud/huaweicloud-sdk-core@3.1.211 (auth/AKSKSigner.js) computes it, rebuilt
// from what arrived on the wire. The simulator must not depend on the SDK, so nothing here imports it;
// the unit tests sign with the SDK itself to keep the two in step.

export const ALGORITHM = 'SDK-HMAC-SHA256';
export const EMPTY_BODY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export type PathCanonicalization = 'gateway' | 'node-sdk';

export interface ParsedAuthorization {
  access: string;
  signedHeaders: string[];
  signature: string;
}

export type AuthorizationParse =
  | { ok: true; value: ParsedAuthorization }
  | { ok: false; reason: 'algorithm' | 'unparsable' | 'missing-fields' | 'empty-access' | 'empty-signed-headers' };

/** `SDK-HMAC-SHA256 Access=<AK>, SignedHeaders=<h1;h2>, Signature=<hex>` */
export function parseAuthorization(header: string): AuthorizationParse {
  const match = /^(\S+)\s+(.*)$/s.exec(header.trim());
  if (match === null) return { ok: false, reason: 'unparsable' };
  if (match[1] !== ALGORITHM) return { ok: false, reason: 'algorithm' };
  const fields = new Map<string, string>();
  for (const part of match[2]!.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return { ok: false, reason: 'unparsable' };
    fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const access = fields.get('Access');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (access === undefined || signedHeaders === undefined || signature === undefined) return { ok: false, reason: 'missing-fields' };
  if (access === '') return { ok: false, reason: 'empty-access' };
  if (signedHeaders === '') return { ok: false, reason: 'empty-signed-headers' };
  return { ok: true, value: { access, signedHeaders: signedHeaders.split(';'), signature } };
}

/** X-Sdk-Date: YYYYMMDDTHHmmssZ (UTC). */
export function parseSdkDate(value: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (m === null) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const check = new Date(ms);
  // Rejects 20240231T…: Date.UTC would roll it over into March.
  if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return undefined;
  return ms;
}

/** The signer's urlEncode: everything but A-Z a-z 0-9 - . _ ~ is percent-encoded as UTF-8, upper-case hex. */
export function rfc3986(value: string): string {
  try {
    return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  } catch {
    // A lone surrogate: the SDK throws too, so no signature can match; keep something deterministic.
    return value;
  }
}

// Characters Node's legacy url.parse escapes in a pathname before the SDK's signer encodes it again.
const URL_PARSE_AUTO_ESCAPE = new Set(['\t', '\n', '\v', '\f', '\r', ' ', '"', "'", '<', '>', '^', '`', '{', '|', '}']);

/**
 * Canonical URI: each segment encoded, a trailing '/' appended. The raw wire path is decoded first,
 * since clients percent-encode what they send; see AuthOptions.pathCanonicalization for the two rules.
 */
export function canonicalUri(rawPath: string, mode: PathCanonicalization): string {
  const segments = rawPath.split('/').map((segment) => {
    const decoded = decodeSegment(segment);
    const prepared =
      mode === 'node-sdk'
        ? [...decoded].map((c) => (URL_PARSE_AUTO_ESCAPE.has(c) ? `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}` : c)).join('')
        : decoded;
    return rfc3986(prepared);
  });
  const uri = segments.join('/');
  return uri.endsWith('/') ? uri : `${uri}/`;
}

/** Keys sorted, each `k=v` encoded, repeated keys sorted by value, joined by '&' — as the signer's CanonicalQueryString. */
export function canonicalQuery(rawQuery: string): string {
  if (rawQuery === '') return '';
  const params = new Map<string, string[]>();
  for (const pair of rawQuery.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = decodeQueryPart(eq < 0 ? pair : pair.slice(0, eq));
    const value = eq < 0 ? '' : decodeQueryPart(pair.slice(eq + 1));
    const values = params.get(key);
    if (values === undefined) params.set(key, [value]);
    else values.push(value);
  }
  const out: string[] = [];
  for (const key of [...params.keys()].sort()) {
    for (const value of [...params.get(key)!].sort()) out.push(`${rfc3986(key)}=${rfc3986(value)}`);
  }
  return out.join('&');
}

export interface SigningInput {
  method: string;
  rawPath: string;
  rawQuery: string;
  /** Lower-cased header names, as node:http delivers them. */
  headers: Record<string, string | string[] | undefined>;
  signedHeaders: string[];
  body: Buffer;
  sdkDate: string;
  pathCanonicalization: PathCanonicalization;
}

export function canonicalRequest(input: SigningInput): string {
  // The signer lists headers in SignedHeaders by code unit but writes the header block in localeCompare
  // order; both are reproduced so the rare names where the two orders differ still verify.
  const names = input.signedHeaders.map((h) => h.toLowerCase());
  const block = [...names]
    .sort((a, b) => a.localeCompare(b))
    .map((name) => `${name}:${headerValue(input.headers[name])}\n`)
    .join('');
  const declaredHash = headerValue(input.headers['x-sdk-content-sha256']);
  const payloadHash = declaredHash !== '' ? declaredHash : sha256Hex(input.body);
  return [input.method, canonicalUri(input.rawPath, input.pathCanonicalization), canonicalQuery(input.rawQuery), block, names.join(';'), payloadHash].join(
    '\n',
  );
}

export function stringToSign(sdkDate: string, canonical: string): string {
  return [ALGORITHM, sdkDate, sha256Hex(canonical)].join('\n');
}

/** The signing key is the SK itself: no derivation in the v3 SDKs' SDK-HMAC-SHA256. */
export function sign(sk: string, input: SigningInput): string {
  return createHmac('sha256', sk)
    .update(stringToSign(input.sdkDate, canonicalRequest(input)))
    .digest('hex');
}

export function signaturesEqual(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given.toLowerCase(), 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function headerValue(value: string | string[] | undefined): string {
  if (value === undefined) return '';
  return Array.isArray(value) ? value.join(',') : value;
}

function decodeQueryPart(part: string): string {
  try {
    return decodeURIComponent(part.replace(/\+/g, ' '));
  } catch {
    return part;
  }
}

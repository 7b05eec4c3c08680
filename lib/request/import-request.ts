import { defaultBackendId } from '../backends/backend.ts';
import type { BackendRegistry } from '../backends/registry.ts';
import { canonicalJson, sha256Hex } from './canonical-json.ts';
import { describeValue } from './fields.ts';
import { RequestValidationError } from './validation-error.ts';

/**
 * An import request as it arrives on the queue: the backend's own fields (for Lindorm: src, dst,
 * readerConfig, …) plus `requestId`, the idempotency key, and `backend`.
 */
export interface ImportRequest {
  requestId: string;
  /** `client` when the producer gave the key; `derived` when it was computed from the content. */
  requestIdSource: 'client' | 'derived';
  backend: string;
  params: unknown;
  /** Hash of the normalized content: tells a redelivery (same hash) from a reused requestId (different hash). */
  contentHash: string;
}

export const maxRequestBytes = 256 * 1024;
const requestIdPattern = /^[\x21-\x7e]{1,128}$/;

export function parseImportRequest(body: string, backends: BackendRegistry): ImportRequest {
  if (Buffer.byteLength(body) > maxRequestBytes) throw new RequestValidationError('(message)', `is larger than ${maxRequestBytes} bytes`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    throw new RequestValidationError('(message)', `is not valid JSON (${(error as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new RequestValidationError('(message)', `must be a JSON object, got ${describeValue(parsed)}`);
  }
  const { requestId, backend: backendField, ...fields } = parsed as Record<string, unknown>;

  if (backendField !== undefined && typeof backendField !== 'string') {
    throw new RequestValidationError('backend', `must be a string, got ${describeValue(backendField)}`);
  }
  const backendId = backendField ?? defaultBackendId;
  const backend = backends.get(backendId);
  if (!backend) throw new RequestValidationError('backend', `unknown backend ${JSON.stringify(backendId)} (known: ${backends.ids().join(', ')})`);

  if (requestId !== undefined) checkRequestId(requestId);
  const params = backend.parseRequest(fields);
  // Configs given as objects or as JSON strings are the same request: hash the parsed form.
  const contentHash = sha256Hex(canonicalJson({ backend: backendId, content: backend.canonicalContent(params) }));
  return {
    requestId: (requestId as string | undefined) ?? `auto-${contentHash.slice(0, 32)}`,
    requestIdSource: requestId === undefined ? 'derived' : 'client',
    backend: backendId,
    params,
    contentHash,
  };
}

function checkRequestId(value: unknown): asserts value is string {
  if (typeof value !== 'string') throw new RequestValidationError('requestId', `must be a string, got ${describeValue(value)}`);
  if (!requestIdPattern.test(value)) {
    throw new RequestValidationError('requestId', 'must be 1 to 128 printable ASCII characters without spaces');
  }
}

/**
 * The requestId of a message that failed validation, when one can still be read from it, so the REJECTED
 * task is found under the key its producer knows; otherwise a key derived from the raw bytes.
 */
export function requestIdOfInvalid(body: string): string {
  try {
    const parsed = JSON.parse(body) as { requestId?: unknown };
    if (typeof parsed?.requestId === 'string' && requestIdPattern.test(parsed.requestId)) return parsed.requestId;
  } catch {
    // not JSON: fall through to the content-derived key
  }
  return `auto-${sha256Hex(body).slice(0, 32)}`;
}

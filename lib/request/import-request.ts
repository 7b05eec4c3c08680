import type { RequestSchema, TargetLimits, TaskSummary } from '../backends/backend.ts';
import type { RetryOverrides } from '../task/task.ts';
import { canonicalJson, sha256Hex } from './canonical-json.ts';
import { describeValue, jsonErrorPosition } from './fields.ts';
import { RequestValidationError, ValidationIssues } from './validation-error.ts';

/**
 * An import request as it arrives on the queue: the backend's own fields at the top level, named as its
 * API names them, plus `requestId` (the idempotency key), `target` and `backend`.
 */
export interface ImportRequest {
  requestId: string;
  /** `client` when the producer gave the key; `derived` when it was computed from the content. */
  requestIdSource: 'client' | 'derived';
  /** The target it goes to: the one it names, or the default. */
  target: string;
  backend: string;
  params: unknown;
  /** What people are shown of it (its source and destination, in the backend's words). */
  summary: TaskSummary;
  /** bulkpilot's own per-request options: how long a run may take, how failures are retried. */
  options: RequestOptions;
  /** Hash of the normalized content: tells a redelivery (same hash) from a reused requestId (different hash). */
  contentHash: string;
  /** Where the data goes, as the unit its target's per-destination limit counts (the backend's key). */
  destinationKey: string;
  /** The target's concurrency limits, if it has any. */
  limits?: TargetLimits;
}

export interface RequestOptions {
  maxDurationMs?: number;
  retry?: RetryOverrides;
  /** Place in a full target's waiting line: higher first (default 0). */
  priority?: number;
}

/** Where a request may go: the deployment's targets (the Targets class is one). */
export interface RequestTargets {
  resolve(requested: { target?: unknown; backend?: unknown }): {
    target: { name: string; backend: string; limits?: TargetLimits | undefined };
    module: { requests: RequestSchema };
  };
}

export const maxRequestBytes = 256 * 1024;
const requestIdPattern = /^[\x21-\x7e]{1,128}$/;

export function parseImportRequest(body: string, targets: RequestTargets): ImportRequest {
  if (Buffer.byteLength(body) > maxRequestBytes) throw new RequestValidationError('(message)', `is larger than ${maxRequestBytes} bytes`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    throw new RequestValidationError('(message)', `is not valid JSON${jsonErrorPosition(error, body)}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new RequestValidationError('(message)', `must be a JSON object, got ${describeValue(parsed)}`);
  }
  // bulkpilot's own fields (lib/request/fields.ts envelopeFields); the rest are the backend's.
  const { requestId, target: targetField, backend: backendField, maxDurationMinutes, retry, priority, ...fields } = parsed as Record<string, unknown>;
  // Every mistake is reported at once. Only the target decides which fields are the backend's: without it
  // they cannot be checked, but bulkpilot's own still are.
  const issues = new ValidationIssues();
  const resolved = issues.check(() => targets.resolve({ target: targetField, backend: backendField }));
  if (requestId !== undefined) issues.check(() => checkRequestId(requestId));
  const options = parseOptions(maxDurationMinutes, retry, issues);
  if (priority !== undefined) {
    if (typeof priority !== 'number' || !Number.isInteger(priority) || priority < -1000 || priority > 1000)
      issues.add('priority', `must be an integer from -1000 to 1000 (higher starts first when its target is full), got ${describeValue(priority)}`);
    else if (priority !== 0) options.priority = priority;
  }
  const params = resolved && issues.check(() => resolved.module.requests.parseRequest(fields));
  issues.throwIfAny();
  const { target, module } = resolved!;
  // Configs given as objects or as JSON strings are the same request: hash the parsed form.
  const contentHash = sha256Hex(canonicalJson({ target: target.name, backend: target.backend, content: module.requests.canonicalContent(params), options }));
  return {
    requestId: (requestId as string | undefined) ?? `auto-${contentHash.slice(0, 32)}`,
    requestIdSource: requestId === undefined ? 'derived' : 'client',
    target: target.name,
    backend: target.backend,
    params,
    summary: module.requests.summarize(params),
    options,
    contentHash,
    destinationKey: module.requests.destinationKey(params),
    ...(target.limits ? { limits: target.limits } : {}),
  };
}

const retryLimits = {
  maxAttempts: { min: 1, max: 20, scale: 1, unit: '' },
  baseDelaySeconds: { min: 1, max: 86_400, scale: 1000, unit: ' seconds' },
  multiplier: { min: 1, max: 10, scale: 1, unit: '' },
  maxDelaySeconds: { min: 1, max: 7 * 86_400, scale: 1000, unit: ' seconds' },
} as const;

function parseOptions(maxDurationMinutes: unknown, retry: unknown, issues: ValidationIssues): RequestOptions {
  const options: RequestOptions = {};
  if (maxDurationMinutes !== undefined) {
    if (typeof maxDurationMinutes !== 'number' || !Number.isInteger(maxDurationMinutes) || maxDurationMinutes < 1 || maxDurationMinutes > 10_080) {
      issues.add('maxDurationMinutes', `must be an integer from 1 to 10080 (a week), got ${describeValue(maxDurationMinutes)}`);
    } else options.maxDurationMs = maxDurationMinutes * 60_000;
  }
  if (retry !== undefined) {
    if (typeof retry !== 'object' || retry === null || Array.isArray(retry)) {
      issues.add('retry', `must be an object, got ${describeValue(retry)}`);
      return options;
    }
    const overrides: RetryOverrides = {};
    for (const [key, value] of Object.entries(retry)) {
      const limit = retryLimits[key as keyof typeof retryLimits];
      if (!limit) {
        issues.add(`retry.${key}`, `is not a known field (known: ${Object.keys(retryLimits).join(', ')})`);
        continue;
      }
      const integer = key !== 'multiplier';
      if (typeof value !== 'number' || !Number.isFinite(value) || (integer && !Number.isInteger(value)) || value < limit.min || value > limit.max) {
        issues.add(
          `retry.${key}`,
          `must be ${integer ? 'an integer' : 'a number'} from ${limit.min} to ${limit.max}${limit.unit}, got ${describeValue(value)}`,
        );
        continue;
      }
      const field = key === 'baseDelaySeconds' ? 'baseDelayMs' : key === 'maxDelaySeconds' ? 'maxDelayMs' : key;
      (overrides as Record<string, number>)[field] = value * limit.scale;
    }
    options.retry = overrides;
  }
  return options;
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

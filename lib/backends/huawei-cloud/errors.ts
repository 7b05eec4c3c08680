import { scrubSecrets } from '../../observability/redact.ts';
import { BackendCallError } from '../backend.ts';

/** An error answer of any Huawei Cloud layer, in one shape. */
export interface HuaweiErrorBody {
  code: string;
  message: string;
  requestId?: string;
}

/**
 * Reads the error envelopes Huawei's layers answer with (backends-real §2.4, §2.6d, §3.5, §4):
 *   API gateway  {"error_code":"APIGW.0301","error_msg":"…","request_id":"…"}
 *   CDM          {"errCode":"Cdm.0100","externalMessage":"…"}
 *   DIS          {"errorCode":"DIS.4301","message":"…"}
 *   IAM          {"error":{"code":401,"message":"…","title":"Unauthorized"}}
 * Anything else (a proxy's HTML page, a success body) is undefined. The v3 SDKs' own parsers miss the CDM
 * and DIS shapes (§2.4 "SDK caveat"), hence this one.
 */
export function readHuaweiError(text: string): HuaweiErrorBody | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(body)) return undefined;
  const gateway = codeOf(body.error_code);
  if (gateway !== undefined) {
    const found: HuaweiErrorBody = { code: gateway, message: textOf(body.error_msg) };
    if (typeof body.request_id === 'string' && body.request_id !== '') found.requestId = body.request_id;
    return found;
  }
  const cdm = codeOf(body.errCode);
  if (cdm !== undefined) return { code: cdm, message: textOf(body.externalMessage ?? body.message) };
  const dis = codeOf(body.errorCode);
  if (dis !== undefined) return { code: dis, message: textOf(body.message) };
  if (isObject(body.error)) {
    const iam = codeOf(body.error.code);
    if (iam !== undefined) return { code: iam, message: textOf(body.error.message ?? body.error.title) };
  }
  return undefined;
}

/**
 * True when an answer proves an auth layer refused the call before the service saw it, so a replay cannot
 * repeat an effect: the API gateway's 401 (every APIGW./APIG. code it answers 401 with is an authentication
 * refusal: 0301 bad credentials or signature, 0307 token to be updated), or DIS's own token refusal DIS.4114,
 * which DIS answers 401 or 441 depending on the deployment (the simulator's `dis.tokenErrorStatus`), and DIS's
 * own signature refusals (441 DIS.41xx).
 */
export function isGatewayAuthRejection(status: number, text: string): boolean {
  const error = readHuaweiError(text);
  if (error === undefined) return false;
  if (status === 401 && /^APIGW?\./.test(error.code)) return true;
  if (error.code === 'DIS.4114' && (status === 401 || status === 441)) return true;
  // DIS's own signature layer answers 441 DIS.41xx (an empty X-Sdk-Date, a signature that does not match).
  return status === 441 && /^DIS\.41\d\d$/.test(error.code);
}

/**
 * Credentials could not be had (no secret, a refused or failed token request): the call they were for was
 * never sent, so `mayHaveReachedBackend` is false. Names the URL that failed, never a credential.
 */
export class HuaweiAuthError extends BackendCallError {
  constructor(message: string, details: { method: string; url: string; cause?: unknown }) {
    super(message, { ...details, mayHaveReachedBackend: false });
    this.name = 'HuaweiAuthError';
  }
}

/** Text from an answer or a cause, made safe to quote in an error: the given secrets and secret-looking pairs masked. */
export function withoutSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  let safe = text;
  // Short values are left alone: masking them would mangle ordinary words.
  for (const secret of secrets) if (secret !== undefined && secret.length >= 4) safe = safe.split(secret).join('[redacted]');
  return scrubSecrets(safe);
}

function codeOf(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

function textOf(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

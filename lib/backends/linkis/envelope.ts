import type { HttpResponse } from '../../http/transport.ts';

/** `{method, status, message, data}` (Message.scala); status -1 no login, 0 ok, 1 error, 2 validation, 3 no permission, 4 warning. */
export interface Envelope {
  method: string | null;
  status: number;
  message: string;
  data: Record<string, unknown>;
}

/**
 * The envelope of an answer, or undefined when it is something else: Spring's default error body also
 * has an integer `status` (500) but neither `message` as the envelope's nor a status in -1…4.
 */
export function readEnvelope(text: string): Envelope | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const body = parsed as Record<string, unknown>;
  const { status, message } = body;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < -1 || status > 4) return undefined;
  if (message !== undefined && message !== null && typeof message !== 'string') return undefined;
  const data = typeof body.data === 'object' && body.data !== null && !Array.isArray(body.data) ? (body.data as Record<string, unknown>) : {};
  return { method: typeof body.method === 'string' ? body.method : null, status, message: (message as string | undefined) ?? '', data };
}

/** errCode of `data.errorMsg` (LinkisException.toMap), when the answer carries one. */
export function errCodeOf(envelope: Envelope): number | undefined {
  const errorMsg = envelope.data.errorMsg;
  const code = typeof errorMsg === 'object' && errorMsg !== null ? (errorMsg as Record<string, unknown>).errCode : undefined;
  if (typeof code === 'number') return code;
  if (typeof code === 'string' && /^\d+$/.test(code)) return Number(code);
  const inMessage = /errCode:\s*(\d+)/.exec(envelope.message)?.[1] ?? /error code\(错误码\):\s*(\d+)/.exec(envelope.message)?.[1];
  return inMessage === undefined ? undefined : Number(inMessage);
}

/** A gateway routing failure in a 200: the entrance was never reached, so an idempotent read may be sent again. */
export function isRoutingFailure(response: HttpResponse): boolean {
  const envelope = readEnvelope(response.text);
  return envelope !== undefined && envelope.status === 1 && (errCodeOf(envelope) === 11012 || /routing chain|Cannot find an instance/i.test(envelope.message));
}

import { randomBytes } from 'node:crypto';

/** The Linkis Message (server/Message.scala), serialized with nulls kept. */
export interface Envelope {
  method: string | null;
  status: number;
  message: string;
  data: Record<string, unknown>;
}

/** An answer before it is put on the wire. */
export interface Answer {
  httpStatus: number;
  body: unknown;
  headers?: Record<string, string | string[]>;
}

/** Who raised an error: the three values every LinkisException carries. */
export interface ServiceIdentity {
  ip: string;
  port: number;
  serviceKind: string;
}

export const BASE_PATH = '/api/rest_j/v1';

let webfluxRequests = 0;

export const MessageStatus = {
  NO_LOGIN: -1,
  SUCCESS: 0,
  ERROR: 1,
  VALIDATE_FAILED: 2,
  AUTH_FAILED: 3,
  WARNING: 4,
} as const;

/** Message.messageToHttpStatus. */
export function httpStatusFor(status: number): number {
  switch (status) {
    case -1:
      return 401;
    case 0:
      return 200;
    case 1:
      return 400;
    case 2:
      return 412;
    case 3:
      return 403;
    case 4:
      return 206;
    default:
      // A Scala MatchError inside the AOP: the servlet container answers 500.
      return 500;
  }
}

export function envelope(status: number, message: string, data: Record<string, unknown> = {}, method: string | null = null): Envelope {
  return { method, status, message, data };
}

export function ok(message = 'OK', data: Record<string, unknown> = {}, method: string | null = null): Envelope {
  return envelope(MessageStatus.SUCCESS, message, data, method);
}

export function error(message: string, data: Record<string, unknown> = {}, method: string | null = null): Envelope {
  return envelope(MessageStatus.ERROR, message, data, method);
}

export function noLogin(message: string, method: string | null = null): Envelope {
  return envelope(MessageStatus.NO_LOGIN, message, {}, method);
}

/** The HTTP status follows the envelope status, as SpringRestfulCatchAOP and the gateway filters set it. */
export function reply(env: Envelope, headers?: Record<string, string | string[]>): Answer {
  const answer: Answer = { httpStatus: httpStatusFor(env.status), body: env };
  if (headers !== undefined) answer.headers = headers;
  return answer;
}

/** GatewayAuthorizationFilter writes routing failures without setting a status: HTTP 200 whatever the envelope says. */
export function replyWith200(env: Envelope): Answer {
  return { httpStatus: 200, body: env };
}

/** LinkisException/LinkisRuntimeException.getMessage. */
export function linkisExceptionText(errCode: number, desc: string, who: ServiceIdentity): string {
  return `errCode: ${errCode} ,desc: ${desc} ,ip: ${who.ip} ,port: ${who.port} ,serviceKind: ${who.serviceKind}`;
}

/** LinkisException.toMap, the `data.errorMsg` of a caught exception. level 2 = ERROR. */
export function errorMap(errCode: number, desc: string, who: ServiceIdentity, level = 2): Record<string, unknown> {
  return { level, errCode, desc, ip: who.ip, port: who.port, serviceKind: who.serviceKind };
}

/** server/package.scala catchMsg for an ErrorException thrown inside a REST method (no method: the frame is gone). */
export function errorExceptionEnvelope(errCode: number, desc: string, who: ServiceIdentity): Envelope {
  return error(`error code(错误码): ${errCode}, error message(错误信息): ${desc}.`, {
    errorMsg: errorMap(errCode, desc, who),
  });
}

/**
 * catchMsg for any other Throwable. catchIt passes "operation failed(操作失败)s" (sic, with the stray s),
 * which never equals "operation failed(操作失败)", so the root cause is appended.
 */
export function unknownExceptionEnvelope(rootCause: string, who: ServiceIdentity): Envelope {
  const message = `operation failed(操作失败)s！the reason(原因)：${rootCause}`;
  return error(message, { errorMsg: errorMap(0, message, who) });
}

/**
 * Spring Boot's servlet error body, for failures before a controller method runs (bad path variable
 * type, unreadable body, wrong content type, no handler, wrong method).
 */
export function springServletError(httpStatus: number, path: string, now: number): Answer {
  return {
    httpStatus,
    body: { timestamp: springTimestamp(now), status: httpStatus, error: reasonPhrase(httpStatus), path },
  };
}

/** Spring WebFlux's default error body from the gateway itself (apache/linkis#2642, #3584). */
export function springGatewayError(httpStatus: number, path: string, now: number): Answer {
  return {
    httpStatus,
    body: {
      timestamp: springTimestamp(now),
      path,
      status: httpStatus,
      error: reasonPhrase(httpStatus),
      message: '',
      // WebFlux ids are <connection id>-<request number on that connection>.
      requestId: `${randomBytes(4).toString('hex')}-${++webfluxRequests}`,
    },
  };
}

function springTimestamp(now: number): string {
  return new Date(now).toISOString().replace('Z', '+00:00');
}

function reasonPhrase(status: number): string {
  const phrases: Record<number, string> = {
    400: 'Bad Request',
    404: 'Not Found',
    405: 'Method Not Allowed',
    415: 'Unsupported Media Type',
    500: 'Internal Server Error',
    503: 'Service Unavailable',
  };
  return phrases[status] ?? 'Error';
}

import type { Answer } from '../http.ts';

/** DIS error codes with HTTP status and message, from the API reference's error code table (dis_02_0021). */
export const DIS_ERRORS: Readonly<Record<string, { status: number; message: string }>> = {
  'DIS.4100': { status: 441, message: 'Authorization error.' },
  'DIS.4101': { status: 441, message: 'Authorization header cannot be empty.' },
  'DIS.4102': { status: 441, message: 'Incorrectly parsed authorization header.' },
  'DIS.4103': { status: 441, message: 'Empty X-Sdk-Date header.' },
  'DIS.4104': { status: 441, message: 'Error parsing X-Sdk-Date header.' },
  'DIS.4105': { status: 441, message: 'Invalid X-Sdk-Date header.' },
  // Spelled "AcessKey" in the English table.
  'DIS.4106': { status: 441, message: 'Empty AcessKey header.' },
  'DIS.4107': { status: 441, message: 'Invalid AcessKey header.' },
  'DIS.4109': { status: 441, message: 'The Authorization header must contain the following field: {Credential,SignedHeaders,Signature;}' },
  'DIS.4110': { status: 441, message: 'Empty Signature header.' },
  'DIS.4112': { status: 441, message: 'Invalid authorization request.' },
  'DIS.4113': { status: 441, message: 'Empty Token header.' },
  'DIS.4114': { status: 441, message: 'Invalid Token header.' },
  'DIS.4116': { status: 403, message: 'Invalid RBAC.' },
  'DIS.4117': { status: 400, message: 'Invalid Project Id.' },
  'DIS.4200': { status: 400, message: 'Invalid request.' },
  'DIS.4208': { status: 400, message: 'Invalid MRS cluster.' },
  'DIS.4300': { status: 400, message: 'Request error.' },
  // The table says "The stream does not exist."; the sample body (used here) "Stream does not exist.".
  'DIS.4301': { status: 400, message: 'Stream does not exist.' },
  'DIS.4303': { status: 400, message: 'The traffic control limit is exceeded.' },
  'DIS.4305': { status: 400, message: 'Too many stream requests.' },
  'DIS.4306': { status: 400, message: 'The bucket does not exist.' },
  'DIS.4309': { status: 400, message: 'Too many request failures. Please try again later.' },
  'DIS.4310': { status: 400, message: 'OBS access error.' },
  'DIS.4335': { status: 400, message: 'Invalid IAM agency.' },
  'DIS.4336': { status: 400, message: 'Invalid HDFS path.' },
  'DIS.4354': { status: 400, message: 'The transfer task does not exist.' },
  'DIS.4355': { status: 400, message: 'The transfer task already exists.' },
  'DIS.4357': { status: 400, message: 'Exceeded transfer task quota.' },
  'DIS.5000': { status: 500, message: 'System error.' },
};

export interface DisErrorOptions {
  status?: number;
  message?: string;
  /** Inserted after the table message. */
  detail?: string;
  /** The stream the request named; the message ends with `[<stream>][<request id>]` as in the sample. */
  stream?: string;
  requestId?: string;
}

/** `{"errorCode":"DIS.4301","message":"Stream does not exist. [test][6332998f84ac4c13a83db055da33cb66]"}` */
export function disError(code: string, options: DisErrorOptions = {}): Answer {
  const known = DIS_ERRORS[code];
  let message = options.message ?? known?.message ?? 'Simulated DIS error.';
  if (options.detail !== undefined) message = `${message} ${options.detail}`;
  const tags = [options.stream, options.requestId].filter((t): t is string => t !== undefined).map((t) => `[${t}]`);
  if (tags.length > 0) message = `${message} ${tags.join('')}`;
  return { status: options.status ?? known?.status ?? 400, body: { errorCode: code, message } };
}

import type { Answer } from '../http.ts';

/**
 * CDM's own error codes with their English texts. Codes and the 400 status are from the
 * doc-source topic dgc_02_0311; the English wording is the ErrorCode page's where it has one (Cdm.0100),
 * else translated from the Chinese table [I].
 */
export const CDM_ERRORS: Readonly<Record<string, { status: number; message: string }>> = {
  'Cdm.0000': { status: 400, message: 'System error.' },
  'Cdm.0001': { status: 400, message: 'The resource does not exist or is invalid, or you do not have the permission.' },
  'Cdm.0004': { status: 400, message: 'Invalid parameter type.' },
  'Cdm.0014': { status: 400, message: 'Illegal parameter.' },
  'Cdm.0089': { status: 400, message: 'A configuration item is missing.' },
  'Cdm.0100': { status: 400, message: "Job[%s] doesn't exist." },
  'Cdm.0101': { status: 400, message: "Link[%s] doesn't exist." },
  'Cdm.0104': { status: 400, message: 'The job name already exists.' },
  'Cdm.0201': { status: 400, message: 'Failed to get the instance.' },
  'Cdm.0202': { status: 400, message: 'The job status is unknown. Try again later.' },
};

/** `{"errCode":"Cdm.0100","externalMessage":"Job[x] doesn't exist."}`; %s is replaced by `subject`. */
export function cdmError(code: string, options: { status?: number; subject?: string; detail?: string; message?: string } = {}): Answer {
  const known = CDM_ERRORS[code];
  let message = options.message ?? known?.message ?? 'Simulated CDM error.';
  if (options.subject !== undefined) message = message.replace('%s', options.subject);
  if (options.detail !== undefined) message = `${message.replace(/\.$/, '')}: ${options.detail}`;
  return { status: options.status ?? known?.status ?? 400, body: { errCode: code, externalMessage: message } };
}

/** The API gateway's envelope, as CDM answers auth and routing failures before the service sees them. */
export function apigError(prefix: string, number: string, status: number, message: string, requestId: string): Answer {
  return { status, body: { error_code: `${prefix}.${number}`, error_msg: message, request_id: requestId } };
}

import type { Account } from '../account.ts';
import type { AuthFailureKind } from '../authenticate.ts';
import { authenticate } from '../authenticate.ts';
import type { FiringFault } from '../faults.ts';
import type { Answer, ServiceHandler } from '../http.ts';
import { parseJsonBody } from '../http.ts';
import type { ResolvedOptions } from '../options.ts';
import type { ReceivedRequest } from '../types.ts';
import { apigError, cdmError } from './errors.ts';
import type { CdmCall, CdmState } from './jobs.ts';
import { cdmRoute } from './routes.ts';

const IAM_INFO = 'Incorrect IAM authentication information';

/** What the API gateway in front of CDM says per kind of authentication failure (all HTTP 401). */
const AUTH_ANSWERS: Record<AuthFailureKind, { number: string; message: string }> = {
  missing: { number: '0301', message: `${IAM_INFO}: x-auth-token not found` },
  'token-invalid': { number: '0301', message: `${IAM_INFO}: decrypt token fail` },
  // The answer that makes a client fetch a new token (APIG.0307 in Huawei's FAQs).
  'token-expired': { number: '0307', message: 'The token must be updated.' },
  // [I] wording of the scope and project refusals.
  'token-scope': { number: '0301', message: `${IAM_INFO}: the token is not scoped to the project in the URL` },
  'authorization-unparsable': { number: '0301', message: `${IAM_INFO}: verify aksk signature fail` },
  'authorization-fields': { number: '0301', message: `${IAM_INFO}: verify aksk signature fail` },
  'access-empty': { number: '0301', message: `${IAM_INFO}: verify aksk signature fail` },
  'signed-headers-empty': { number: '0301', message: `${IAM_INFO}: verify aksk signature fail` },
  'date-missing': { number: '0301', message: `${IAM_INFO}: x-sdk-date not found` },
  'date-unparsable': { number: '0301', message: `${IAM_INFO}: x-sdk-date is invalid` },
  'date-skew': { number: '0301', message: `${IAM_INFO}: the request has expired (x-sdk-date differs from the server time by more than 15 minutes)` },
  'ak-unknown': { number: '0301', message: `${IAM_INFO}: verify aksk signature fail` },
  'ak-expired': { number: '0301', message: `${IAM_INFO}: the access key has expired` },
  'security-token': { number: '0301', message: `${IAM_INFO}: verify aksk signature fail, security token is invalid` },
  'project-header-missing': { number: '0301', message: `${IAM_INFO}: x-project-id not found` },
  'project-mismatch': { number: '0301', message: `${IAM_INFO}: x-project-id does not match the project in the URL` },
  'project-unknown': { number: '0301', message: `${IAM_INFO}: the project in the URL does not exist` },
  'signature-mismatch': { number: '0301', message: `${IAM_INFO}: verify aksk signature fail` },
};

/** CDM behind the API gateway: gateway routing and authentication first, then the job service. */
export function cdmService(state: CdmState, account: Account, options: ResolvedOptions): ServiceHandler {
  const prefix = options.auth.apigErrorPrefix;
  return {
    service: 'cdm',
    route: cdmRoute,
    handle(record: ReceivedRequest): Answer {
      if (record.endpoint === 'unknown') {
        return apigError(prefix, '0101', 404, 'The API does not exist or has not been published in the environment.', record.requestId);
      }
      const auth = authenticate(record, account, options);
      record.auth = auth.record;
      if (!auth.ok) {
        const { number, message } = AUTH_ANSWERS[auth.kind];
        return apigError(prefix, number, 401, message, record.requestId);
      }
      const call: CdmCall = {
        projectId: record.params.projectId ?? '',
        clusterId: record.params.clusterId ?? '',
        jobName: record.params.jobName ?? '',
        query: record.query,
        headers: record.headers,
        body: parseJsonBody(record.rawBody),
        user: auth.user.name,
      };
      switch (record.endpoint) {
        case 'cdm.listClusters':
          return state.listClusters(call);
        case 'cdm.showCluster':
          return state.showCluster(call);
        case 'cdm.randomCreateAndStart':
          return state.randomCreateAndStart(call);
        case 'cdm.createJob':
          return state.createJob(call);
        case 'cdm.showJob':
          return state.showJob(call);
        case 'cdm.updateJob':
          return state.updateJob(call);
        case 'cdm.deleteJob':
          return state.deleteJob(call);
        case 'cdm.startJob':
          return state.startJob(call);
        case 'cdm.stopJob':
          return state.stopJob(call);
        case 'cdm.jobStatus':
          return state.jobStatus(call);
        case 'cdm.submissions':
          return state.submissions(call);
        default:
          throw new Error(`cdm: endpoint ${record.endpoint} is not a CDM endpoint`);
      }
    },
    faultAnswer(fault: FiringFault, record: ReceivedRequest): Answer {
      if (fault.kind === 'error') {
        const options: Parameters<typeof cdmError>[1] = { subject: record.params.jobName ?? '' };
        if (fault.status !== undefined) options.status = fault.status;
        if (fault.message !== undefined) options.message = fault.message;
        return cdmError(fault.code ?? 'Cdm.0000', options);
      }
      const status = fault.status ?? 503;
      // [I] Plausible bodies: throttling and gateway-level errors in the gateway's envelope, the rest from CDM.
      if (status === 429)
        return apigError(
          prefix,
          '0308',
          429,
          'The throttling threshold has been reached: policy user over ratelimit, limit:20, time:1 second',
          record.requestId,
        );
      if (status === 502 || status === 504) return apigError(prefix, '0202', status, 'Backend unavailable', record.requestId);
      if (status === 401) return apigError(prefix, '0301', 401, `${IAM_INFO}: decrypt token fail`, record.requestId);
      return cdmError('Cdm.0000', { status, message: fault.message ?? 'System error.' });
    },
  };
}

import type { Account } from '../account.ts';
import type { AuthFailureKind } from '../authenticate.ts';
import { authenticate } from '../authenticate.ts';
import { apigError } from '../cdm/errors.ts';
import type { FiringFault } from '../faults.ts';
import type { Answer, ServiceHandler } from '../http.ts';
import { parseJsonBody } from '../http.ts';
import type { ResolvedOptions } from '../options.ts';
import type { ReceivedRequest } from '../types.ts';
import { disError } from './errors.ts';
import { disRoute } from './routes.ts';
import type { DisCall, DisState } from './tasks.ts';

type AuthAnswer = { code: string; message?: string; token?: boolean };

/**
 * DIS's own signature layer answers HTTP 441 with DIS.41xx (dis_06_0019); token failures use the
 * configured status (401 by default [I]); project mismatches are DIS.4117 (400).
 */
const AUTH_ANSWERS: Record<AuthFailureKind, AuthAnswer> = {
  missing: { code: 'DIS.4101' },
  'token-invalid': { code: 'DIS.4114', token: true },
  'token-expired': { code: 'DIS.4114', message: 'Invalid Token header. The token must be updated.', token: true },
  'token-scope': { code: 'DIS.4117' },
  'authorization-unparsable': { code: 'DIS.4102' },
  'authorization-fields': { code: 'DIS.4109' },
  'access-empty': { code: 'DIS.4106' },
  'signed-headers-empty': { code: 'DIS.4110' },
  'date-missing': { code: 'DIS.4103' },
  'date-unparsable': { code: 'DIS.4104' },
  'date-skew': { code: 'DIS.4105' },
  'ak-unknown': { code: 'DIS.4107' },
  'ak-expired': { code: 'DIS.4107' },
  'security-token': { code: 'DIS.4100' },
  'project-header-missing': { code: 'DIS.4117' },
  'project-mismatch': { code: 'DIS.4117' },
  'project-unknown': { code: 'DIS.4117' },
  'signature-mismatch': { code: 'DIS.4100' },
};

export function disService(state: DisState, account: Account, options: ResolvedOptions): ServiceHandler {
  return {
    service: 'dis',
    route: disRoute,
    handle(record: ReceivedRequest): Answer {
      if (record.endpoint === 'unknown') {
        // [I] Unknown paths are refused by the gateway in front of DIS, in its envelope.
        return apigError(options.auth.apigErrorPrefix, '0101', 404, 'The API does not exist or has not been published in the environment.', record.requestId);
      }
      const auth = authenticate(record, account, options);
      record.auth = auth.record;
      if (!auth.ok) {
        const answer = AUTH_ANSWERS[auth.kind];
        const errorOptions: Parameters<typeof disError>[1] = {};
        if (answer.message !== undefined) errorOptions.message = answer.message;
        if (answer.token === true) errorOptions.status = options.dis.tokenErrorStatus;
        return disError(answer.code, errorOptions);
      }
      const call: DisCall = {
        projectId: record.params.projectId ?? '',
        streamName: record.params.streamName ?? '',
        taskName: record.params.taskName ?? '',
        query: record.query,
        body: parseJsonBody(record.rawBody),
        requestId: record.requestId,
      };
      switch (record.endpoint) {
        case 'dis.createTask':
          return state.create(call);
        case 'dis.updateTask':
          return state.update(call);
        case 'dis.listTasks':
          return state.list(call);
        case 'dis.showTask':
          return state.show(call);
        case 'dis.deleteTask':
          return state.delete(call);
        case 'dis.taskAction':
          return state.action(call);
        default:
          throw new Error(`dis: endpoint ${record.endpoint} is not a DIS endpoint`);
      }
    },
    faultAnswer(fault: FiringFault, record: ReceivedRequest): Answer {
      const tags: Parameters<typeof disError>[1] = { requestId: record.requestId };
      if (record.params.streamName !== undefined) tags.stream = record.params.streamName;
      if (fault.message !== undefined) tags.message = fault.message;
      if (fault.kind === 'error') {
        if (fault.status !== undefined) tags.status = fault.status;
        return disError(fault.code ?? 'DIS.5000', tags);
      }
      const status = fault.status ?? 503;
      // [I] Plausible bodies: DIS.5000 for server errors, the throttling code for 429, DIS.4200 otherwise.
      const code = status >= 500 ? 'DIS.5000' : status === 429 ? 'DIS.4303' : 'DIS.4200';
      return disError(code, { ...tags, status });
    },
  };
}

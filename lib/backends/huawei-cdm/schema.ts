import type { RequestSchema } from '../backend.ts';
import { type CdmParams, parseCdmRequest } from './request.ts';

/** A CDM request: one job for a random running cluster among the candidates; shown by its links. */
export const cdmRequests: RequestSchema<CdmParams> = {
  parseRequest: parseCdmRequest,
  canonicalContent: (params) => params,
  summarize: (params) => {
    const job = params.jobs[0];
    return {
      source: `${job['from-link-name']} (${job['from-connector-name']})`,
      destination: `${job['to-link-name']} (${job['to-connector-name']}) as ${job.name}`,
    };
  },
  // No set place for an arrived file: a file rule puts {path} where the job should read it (an input's value).
};

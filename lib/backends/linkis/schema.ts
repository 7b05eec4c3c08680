import type { RequestSchema } from '../backend.ts';
import { type LinkisSubmitParams, parseLinkisRequest } from './request.ts';

/** A Linkis request: the submit body (validated), hashed as it means, shown by engine and creator. */
export const linkisRequests: RequestSchema<LinkisSubmitParams> = {
  parseRequest: parseLinkisRequest,
  canonicalContent: (params) => params,
  summarize: (params) => {
    const firstLine = params.executionContent.code.trim().split('\n', 1)[0]!;
    const script = params.source?.scriptPath;
    return {
      source: script ?? `${params.executionContent.runType}: ${firstLine.length > 60 ? `${firstLine.slice(0, 59)}…` : firstLine}`,
      destination: `${params.labels.engineType} as ${params.labels.userCreator}`,
    };
  },
  // An engine queue: the engine type and the creator the job runs as (Linkis queues per engine and creator).
  destinationKey: (params) => `${params.labels.engineType}/${params.labels.userCreator}`,
  // No set place for an arrived file: a file rule puts {path} where the request should name it (a variable).
};

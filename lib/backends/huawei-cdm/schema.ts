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
  destinationKey: (params) => {
    const job = params.jobs[0];
    return `${job['to-link-name']}/${destinationObject(job['to-config-values'])}`;
  },
  // No set place for an arrived file: a file rule puts {path} where the job should read it (an input's value).
};

/** The inputs that name what a destination job writes, by connector: a table, a stream, an index, a directory, a topic. */
const destinationInputs = ['tableName', 'table', 'streamName', 'index', 'outputDirectory', 'topic'];

/** What the job writes into at its destination link (`schema.table` where a schema is named), `*` when no input names it. */
function destinationObject(values: CdmParams['jobs'][number]['to-config-values']): string {
  const inputs = new Map(values.configs.flatMap((c) => c.inputs.map((i) => [i.name.replace(/^toJobConfig\./, ''), i.value] as const)));
  const object = destinationInputs.map((name) => inputs.get(name)).find((v) => v !== undefined && v !== '');
  if (object === undefined) return '*';
  const schema = inputs.get('schemaName');
  return schema ? `${schema}.${object}` : object;
}

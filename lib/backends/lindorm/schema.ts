import type { RequestSchema } from '../backend.ts';
import { parseLindormRequest, type LindormBulkloadParams } from './request.ts';

/** The Lindorm request: the API's own fields (validated), hashed without formatting, shown by table. */
export const lindormSchema: RequestSchema<LindormBulkloadParams> = {
  id: 'lindorm-bulkload',
  parseRequest: parseLindormRequest,
  canonicalContent: (params) => ({ ...params, readerConfig: JSON.parse(params.readerConfig), writerConfig: JSON.parse(params.writerConfig) }),
  summarize: (params) => {
    const writer = JSON.parse(params.writerConfig) as Record<string, unknown>;
    const table = writer.lindormTable;
    const namespace = writer.namespace;
    return {
      src: params.src,
      dst: params.dst,
      ...(typeof table === 'string' ? { table: typeof namespace === 'string' && namespace ? `${namespace}:${table}` : table } : {}),
    };
  },
};

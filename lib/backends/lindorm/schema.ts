import type { ArrivedFile, RequestSchema } from '../backend.ts';
import { type LindormBulkloadParams, parseLindormRequest } from './request.ts';

/** The Lindorm request: the API's own fields (validated), hashed without formatting, shown by source and table. */
export const lindormRequests: RequestSchema<LindormBulkloadParams> = {
  parseRequest: parseLindormRequest,
  canonicalContent: (params) => ({ ...params, readerConfig: JSON.parse(params.readerConfig), writerConfig: JSON.parse(params.writerConfig) }),
  summarize: (params) => {
    const reader = JSON.parse(params.readerConfig) as Record<string, unknown>;
    const writer = JSON.parse(params.writerConfig) as Record<string, unknown>;
    const table = typeof writer.lindormTable === 'string' ? writer.lindormTable : undefined;
    const namespace = typeof writer.namespace === 'string' && writer.namespace ? writer.namespace : undefined;
    return {
      source: typeof reader.filePath === 'string' ? `${params.src}:${reader.filePath}` : params.src,
      destination: table === undefined ? params.dst : `${params.dst}/${namespace ? `${namespace}:` : ''}${table}`,
    };
  },
  // The destination instance (dst) and the writer's table: two loads into one table fight each other.
  destinationKey: (params) => {
    const writer = JSON.parse(params.writerConfig) as Record<string, unknown>;
    const namespace = typeof writer.namespace === 'string' && writer.namespace ? writer.namespace : 'default';
    const table = typeof writer.lindormTable === 'string' && writer.lindormTable ? writer.lindormTable : '*';
    return `${params.dst}/${namespace}:${table}`;
  },
  placeFile,
};

/**
 * An arrived file goes into `readerConfig.filePath` (a config given as JSON text stays text), and the rule's
 * suffix gives `fileType` (.csv → CSV, .parquet → Parquet) unless the template sets one: the master needs it
 * for HDFS sources.
 */
function placeFile(template: Record<string, unknown>, file: ArrivedFile): Record<string, unknown> {
  const request = structuredClone(template);
  const reader = request.readerConfig;
  if (typeof reader === 'string') request.readerConfig = JSON.stringify({ ...(JSON.parse(reader) as object), filePath: file.path });
  else request.readerConfig = { ...(reader as object | undefined), filePath: file.path };
  if (request.fileType === undefined) {
    const type = /\.csv$/i.test(file.suffix) ? 'CSV' : /\.parquet$/i.test(file.suffix) ? 'Parquet' : undefined;
    if (type) request.fileType = type;
  }
  return request;
}

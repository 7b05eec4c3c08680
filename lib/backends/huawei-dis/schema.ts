import type { RequestSchema } from '../backend.ts';
import { type DisParams, descriptorOf, parseDisRequest, taskNameOfParams } from './request.ts';

/** A DIS request: one dump task of a stream; shown by its stream and destination. */
export const disRequests: RequestSchema<DisParams> = {
  parseRequest: parseDisRequest,
  canonicalContent: (params) => params,
  summarize: (params) => {
    const d = descriptorOf(params);
    const where =
      params.destination_type === 'MRS'
        ? `${d.mrs_cluster_name}:${d.mrs_hdfs_path}`
        : String(d.obs_bucket_path ?? d.dli_table_name ?? d.cloudtable_cluster_name ?? d.dws_cluster_name ?? '');
    return { source: `stream ${params.streamName}`, destination: `${params.destination_type} ${where} as ${taskNameOfParams(params)}` };
  },
  // The stream: DIS takes at most five dump tasks per stream (DIS.4357).
  destinationKey: (params) => params.streamName,
};

import type { LindormBulkloadParams } from './request.ts';

/**
 * The create call's body. URLSearchParams percent-encodes every byte that is not unreserved, so a config
 * holding `& + = %`, quotes or non-ASCII text reaches the master byte-for-byte — unlike the seed's curl
 * example, which sends raw JSON and breaks on the first `+` or `&`.
 */
export function encodeCreateForm(params: LindormBulkloadParams): string {
  const form = new URLSearchParams();
  form.set('src', params.src);
  form.set('dst', params.dst);
  form.set('readerConfig', params.readerConfig);
  form.set('writerConfig', params.writerConfig);
  form.set('driverSpec', params.driverSpec);
  form.set('instances', String(params.instances));
  if (params.fileType !== undefined) form.set('fileType', params.fileType);
  if (params.sparkAdditionalParams !== undefined) form.set('sparkAdditionalParams', params.sparkAdditionalParams);
  return form.toString();
}

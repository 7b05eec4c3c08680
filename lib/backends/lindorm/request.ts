import { optionalText, rejectUnknownFields, requireInteger, requireJsonObject, requireName, requireOneOf } from '../../request/fields.ts';
import { ValidationIssues } from '../../request/validation-error.ts';

/** The create call's parameters, under the Lindorm API's own field names. */
export interface LindormBulkloadParams {
  src: string;
  dst: string;
  /** JSON text, sent as is. */
  readerConfig: string;
  writerConfig: string;
  driverSpec: 'small' | 'medium' | 'large' | 'xlarge';
  instances: number;
  fileType?: 'CSV' | 'Parquet';
  sparkAdditionalParams?: string;
}

export const lindormRequestFields = ['src', 'dst', 'readerConfig', 'writerConfig', 'driverSpec', 'instances', 'fileType', 'sparkAdditionalParams'] as const;
const driverSpecs = ['small', 'medium', 'large', 'xlarge'] as const;
const fileTypes = ['CSV', 'Parquet'] as const;
const configLimits = { maxBytes: 64 * 1024, maxDepth: 32 };
/** A sanity bound, not a documented limit: a typo of 5000 executors should fail here, not at Spark. */
export const maxInstances = 1000;

/**
 * Validates the Lindorm part of an import request. Whether `fileType` is required depends on the *type*
 * of the `src` data source (HDFS), which only the master knows, so that check is left to it.
 */
export function parseLindormRequest(fields: Record<string, unknown>): LindormBulkloadParams {
  // Each field is checked on its own: every mistake is reported at once.
  const issues = new ValidationIssues();
  issues.check(() => rejectUnknownFields(fields, lindormRequestFields));
  const src = issues.check(() => requireName(fields, 'src'));
  const dst = issues.check(() => requireName(fields, 'dst'));
  const readerConfig = issues.check(() => requireJsonObject(fields, 'readerConfig', configLimits).text);
  const writerConfig = issues.check(() => requireJsonObject(fields, 'writerConfig', configLimits).text);
  const driverSpec = issues.check(() => requireOneOf(fields, 'driverSpec', driverSpecs));
  const instances = issues.check(() => requireInteger(fields, 'instances', 1, maxInstances));
  const fileType = issues.check(() => requireOneOf(fields, 'fileType', fileTypes, { optional: true }));
  const spark = issues.check(() => optionalText(fields, 'sparkAdditionalParams', 4096));
  issues.throwIfAny();
  const params: LindormBulkloadParams = {
    src: src!,
    dst: dst!,
    readerConfig: readerConfig!,
    writerConfig: writerConfig!,
    driverSpec: driverSpec!,
    instances: instances!,
  };
  if (fileType !== undefined) params.fileType = fileType;
  if (spark !== undefined) params.sparkAdditionalParams = spark;
  return params;
}

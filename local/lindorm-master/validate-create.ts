/** What a create request is checked against. */
export interface CreateRules {
  dataSources: Record<string, { type: string }>;
  driverSpecs: readonly string[];
  acceptedFileTypes: readonly string[];
}

export type JsonObject = Record<string, unknown>;

export type CreateCheck = { ok: true; readerConfig: JsonObject; writerConfig: JsonObject } | { ok: false; message: string };

const REQUIRED_FIELDS = ['src', 'dst', 'readerConfig', 'writerConfig', 'driverSpec', 'instances'] as const;

export function isFormContentType(contentType: string | undefined): boolean {
  const mediaType = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  return mediaType === 'application/x-www-form-urlencoded';
}

/**
 * Checks a create request and names the first problem found. The real master's refusal texts
 * are not documented [I]; these aim to be clear enough for a person reading a client's log.
 */
export function validateCreate(contentType: string | undefined, form: Record<string, string> | undefined, rules: CreateRules): CreateCheck {
  if (form === undefined || !isFormContentType(contentType)) {
    return refuse(`unsupported content type: ${contentType ?? '(none)'}; expected application/x-www-form-urlencoded`);
  }
  for (const field of REQUIRED_FIELDS) {
    if ((form[field] ?? '') === '') return refuse(`missing required field: ${field}`);
  }
  const src = form['src']!;
  const dst = form['dst']!;
  const srcSource = Object.hasOwn(rules.dataSources, src) ? rules.dataSources[src] : undefined;
  if (srcSource === undefined) return refuse(`data source not found: ${src}`);
  if (!Object.hasOwn(rules.dataSources, dst)) return refuse(`data source not found: ${dst}`);

  const driverSpec = form['driverSpec']!;
  if (!rules.driverSpecs.includes(driverSpec)) {
    return refuse(`invalid driverSpec: ${driverSpec}; expected one of ${rules.driverSpecs.join(', ')}`);
  }
  const instances = form['instances']!;
  if (!/^[1-9]\d*$/.test(instances) || !Number.isSafeInteger(Number(instances))) {
    return refuse(`invalid instances: ${instances}; expected a positive integer`);
  }

  const readerConfig = parseJsonObject(form['readerConfig']!);
  if (readerConfig === undefined) return refuse('invalid readerConfig: not a JSON object');
  const writerConfig = parseJsonObject(form['writerConfig']!);
  if (writerConfig === undefined) return refuse('invalid writerConfig: not a JSON object');

  const fileType = form['fileType'] ?? '';
  if (fileType === '') {
    if (srcSource.type.toUpperCase() === 'HDFS') {
      return refuse(`missing required field: fileType (required when the source data source is HDFS)`);
    }
  } else if (!rules.acceptedFileTypes.includes(fileType)) {
    return refuse(`unsupported fileType: ${fileType}; expected one of ${rules.acceptedFileTypes.join(', ')}`);
  }
  return { ok: true, readerConfig, writerConfig };
}

function parseJsonObject(text: string): JsonObject | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : undefined;
}

function refuse(message: string): CreateCheck {
  return { ok: false, message };
}

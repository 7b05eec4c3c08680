import { describeValue, rejectUnknownFields } from '../../request/fields.ts';
import { RequestValidationError, ValidationIssues } from '../../request/validation-error.ts';

/**
 * The `/entrance/submit` body, under Linkis' own field names (seed 003, as CommonEntranceParser reads it):
 * `executionContent {code, runType}`, `params {variable, configuration {runtime, startup, special}}`,
 * `source` and `labels {engineType, userCreator, …}`. Inside the objects, keys Linkis may add are passed on.
 */
export interface LinkisSubmitParams {
  executionContent: { code: string; runType: string } & Record<string, unknown>;
  params?: {
    variable?: Record<string, unknown>;
    configuration?: { runtime?: Record<string, unknown>; startup?: Record<string, unknown>; special?: Record<string, unknown> };
  } & Record<string, unknown>;
  source?: Record<string, string>;
  labels: { engineType: string; userCreator: string } & Record<string, string>;
}

export const linkisRequestFields = ['executionContent', 'params', 'source', 'labels'] as const;

/** The key of `source` that carries bulkpilot's marker (it finds the task of a lost submit by it). */
export const markerKey = 'bulkpilotMarker';

const maxCodeBytes = 1024 * 1024;
const engineTypePattern = /^[A-Za-z][\w.]*-[\w.]+$/;
const userCreatorPattern = /^[^-\s]+-[^\s]+$/;

export function parseLinkisRequest(fields: Record<string, unknown>): LinkisSubmitParams {
  // Each part is checked on its own (a part's fields only once it is an object): every mistake is reported at once.
  const issues = new ValidationIssues();
  issues.check(() => rejectUnknownFields(fields, linkisRequestFields));
  const content = issues.check(() => object(fields.executionContent, 'executionContent', true));
  if (content) {
    issues.check(() => checkCode(content.code));
    const runType = content.runType;
    if (runType === undefined) issues.add('executionContent.runType', 'is required (e.g. sql, hql, py, scala)');
    else if (typeof runType !== 'string' || !runType.trim())
      issues.add('executionContent.runType', `must be a non-empty string, got ${describeValue(runType)}`);
  }

  const labels = issues.check(() => object(fields.labels, 'labels', true));
  if (labels) {
    for (const [key, value] of Object.entries(labels)) {
      if (typeof value !== 'string') issues.add(`labels.${key}`, `must be a string, got ${describeValue(value)}`);
    }
    // A label that is not a string was named above.
    if (labels.engineType === undefined) issues.add('labels.engineType', 'is required (the engine and its version, e.g. spark-2.4.3)');
    else if (typeof labels.engineType === 'string' && !engineTypePattern.test(labels.engineType))
      issues.add('labels.engineType', `must be <engine>-<version>, e.g. spark-2.4.3, got ${describeValue(labels.engineType)}`);
    if (labels.userCreator === undefined) issues.add('labels.userCreator', 'is required (<user>-<creator>, e.g. hadoop-IDE)');
    else if (typeof labels.userCreator === 'string' && !userCreatorPattern.test(labels.userCreator))
      issues.add('labels.userCreator', `must be <user>-<creator>, e.g. hadoop-IDE, got ${describeValue(labels.userCreator)}`);
  }

  const requestParams = issues.check(() => object(fields.params, 'params', false));
  if (requestParams) {
    issues.check(() => object(requestParams.variable, 'params.variable', false));
    const configuration = issues.check(() => object(requestParams.configuration, 'params.configuration', false));
    if (configuration)
      for (const part of ['runtime', 'startup', 'special']) issues.check(() => object(configuration[part], `params.configuration.${part}`, false));
  }
  const source = issues.check(() => object(fields.source, 'source', false));
  if (source) {
    // Linkis casts source to Map<String,String>: anything else fails there, after the task is stored.
    for (const [key, value] of Object.entries(source)) {
      if (typeof value !== 'string') issues.add(`source.${key}`, `must be a string (Linkis keeps source as strings), got ${describeValue(value)}`);
    }
    if (markerKey in source) issues.add(`source.${markerKey}`, 'is set by bulkpilot (it finds the task of a lost submit by it)');
  }
  issues.throwIfAny();

  const params: LinkisSubmitParams = {
    executionContent: content as LinkisSubmitParams['executionContent'],
    labels: labels as LinkisSubmitParams['labels'],
  };
  if (requestParams) params.params = requestParams as NonNullable<LinkisSubmitParams['params']>;
  if (source) params.source = source as Record<string, string>;
  return params;
}

function checkCode(code: unknown): void {
  const field = 'executionContent.code';
  if (code === undefined) throw new RequestValidationError(field, 'is required');
  if (typeof code !== 'string') throw new RequestValidationError(field, `must be a string, got ${describeValue(code)}`);
  if (code.trim() === '') throw new RequestValidationError(field, 'must not be empty');
  if (Buffer.byteLength(code) > maxCodeBytes) throw new RequestValidationError(field, `must be at most ${maxCodeBytes} bytes`);
  if (!code.isWellFormed()) throw new RequestValidationError(field, 'must be well-formed Unicode (it holds a lone surrogate)');
}

function object(value: unknown, field: string, required: boolean): Record<string, unknown> | undefined {
  if (value === undefined) {
    if (required) throw new RequestValidationError(field, 'is required (an object)');
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new RequestValidationError(field, `must be an object, got ${describeValue(value)}`);
  return value as Record<string, unknown>;
}

/** The engine type without its version (`spark` of `spark-2.4.3`): what jobhistory's list filters on. */
export function engineOf(params: LinkisSubmitParams): string {
  return params.labels.engineType.replace(/-[^-]*$/, '');
}

/** The creator part of `userCreator` (`IDE` of `hadoop-IDE`). */
export function creatorOf(params: LinkisSubmitParams): string {
  return params.labels.userCreator.slice(params.labels.userCreator.indexOf('-') + 1);
}

import { describeValue, rejectUnknownFields } from '../../request/fields.ts';
import { RequestValidationError } from '../../request/validation-error.ts';

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
  rejectUnknownFields(fields, linkisRequestFields);
  const content = object(fields.executionContent, 'executionContent', true)!;
  const code = content.code;
  if (code === undefined) throw new RequestValidationError('executionContent.code', 'is required');
  if (typeof code !== 'string') throw new RequestValidationError('executionContent.code', `must be a string, got ${describeValue(code)}`);
  if (code.trim() === '') throw new RequestValidationError('executionContent.code', 'must not be empty');
  if (Buffer.byteLength(code) > maxCodeBytes) throw new RequestValidationError('executionContent.code', `must be at most ${maxCodeBytes} bytes`);
  if (!code.isWellFormed()) throw new RequestValidationError('executionContent.code', 'must be well-formed Unicode (it holds a lone surrogate)');
  const runType = content.runType;
  if (runType === undefined) throw new RequestValidationError('executionContent.runType', 'is required (e.g. sql, hql, py, scala)');
  if (typeof runType !== 'string' || !runType.trim())
    throw new RequestValidationError('executionContent.runType', `must be a non-empty string, got ${describeValue(runType)}`);

  const labels = object(fields.labels, 'labels', true)!;
  for (const [key, value] of Object.entries(labels)) {
    if (typeof value !== 'string') throw new RequestValidationError(`labels.${key}`, `must be a string, got ${describeValue(value)}`);
  }
  if (labels.engineType === undefined) throw new RequestValidationError('labels.engineType', 'is required (the engine and its version, e.g. spark-2.4.3)');
  if (!engineTypePattern.test(labels.engineType as string))
    throw new RequestValidationError('labels.engineType', `must be <engine>-<version>, e.g. spark-2.4.3, got ${describeValue(labels.engineType)}`);
  if (labels.userCreator === undefined) throw new RequestValidationError('labels.userCreator', 'is required (<user>-<creator>, e.g. hadoop-IDE)');
  if (!userCreatorPattern.test(labels.userCreator as string))
    throw new RequestValidationError('labels.userCreator', `must be <user>-<creator>, e.g. hadoop-IDE, got ${describeValue(labels.userCreator)}`);

  const params: LinkisSubmitParams = {
    executionContent: content as LinkisSubmitParams['executionContent'],
    labels: labels as LinkisSubmitParams['labels'],
  };
  const requestParams = object(fields.params, 'params', false);
  if (requestParams) {
    object(requestParams.variable, 'params.variable', false);
    const configuration = object(requestParams.configuration, 'params.configuration', false);
    if (configuration) for (const part of ['runtime', 'startup', 'special']) object(configuration[part], `params.configuration.${part}`, false);
    params.params = requestParams as NonNullable<LinkisSubmitParams['params']>;
  }
  const source = object(fields.source, 'source', false);
  if (source) {
    // Linkis casts source to Map<String,String>: anything else fails there, after the task is stored.
    for (const [key, value] of Object.entries(source)) {
      if (typeof value !== 'string')
        throw new RequestValidationError(`source.${key}`, `must be a string (Linkis keeps source as strings), got ${describeValue(value)}`);
    }
    if (markerKey in source) throw new RequestValidationError(`source.${markerKey}`, 'is set by bulkpilot (it finds the task of a lost submit by it)');
    params.source = source as Record<string, string>;
  }
  return params;
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

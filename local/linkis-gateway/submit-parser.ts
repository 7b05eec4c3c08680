import type { Envelope, ServiceIdentity } from './envelope.ts';
import { errorExceptionEnvelope, unknownExceptionEnvelope } from './envelope.ts';
import { classCast, JavaError, javaStringOf, nullPointer } from './java.ts';
import type { TimeoutLabels } from './lifecycle.ts';
import type { TokenEntry } from './types.ts';

/** What CommonEntranceParser.parseToTask makes of a submit body. */
export interface ParsedSubmit {
  submitUser: string;
  executeUser: string;
  executionCode: string | null;
  runType: string | null;
  labels: Record<string, string>;
  params: Record<string, unknown> | null;
  /** source with requestIP added, values as the Map<String,String> round trip leaves them. */
  source: Record<string, string | null>;
  engineType: string | null;
  creator: string | null;
  labelUser: string | null;
  timeouts: TimeoutLabels;
}

export type SubmitParse = { ok: true; value: ParsedSubmit } | { ok: false; refusal: Envelope };

export interface SubmitContext {
  endpoint: 'submit' | 'execute';
  loginUser: string;
  token: TokenEntry | undefined;
  requestIP: string;
  who: ServiceIdentity;
}

/** An EntranceIllegalParamException: caught as ErrorException, answered with code and desc. */
class ParamError extends Error {
  readonly errCode: number;
  readonly desc: string;

  constructor(errCode: number, desc: string) {
    super(desc);
    this.errCode = errCode;
    this.desc = desc;
  }
}

const PARAM_NOT_NULL = 'The param executionCode cannot be empty (参数 executionCode 不能为空)';
const LABEL_PARAMS_INVALID = 'Label params invalid ';
const DEFAULT_CREATOR = 'IDE';
const DEFAULT_RUN_TYPE = 'sql';
/** [I] EngineTypeLabelCreator's defaults for a 0.x body that names only the engine. */
const DEFAULT_ENGINE_VERSIONS: Record<string, string> = { spark: '2.4.3', hive: '3.1.3', python: 'python2', shell: '1' };

/**
 * EntranceRestfulApi.submit/execute up to EntranceServer.execute's parse: refusals here persist
 * nothing. Checks run in the real order, so the first problem found is the one reported.
 */
export function parseSubmit(body: Record<string, unknown>, ctx: SubmitContext): SubmitParse {
  try {
    return { ok: true, value: parse(body, ctx) };
  } catch (thrown) {
    if (thrown instanceof ParamError) return { ok: false, refusal: errorExceptionEnvelope(thrown.errCode, thrown.desc, ctx.who) };
    if (thrown instanceof JavaError) return { ok: false, refusal: unknownExceptionEnvelope(thrown.rootCause(), ctx.who) };
    throw thrown;
  }
}

function parse(body: Record<string, unknown>, ctx: SubmitContext): ParsedSubmit {
  let executeUser = ctx.loginUser;
  // Only an admin token may submit on behalf of another user (submit only; execute always uses the caller).
  const requested = body['executeUser'];
  if (ctx.endpoint === 'submit' && ctx.token?.admin === true && requested !== undefined && requested !== null) {
    executeUser = javaStringOf(requested);
  }
  // (HashMap) json.get("source"), then requestIP is added to it.
  const rawSource = body['source'];
  if (rawSource !== undefined && rawSource !== null && !isObject(rawSource)) throw classCast(rawSource, 'java.util.HashMap');
  const source = sourceOf(isObject(rawSource) ? rawSource : {}, ctx.requestIP);
  if (!Object.hasOwn(body, 'executionContent')) return parseOldTask(body, ctx.loginUser, executeUser, source);

  const executionContent = mapOrDefault(body, 'executionContent');
  const params = mapOrDefault(body, 'params');
  const labelMap = mapOrDefault(body, 'labels');
  if (labelMap === null) throw nullPointer();
  if (Object.keys(labelMap).length === 0) throw new ParamError(20008, 'params cannot be empty ,  labels is null');
  if (params !== null) addRuntime(params, ctx.loginUser, executeUser);
  if (executionContent === null) throw nullPointer();
  if (!Object.hasOwn(executionContent, 'code')) throw new ParamError(20010, PARAM_NOT_NULL);
  const code = stringOrNull(executionContent['code']);
  const runType = stringOrNull(executionContent['runType']);
  if (code === null || code.trim() === '') throw new ParamError(20007, PARAM_NOT_NULL);

  const labels = labelsOf(labelMap);
  const timeouts = checkTimeoutLabels(labels);
  if (labels['engineType'] === undefined) {
    throw new ParamError(20009, `${LABEL_PARAMS_INVALID}You need to specify engineTypeLabel in labels,such as spark-2.4.3`);
  }
  if ((runType === null || runType.trim() === '') && labels['codeType'] === undefined) {
    throw new ParamError(20009, `${LABEL_PARAMS_INVALID}You need to specify runType in execution content, such as sql`);
  }
  if (runType !== null && runType.trim() !== '') labels['codeType'] = runType;
  if (labels['userCreator'] === undefined) labels['userCreator'] = `${executeUser}-${DEFAULT_CREATOR}`;
  return finish({
    submitUser: ctx.loginUser,
    executeUser,
    executionCode: code,
    runType: labels['codeType'] ?? null,
    labels,
    params,
    source,
    timeouts,
  });
}

/** CommonEntranceParser.parseToOldTask: the 0.x body (executeApplicationName, executionCode, runType, …). */
function parseOldTask(body: Record<string, unknown>, submitUser: string, executeUser: string, source: Record<string, string | null>): ParsedSubmit {
  let executionCode = stringOrNull(body['executionCode']);
  const rawParams = body['params'];
  const params = isObject(rawParams) ? structuredClone(rawParams) : null;
  if (params !== null) addRuntime(params, submitUser, executeUser);
  let creator = stringOrNull(body['requestApplicationName']);
  if (creator === null || creator.trim() === '') creator = DEFAULT_CREATOR;
  const executeApplicationName = stringOrNull(body['executeApplicationName']);
  if (creator === DEFAULT_CREATOR && isEmpty(source['scriptPath'] ?? null) && isEmpty(executionCode)) {
    throw new ParamError(20007, 'The param executionCode and scriptPath cannot be empty at the same time(参数 executionCode 和 scriptPath 不能同时为空)');
  }
  let runType: string | null = null;
  if (!isEmpty(executionCode)) {
    runType = stringOrNull(body['runType']);
    if (isEmpty(runType)) runType = DEFAULT_RUN_TYPE;
  } else {
    executionCode = null;
  }
  // jobReq.getParams.get("variable") with no params map: the 0.x parser dereferences null.
  if (params === null) throw nullPointer();
  const engine = String(executeApplicationName);
  const labels: Record<string, string> = {
    engineType: `${engine}-${DEFAULT_ENGINE_VERSIONS[engine] ?? '*'}`,
    userCreator: `${executeUser}-${creator}`,
  };
  if (runType !== null) labels['codeType'] = runType;
  const labelMap = body['labels'];
  if (labelMap !== undefined && labelMap !== null) {
    if (!isObject(labelMap)) throw classCast(labelMap, 'java.util.Map');
    Object.assign(labels, labelsOf(labelMap));
  }
  return finish({
    submitUser,
    executeUser,
    executionCode,
    runType: labels['codeType'] ?? null,
    labels,
    params,
    source,
    timeouts: { queuingSeconds: 0, runningSeconds: 0 },
  });
}

function finish(parsed: Omit<ParsedSubmit, 'engineType' | 'creator' | 'labelUser'>): ParsedSubmit {
  const engineLabel = parsed.labels['engineType'];
  const userCreator = parsed.labels['userCreator'];
  const dash = userCreator?.indexOf('-') ?? -1;
  return {
    ...parsed,
    engineType: engineLabel === undefined ? null : engineLabel.split('-', 1)[0]!,
    labelUser: userCreator === undefined ? null : dash < 0 ? userCreator : userCreator.slice(0, dash),
    creator: userCreator === undefined || dash < 0 ? null : userCreator.slice(dash + 1),
  };
}

/** JobTimeoutManager.checkTimeoutLabel: both timeout labels must be non-negative integers (seconds). */
function checkTimeoutLabels(labels: Record<string, string>): TimeoutLabels {
  const queuing = labels['jobQueuingTimeout'];
  const running = labels['jobRunningTimeout'];
  if ((queuing !== undefined && !/^[0-9]+$/.test(queuing)) || (running !== undefined && !/^[0-9]+$/.test(running))) {
    throw new ParamError(20009, `${LABEL_PARAMS_INVALID}The task time tag is not set incorrectly, execution is not allowed.`);
  }
  return { queuingSeconds: queuing === undefined ? 0 : Number(queuing), runningSeconds: running === undefined ? 0 : Number(running) };
}

/** TaskUtils.addRuntimeMap: submitUser/executeUser land in params.configuration.runtime. */
function addRuntime(params: Record<string, unknown>, submitUser: string, executeUser: string): void {
  const configuration = isObject(params['configuration']) ? params['configuration'] : {};
  const runtime = isObject(configuration['runtime']) ? configuration['runtime'] : {};
  runtime['submitUser'] = submitUser;
  runtime['executeUser'] = executeUser;
  configuration['runtime'] = runtime;
  params['configuration'] = configuration;
}

/** [I] The label builder reads values as strings; a label with a null value is dropped. */
function labelsOf(labelMap: Record<string, unknown>): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [key, value] of Object.entries(labelMap)) {
    if (value === null || value === undefined) continue;
    const text = javaStringOf(value);
    if (text.trim() === '') continue;
    labels[key] = text;
  }
  return labels;
}

/**
 * source is cast to Map<String,String> unchecked; the jobhistory round trip (gson into
 * Map<String,String>) turns scalars into strings. [I] objects and arrays are kept as JSON text.
 */
function sourceOf(raw: Record<string, unknown>, requestIP: string): Record<string, string | null> {
  const source: Record<string, string | null> = {};
  for (const [key, value] of Object.entries(raw)) source[key] = value === null || value === undefined ? null : javaStringOf(value);
  source['requestIP'] = requestIP;
  return source;
}

/** params.getOrDefault(key, new HashMap).asInstanceOf[util.Map]: absent gives {}, null stays null. */
function mapOrDefault(body: Record<string, unknown>, key: string): Record<string, unknown> | null {
  if (!Object.hasOwn(body, key)) return {};
  const value = body[key];
  if (value === null) return null;
  if (!isObject(value)) throw classCast(value, 'java.util.Map');
  return structuredClone(value);
}

/** .asInstanceOf[String] */
function stringOrNull(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw classCast(value, 'java.lang.String');
  return value;
}

function isEmpty(value: string | null): boolean {
  return value === null || value === '';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

import type { ArrivedFile } from '../backends/backend.ts';
import { parseImportRequest, type RequestTargets } from '../request/import-request.ts';
import { RequestValidationError } from '../request/validation-error.ts';
import { parseSchedule, type Schedule, ScheduleExpressionError } from './cron-expression.ts';
import { fillTemplate } from './template.ts';

/**
 * The import rules of a deployment (one JSON file, IMPORT_RULES_FILE): which file arrivals and which
 * schedules become import requests. Validated as a whole when loaded; every error names the path of the
 * offending entry, e.g. `fileRules[1].sufix: unknown key`.
 */
export interface FileRule {
  id: string;
  /** Only objects of this bucket (any bucket wired to the function when absent). */
  bucket?: string;
  prefix: string;
  /** Data files end so (the backend may read the file's format from it). */
  suffix: string;
  /** When set, data files are not imported one by one: the arrival of `<dir>/<marker>` imports `<dir>/` once. */
  marker?: string;
  /** The file's path as the backend gets it: `{key}` (default) or `{dir}` for marker rules; `{bucket}` may be used. */
  filePath: string;
  /**
   * The request; strings may hold `{path}`, `{bucket}`, `{key}`, `{dir}` and `{fileId}` (12 hex characters
   * naming the file's version, for a name that must be unique and path-safe, such as a job's). The backend
   * puts the path where it reads its input, when it has such a place (its module's `placeFile`).
   */
  template: Record<string, unknown>;
  /** The target's backend's way to put the file into the request (absent: placeholders only). */
  placeFile?: (template: Record<string, unknown>, file: ArrivedFile) => Record<string, unknown>;
}

export interface CronRule {
  id: string;
  schedule: Schedule;
  /** Placeholders {yyyy} {MM} {dd} {HH} {mm} are those of the scheduled slot (UTC), not of the invocation. */
  template: Record<string, unknown>;
  /** A late scheduler fires at most this many missed slots (oldest first); older ones are reported and skipped. */
  maxCatchUp: number;
}

export interface ImportRules {
  fileRules: FileRule[];
  cronRules: CronRule[];
}

export class ImportRulesError extends Error {
  constructor(source: string, path: string, problem: string) {
    super(`${source}: ${path}: ${problem}`);
    this.name = 'ImportRulesError';
  }
}

const idPattern = /^[A-Za-z0-9_-]{1,40}$/;
const fileRuleKeys = ['id', 'bucket', 'prefix', 'suffix', 'marker', 'filePath', 'template'];
const cronRuleKeys = ['id', 'schedule', 'template', 'maxCatchUp'];

export function parseImportRules(document: unknown, source: string, targets: RequestTargets): ImportRules {
  const fail = (path: string, problem: string): never => {
    throw new ImportRulesError(source, path, problem);
  };
  const object = (value: unknown, path: string): Record<string, unknown> =>
    typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : fail(path, 'must be an object');
  const text = (value: unknown, path: string, optional = false): string | undefined => {
    if (value === undefined && optional) return undefined;
    return typeof value === 'string' ? value : fail(path, value === undefined ? 'is required' : 'must be a string');
  };
  const known = (value: Record<string, unknown>, keys: string[], path: string) => {
    for (const key of Object.keys(value)) if (!keys.includes(key)) fail(`${path}.${key}`, `unknown key (known: ${keys.join(', ')})`);
  };
  const list = (value: unknown, path: string) => (value === undefined ? [] : Array.isArray(value) ? value : fail(path, 'must be an array'));

  const root = object(document, '(root)');
  known(root, ['fileRules', 'cronRules'], '(root)');
  const ids = new Set<string>();
  const uniqueId = (value: unknown, path: string) => {
    const id = text(value, path)!;
    if (!idPattern.test(id)) fail(path, 'must be 1–40 letters, digits, _ or -');
    if (ids.has(id)) fail(path, `duplicate rule id ${JSON.stringify(id)}`);
    ids.add(id);
    return id;
  };
  const checkTemplate = (template: Record<string, unknown>, sample: Record<string, string>, path: string) => {
    if ('requestId' in template) fail(`${path}.requestId`, 'is derived by bulkpilot (from the file or the slot) and may not be set');
    try {
      parseImportRequest(JSON.stringify(fillTemplate(template, sample)), targets);
    } catch (error) {
      if (error instanceof RequestValidationError) fail(`${path}.${error.field}`, error.reason);
      throw error;
    }
  };

  const fileRules = list(root.fileRules, 'fileRules').map((raw, i): FileRule => {
    const path = `fileRules[${i}]`;
    const r = object(raw, path);
    known(r, fileRuleKeys, path);
    const rule: FileRule = {
      id: uniqueId(r.id, `${path}.id`),
      prefix: text(r.prefix, `${path}.prefix`, true) ?? '',
      suffix: text(r.suffix, `${path}.suffix`, true) ?? '',
      filePath: text(r.filePath, `${path}.filePath`, true) ?? (r.marker ? '{dir}' : '{key}'),
      template: object(r.template, `${path}.template`),
    };
    const bucket = text(r.bucket, `${path}.bucket`, true);
    if (bucket !== undefined) rule.bucket = bucket;
    const marker = text(r.marker, `${path}.marker`, true);
    if (marker !== undefined) {
      if (!marker || marker.includes('/')) fail(`${path}.marker`, 'must be a file name without "/" (e.g. _SUCCESS)');
      rule.marker = marker;
    }
    const unknownPlaceholder = /\{(?!bucket\}|key\}|dir\})[^}]*\}/.exec(rule.filePath);
    if (unknownPlaceholder) fail(`${path}.filePath`, `unknown placeholder ${unknownPlaceholder[0]} (known: {bucket}, {key}, {dir})`);
    let placeFile: FileRule['placeFile'];
    try {
      placeFile = targets.resolve({ target: rule.template.target, backend: rule.template.backend }).module.requests.placeFile;
    } catch (error) {
      if (error instanceof RequestValidationError) fail(`${path}.template.${error.field}`, error.reason);
      throw error;
    }
    if (placeFile) rule.placeFile = placeFile;
    else if (!/(?<!\$)\{(path|key|dir|bucket)\}/.test(JSON.stringify(rule.template))) {
      fail(`${path}.template`, 'its backend has no set place for an arrived file: put {path} (or {key}, {dir}, {bucket}) where the request should name it');
    }
    checkTemplate(
      withFile(rule, { bucket: rule.bucket ?? 'bucket', key: `${rule.prefix}sample${rule.suffix}`, dir: rule.prefix, fileId: '0123456789ab' }),
      {},
      `${path}.template`,
    );
    return rule;
  });

  const cronRules = list(root.cronRules, 'cronRules').map((raw, i): CronRule => {
    const path = `cronRules[${i}]`;
    const r = object(raw, path);
    known(r, cronRuleKeys, path);
    const id = uniqueId(r.id, `${path}.id`);
    let schedule: Schedule;
    try {
      schedule = parseSchedule(text(r.schedule, `${path}.schedule`)!);
    } catch (error) {
      if (error instanceof ScheduleExpressionError) fail(`${path}.schedule`, error.message);
      throw error;
    }
    const maxCatchUp =
      r.maxCatchUp === undefined
        ? 24
        : typeof r.maxCatchUp === 'number' && Number.isInteger(r.maxCatchUp) && r.maxCatchUp >= 1 && r.maxCatchUp <= 1440
          ? r.maxCatchUp
          : fail(`${path}.maxCatchUp`, 'must be an integer from 1 to 1440');
    const template = object(r.template, `${path}.template`);
    checkTemplate(template, slotPlaceholders(Date.UTC(2026, 0, 1)), `${path}.template`);
    return { id, schedule, template, maxCatchUp };
  });

  return { fileRules, cronRules };
}

/** The request a file rule makes of an arrived file: placeholders filled, then the path put where the backend reads it. */
export function withFile(rule: FileRule, file: { bucket: string; key: string; dir: string; fileId: string }): Record<string, unknown> {
  const path = rule.filePath.replaceAll('{bucket}', file.bucket).replaceAll('{key}', file.key).replaceAll('{dir}', file.dir);
  const filled = fillTemplate(rule.template, { path, bucket: file.bucket, key: file.key, dir: file.dir, fileId: file.fileId });
  return rule.placeFile ? rule.placeFile(filled, { path, ...file, suffix: rule.suffix }) : structuredClone(filled);
}

export function slotPlaceholders(slot: number): Record<string, string> {
  const d = new Date(slot);
  const two = (n: number) => String(n).padStart(2, '0');
  return { yyyy: String(d.getUTCFullYear()), MM: two(d.getUTCMonth() + 1), dd: two(d.getUTCDate()), HH: two(d.getUTCHours()), mm: two(d.getUTCMinutes()) };
}

import { readFileSync } from 'node:fs';
import { jsonSyntaxErrorOffset, lineAndColumn } from '../request/fields.ts';
import type { RequestValidationError } from '../request/validation-error.ts';

/** A request that could not be read at all (no such file, a directory, no permission, nothing in it). */
export class RequestInputError extends Error {
  /** The source as given: a path, or `-`. */
  readonly source: string;

  constructor(source: string, message: string) {
    super(message);
    this.name = 'RequestInputError';
    this.source = source;
  }
}

/** What the request is called in messages when it is not a file. */
export const stdinOrigin = 'stdin';
export const inlineOrigin = 'inline JSON';

const readFailures: Record<string, string> = {
  ENOENT: 'no such file',
  ENOTDIR: 'no such file (a part of the path is not a directory)',
  EISDIR: 'is a directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'the name is too long',
};

/**
 * The text of a request and what to call it in messages. `source` is a file's path, `-` for stdin, or the
 * request itself as JSON (it starts with `{`). A leading byte-order mark, which some editors write and
 * JSON does not allow, is dropped from a file or stdin.
 */
export function readRequestInput(source: string, readStdin: () => string): { body: string; origin: string } {
  if (source.trimStart().startsWith('{')) return { body: source, origin: inlineOrigin };
  if (source === '') throw new RequestInputError(source, 'no request given: name a file, - for stdin, or give the request as JSON');
  let body: string;
  if (source === '-') {
    try {
      body = readStdin();
    } catch (error) {
      throw new RequestInputError(source, `cannot read the request from stdin: ${failureOf(error)}`);
    }
  } else {
    try {
      body = readFileSync(source, 'utf8');
    } catch (error) {
      throw new RequestInputError(source, `cannot read request file ${source}: ${failureOf(error)}`);
    }
  }
  if (body.startsWith('\uFEFF')) body = body.slice(1);
  const origin = source === '-' ? stdinOrigin : source;
  if (body.trim() === '') throw new RequestInputError(source, source === '-' ? 'stdin is empty: no request was given' : `request file ${source} is empty`);
  return { body, origin };
}

function failureOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && readFailures[code]) return readFailures[code];
  return error instanceof Error ? error.message : String(error);
}

/**
 * A rejected request for people: `<origin>: invalid request:` and one line per error. A request that is
 * not JSON is placed by line and column (it is scanned, never quoted: a config may hold a secret).
 */
export function describeValidationError(error: RequestValidationError, origin: string, body: string): string {
  const lines = error.errors.map(({ field, reason }) => {
    if (field === '(message)' && reason.startsWith('is not valid JSON')) return notJson(body) ?? `not valid JSON${reason.slice('is not valid JSON'.length)}`;
    return field === '(message)' ? `the request ${reason}` : `${field}: ${reason}`;
  });
  return [`${origin}: invalid request:`, ...lines.map((line) => `  ${line}`)].join('\n');
}

function notJson(body: string): string | undefined {
  const offset = jsonSyntaxErrorOffset(body);
  if (offset === undefined) return undefined;
  const { line, column } = lineAndColumn(body, offset);
  return offset >= body.length ? `not valid JSON: it ends too early, at line ${line}, column ${column}` : `not valid JSON at line ${line}, column ${column}`;
}

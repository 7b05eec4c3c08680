import { RequestValidationError, ValidationIssues } from './validation-error.ts';

/** Small, strict readers for request fields; each failure names the field and says what was found. */

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point (they are refused in names)
const controlCharacters = /[\u0000-\u001f\u007f]/;

/**
 * A lone UTF-16 surrogate (a JSON `\ud800` escape without its pair) has no UTF-8 form: the form encoding
 * (or any text encoding) would replace it with U+FFFD, so the backend would receive a different value than the request holds.
 */
const loneSurrogateReason = 'must be well-formed Unicode (it holds a lone surrogate, e.g. an unpaired \\ud800 escape)';

export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `string ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value)}`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

export function requireName(fields: Record<string, unknown>, key: string, maxLength = 128): string {
  const value = fields[key];
  if (value === undefined) throw new RequestValidationError(key, 'is required');
  if (typeof value !== 'string') throw new RequestValidationError(key, `must be a string, got ${describeValue(value)}`);
  if (value.length === 0) throw new RequestValidationError(key, 'must not be empty');
  const characters = [...value].length; // code points: an emoji is one character, not two UTF-16 units
  if (characters > maxLength) throw new RequestValidationError(key, `must be at most ${maxLength} characters, got ${characters}`);
  if (controlCharacters.test(value)) throw new RequestValidationError(key, 'must not contain control characters (newline, tab, NUL…)');
  if (!value.isWellFormed()) throw new RequestValidationError(key, loneSurrogateReason);
  if (value.trim() !== value) throw new RequestValidationError(key, 'must not start or end with whitespace');
  return value;
}

export function optionalText(fields: Record<string, unknown>, key: string, maxLength: number): string | undefined {
  const value = fields[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new RequestValidationError(key, `must be a string, got ${describeValue(value)}`);
  const characters = [...value].length; // code points: an emoji is one character, not two UTF-16 units
  if (characters > maxLength) throw new RequestValidationError(key, `must be at most ${maxLength} characters, got ${characters}`);
  if (controlCharacters.test(value)) throw new RequestValidationError(key, 'must not contain control characters (newline, tab, NUL…)');
  if (!value.isWellFormed()) throw new RequestValidationError(key, loneSurrogateReason);
  return value;
}

export function requireOneOf<T extends string>(
  fields: Record<string, unknown>,
  key: string,
  allowed: readonly T[],
  options: { optional?: boolean } = {},
): T | undefined {
  const value = fields[key];
  if (value === undefined) {
    if (options.optional) return undefined;
    throw new RequestValidationError(key, `is required (one of ${allowed.join(', ')})`);
  }
  const match = typeof value === 'string' ? allowed.find((a) => a.toLowerCase() === value.toLowerCase()) : undefined;
  if (match === undefined) throw new RequestValidationError(key, `must be one of ${allowed.join(', ')}, got ${describeValue(value)}`);
  return match;
}

/** Accepts a JSON integer, or a string of digits as in the form-encoded API (`instances=5`). */
export function requireInteger(fields: Record<string, unknown>, key: string, min: number, max: number): number {
  const value = fields[key];
  if (value === undefined) throw new RequestValidationError(key, 'is required');
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^[0-9]{1,9}$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n)) throw new RequestValidationError(key, `must be an integer (a number or a string of digits), got ${describeValue(value)}`);
  if (n < min || n > max) throw new RequestValidationError(key, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

/**
 * A JSON object given as an object or as a JSON string (both forms appear in practice). Returns the text
 * to send: a string is kept verbatim (its bytes are what the producer meant), an object is serialized.
 */
export function requireJsonObject(
  fields: Record<string, unknown>,
  key: string,
  limits: { maxBytes: number; maxDepth: number },
): { text: string; value: Record<string, unknown> } {
  const given = fields[key];
  if (given === undefined) throw new RequestValidationError(key, 'is required (a JSON object, or a string holding one)');
  let value: unknown = given;
  if (typeof given === 'string') {
    if (Buffer.byteLength(given) > limits.maxBytes) throw new RequestValidationError(key, `must be at most ${limits.maxBytes} bytes of JSON`);
    // A string form is sent verbatim; a lone surrogate in it cannot be (an object form escapes it as \uXXXX).
    if (!given.isWellFormed()) throw new RequestValidationError(key, loneSurrogateReason);
    try {
      value = JSON.parse(given);
    } catch (error) {
      throw new RequestValidationError(key, `is a string but not valid JSON${jsonErrorPosition(error, given)}`);
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new RequestValidationError(key, `must be a JSON object, got ${describeValue(value)}`);
  }
  const depth = depthOf(value, limits.maxDepth + 1);
  if (depth > limits.maxDepth) throw new RequestValidationError(key, `is nested deeper than ${limits.maxDepth} levels`);
  const text = typeof given === 'string' ? given : JSON.stringify(value);
  if (Buffer.byteLength(text) > limits.maxBytes) throw new RequestValidationError(key, `must be at most ${limits.maxBytes} bytes of JSON`);
  // An object arrived through JSON.parse: an integer past 2^53 has already lost digits, and would reach
  // the backend altered. A string form is sent verbatim, so its numbers are safe.
  if (typeof given !== 'string') {
    const unsafe = findUnsafeInteger(value, key);
    if (unsafe) throw new RequestValidationError(unsafe, 'is an integer too large to keep exactly; give the config as a JSON string, or quote the number');
  }
  return { text, value: value as Record<string, unknown> };
}

function findUnsafeInteger(value: unknown, path: string): string | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && !Number.isSafeInteger(value) ? path : undefined;
  if (typeof value !== 'object' || value === null) return undefined;
  for (const [k, v] of Object.entries(value)) {
    const found = findUnsafeInteger(v, Array.isArray(value) ? `${path}[${k}]` : `${path}.${k}`);
    if (found) return found;
  }
  return undefined;
}

/** bulkpilot's own fields of an import request, beside the backend's (import-request.ts reads them). */
export const envelopeFields = ['requestId', 'target', 'backend', 'maxDurationMinutes', 'retry', 'priority'] as const;

/**
 * Refuses every top-level field that is neither the backend's (`known`) nor bulkpilot's own, one error each;
 * the reason lists both, since a request may hold both.
 */
export function rejectUnknownFields(fields: Record<string, unknown>, known: readonly string[]): void {
  const issues = new ValidationIssues();
  const all = [...known, ...envelopeFields.filter((f) => !known.includes(f))];
  for (const key of Object.keys(fields)) {
    if (!all.includes(key)) issues.add(key, `is not a known field (known: ${all.join(', ')})`);
  }
  issues.throwIfAny();
}

// Stops counting at `limit` so a hostile 100k-deep document costs nothing more than the limit.
function depthOf(value: unknown, limit: number): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (typeof current !== 'object' || current === null) continue;
    if (depth > deepest) deepest = depth;
    if (deepest >= limit) return deepest;
    for (const child of Object.values(current)) stack.push([child, depth + 1]);
  }
  return deepest;
}

/**
 * Where JSON.parse gave up on `text`, as ` (at line 3, column 12)`, without its message: V8 quotes the input
 * around the error, and a config may hold a secret that must not reach logs, the dead-letter queue or a
 * notification. V8 names no position for most errors, so the text is scanned for it.
 */
export function jsonErrorPosition(error: unknown, text: string): string {
  const offset = jsonSyntaxErrorOffset(text);
  if (offset !== undefined) {
    const { line, column } = lineAndColumn(text, offset);
    return offset >= text.length ? ` (it ends too early, at line ${line}, column ${column})` : ` (at line ${line}, column ${column})`;
  }
  // The scan found the text well formed, yet JSON.parse refused it (a limit of the engine): say what V8 said of where.
  const message = error instanceof Error ? error.message : '';
  const position = /position (\d+)/.exec(message)?.[1];
  if (position !== undefined) {
    const { line, column } = lineAndColumn(text, Number(position));
    return ` (at line ${line}, column ${column})`;
  }
  return /end of (JSON )?input/i.test(message) ? ' (it ends too early)' : '';
}

/** Line and column (both from 1; a column counts code points) of a UTF-16 offset; \n, \r\n and \r end a line. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) {
      line++;
      start = i + 1;
    }
  }
  let column = 1;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    // The second half of a surrogate pair is the same character as the first.
    if (!(c >= 0xdc00 && c <= 0xdfff && i > start && text.charCodeAt(i - 1) >= 0xd800 && text.charCodeAt(i - 1) <= 0xdbff)) column++;
  }
  return { line, column };
}

/**
 * The offset of the first character that makes `text` not JSON (its length when it ends too early), or
 * undefined when it is JSON (RFC 8259, as JSON.parse reads it). Iterative: a hostile depth costs no stack.
 */
export function jsonSyntaxErrorOffset(text: string): number | undefined {
  const n = text.length;
  let i = 0;
  const skipSpace = () => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return;
      i++;
    }
  };
  const digits = (): boolean => {
    const from = i;
    while (i < n && text.charCodeAt(i) >= 0x30 && text.charCodeAt(i) <= 0x39) i++;
    return i > from;
  };
  const string = (): boolean => {
    if (text[i] !== '"') return false;
    i++;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return true;
      }
      if (c < 0x20) return false;
      if (c === 0x5c) {
        i++;
        if (i >= n) return false;
        if ('"\\/bfnrt'.includes(text[i]!)) i++;
        else if (text[i] === 'u') {
          i++;
          for (let k = 0; k < 4; k++, i++) if (i >= n || !/[0-9A-Fa-f]/.test(text[i]!)) return false;
        } else return false;
      } else i++;
    }
    return false;
  };
  const literal = (word: string): boolean => {
    for (const letter of word) {
      if (text[i] !== letter) return false;
      i++;
    }
    return true;
  };
  const number = (): boolean => {
    if (text[i] === '-') i++;
    if (text[i] === '0') i++;
    else if (!(text[i]! >= '1' && text[i]! <= '9') || !digits()) return false;
    if (text[i] === '.') {
      i++;
      if (!digits()) return false;
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i++;
      if (text[i] === '+' || text[i] === '-') i++;
      if (!digits()) return false;
    }
    return true;
  };
  const scalar = (): boolean => {
    const c = text[i];
    if (c === '"') return string();
    if (c === 't') return literal('true');
    if (c === 'f') return literal('false');
    if (c === 'n') return literal('null');
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return number();
    return false;
  };
  const key = (): boolean => {
    skipSpace();
    if (!string()) return false;
    skipSpace();
    if (text[i] !== ':') return false;
    i++;
    return true;
  };
  const open: string[] = [];
  value: for (;;) {
    skipSpace();
    const c = text[i];
    if (c === '{' || c === '[') {
      i++;
      skipSpace();
      if (text[i] === (c === '{' ? '}' : ']')) i++;
      else {
        open.push(c);
        if (c === '{' && !key()) return Math.min(i, n);
        continue;
      }
    } else if (!scalar()) return Math.min(i, n);
    // After a value: close what it ends, or go on to the next member.
    for (;;) {
      skipSpace();
      const top = open.at(-1);
      if (top === undefined) return i < n ? i : undefined;
      const d = text[i];
      if (d === ',') {
        i++;
        if (top === '{' && !key()) return Math.min(i, n);
        continue value;
      }
      if (d !== (top === '{' ? '}' : ']')) return Math.min(i, n);
      i++;
      open.pop();
    }
  }
}

// Java library behaviour the real code leans on, so that bad input fails the way it does there:
// with the same exception class and the same JDK 8 message.

/** A Java exception as it surfaces in Linkis answers (ExceptionUtils.getRootCauseMessage). */
export class JavaError extends Error {
  readonly javaClass: string;
  readonly javaMessage: string;

  constructor(javaClass: string, javaMessage: string) {
    super(`${javaClass}: ${javaMessage}`);
    this.javaClass = javaClass;
    this.javaMessage = javaMessage;
  }

  /** "ShortClassName: message" */
  rootCause(): string {
    return `${this.javaClass.slice(this.javaClass.lastIndexOf('.') + 1)}: ${this.javaMessage}`;
  }

  /** A short, plausible printStackTrace, for data.stack. */
  stackTrace(frames: readonly string[]): string {
    return [`${this.javaClass}: ${this.javaMessage}`, ...frames.map((f) => `\tat ${f}`)].join('\n');
  }
}

/** String.substring(begin, end), JDK 8. */
export function javaSubstring(s: string, begin: number, end: number): string {
  if (begin < 0) throw outOfRange(begin);
  if (end > s.length) throw outOfRange(end);
  if (end - begin < 0) throw outOfRange(end - begin);
  return s.slice(begin, end);
}

/** Integer.parseInt, decimal, JDK 8. */
export function javaParseInt(s: string | null | undefined): number {
  if (s === null || s === undefined) throw new JavaError('java.lang.NumberFormatException', 'null');
  if (!/^[+-]?\d+$/.test(s)) throw forInputString(s);
  const value = Number(s);
  if (value > 2_147_483_647 || value < -2_147_483_648) throw forInputString(s);
  return value;
}

/** Long.parseLong, decimal, JDK 8 (precision beyond 2^53 does not matter for ids we issue). */
export function javaParseLong(s: string): number {
  if (!/^[+-]?\d+$/.test(s)) throw forInputString(s);
  const big = BigInt(s);
  if (big > 9_223_372_036_854_775_807n || big < -9_223_372_036_854_775_808n) throw forInputString(s);
  return Number(big);
}

/** String.split(regex) with a literal separator: trailing empty strings are dropped. */
export function javaSplit(s: string, separator: string): string[] {
  const parts = s.split(separator);
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  // "".split(x) is [""] in Java: the input itself when nothing matched.
  return s === '' ? [''] : parts;
}

/** The Java class Jackson gives a JSON value in a Map<String, Object>. */
export function javaClassOf(value: unknown): string {
  if (typeof value === 'string') return 'java.lang.String';
  if (typeof value === 'boolean') return 'java.lang.Boolean';
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) return 'java.lang.Double';
    return Math.abs(value) <= 2_147_483_647 ? 'java.lang.Integer' : 'java.lang.Long';
  }
  if (Array.isArray(value)) return 'java.util.ArrayList';
  return 'java.util.LinkedHashMap';
}

/** A (T) cast that fails: ClassCastException with the JDK 8 message. */
export function classCast(value: unknown, target: string): JavaError {
  return new JavaError('java.lang.ClassCastException', `${javaClassOf(value)} cannot be cast to ${target}`);
}

export function nullPointer(): JavaError {
  // JDK 8 has no helpful NPE messages; getRootCauseMessage then ends in ": ".
  return new JavaError('java.lang.NullPointerException', '');
}

/** Float.toString for the progress values we produce (k/100): "0.0", "0.35", "1.0". */
export function javaFloatString(value: number): string {
  return Number.isInteger(value) ? value.toFixed(1) : String(value);
}

/** Java's String.valueOf for a JSON scalar (gson reads numbers and booleans as strings where a String is wanted). */
export function javaStringOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

function outOfRange(index: number): JavaError {
  return new JavaError('java.lang.StringIndexOutOfBoundsException', `String index out of range: ${index}`);
}

function forInputString(s: string): JavaError {
  return new JavaError('java.lang.NumberFormatException', `For input string: "${s}"`);
}

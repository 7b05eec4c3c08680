import { createRedactor } from './observability/redact.ts';

/** Structured JSON lines; one object per line so CloudWatch Logs Insights can query fields. */
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

const levels = { debug: 10, info: 20, warn: 30, error: 40 } as const;
export type LogLevel = keyof typeof levels;

export function createJsonLogger(
  options: { level?: LogLevel; base?: LogFields; write?: (line: string) => void; redact?: (key: string, value: unknown) => unknown } = {},
): Logger {
  const threshold = levels[options.level ?? 'info'];
  const base = options.base ?? {};
  const write = options.write ?? ((line: string) => process.stdout.write(line + '\n'));
  const redact = options.redact ?? createRedactor();
  const replacer = (key: string, value: unknown) => redact(key, errorReplacer(key, value));
  const emit = (level: LogLevel, message: string, fields?: LogFields) => {
    if (levels[level] < threshold) return;
    write(JSON.stringify({ level, time: new Date().toISOString(), message, ...base, ...fields }, replacer));
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => createJsonLogger({ ...options, base: { ...base, ...fields } }),
  };
}

// JSON.stringify(error) gives "{}": keep the fields an operator needs instead.
export function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    return { name: value.name, message: value.message, ...(value.cause ? { cause: String(value.cause) } : {}) };
  }
  return value;
}

export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  child: () => silentLogger,
};

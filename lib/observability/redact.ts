/**
 * Keeps secrets out of log lines: values under secret-looking keys, credentials inside URLs, and any
 * value configured as secret (LOG_REDACT_VALUES) wherever it appears in a string.
 */
const secretKey = /pass(word)?|secret|token|authorization|cookie|access.?key|credential/i;

export function createRedactor(secretValues: readonly string[] = []): (key: string, value: unknown) => unknown {
  const values = secretValues.filter((v) => v.length >= 4);
  return (key, value) => {
    if (key && secretKey.test(key) && value !== undefined && value !== null && typeof value !== 'object') return '[redacted]';
    if (typeof value !== 'string') return value;
    let text = value.replace(/(\w+:\/\/)[^/\s:@]+:[^/\s@]+@/g, '$1[redacted]@');
    for (const secret of values) text = text.split(secret).join('[redacted]');
    return text;
  };
}

export function secretValuesFromEnv(env: Record<string, string | undefined>): string[] {
  const raw = env.LOG_REDACT_VALUES?.trim();
  return raw ? raw.split(',').map((s) => s.trim()).filter(Boolean) : [];
}

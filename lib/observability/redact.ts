/**
 * Keeps secrets out of log lines: values under secret-looking keys, credentials inside URLs, and any
 * value configured as secret (LOG_REDACT_VALUES) wherever it appears in a string.
 */
const secretKey = /pass(word)?|secret|token|authorization|cookie|access.?key|credential/i;
// The same keys inside text (JSON, escaped JSON, form or header syntax): `"secretKey":"…"`, `password=…`.
const secretPairInText = /([\w.-]*(?:pass(?:word)?|secret|token|authorization|cookie|access.?key|credential)[\w.-]*\\*"?\s*[:=]\s*\\*"?)[^"\\,&}\s]+/gi;

/**
 * Masks values of secret-looking keys inside free text, such as the start of a master's answer quoted in an
 * error (its `procConfig` echoes the request, credentials included).
 */
export function scrubSecrets(text: string): string {
  return text.replace(authorizationHeader, '$1[redacted]').replace(secretPairInText, '$1[redacted]');
}
// A header's value runs to the end of its line ("Bearer abc", "Basic …").
const authorizationHeader = /((?:proxy-)?authorization\s*:\s*)[^\r\n"]+/gi;

export function createRedactor(secretValues: readonly string[] = []): (key: string, value: unknown) => unknown {
  const values = secretValues.filter((v) => v.length >= 4);
  return (key, value) => {
    if (key && secretKey.test(key) && value !== undefined && value !== null && typeof value !== 'object') return '[redacted]';
    if (typeof value !== 'string') return value;
    let text = scrubSecrets(value).replace(/(\w+:\/\/)[^/\s:@]+:[^/\s@]+@/g, '$1[redacted]@');
    for (const secret of values) text = text.split(secret).join('[redacted]');
    return text;
  };
}

export function secretValuesFromEnv(env: Record<string, string | undefined>): string[] {
  const raw = env.LOG_REDACT_VALUES?.trim();
  return raw ? raw.split(',').map((s) => s.trim()).filter(Boolean) : [];
}

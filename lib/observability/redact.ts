/**
 * Keeps secrets out of log lines: values under secret-looking keys, credentials inside URLs, and any
 * value configured as secret (LOG_REDACT_VALUES) wherever it appears in a string.
 */
/**
 * Keys whose values are secrets: passwords (not "passes" or "compass"), secrets, tokens, keys of access,
 * credentials, auth headers and cookies. Matching more than needed is safe; matching less is a leak.
 */
const secretKey = /(^|[^a-z])pass($|[^a-z])|passw(or)?d|passphrase|secret|token|authorization|cookie|access.?key|credential|signature|\bsk\b|(^|_)sk$/i;
/**
 * Masks values of secret-looking keys inside free text, such as the start of a backend's answer quoted in an
 * error (an answer may echo the request, credentials included): JSON pairs, JSON escaped inside a JSON
 * string, `key=value` pairs, `token: value` as a gateway may echo a refused token, Authorization headers, and
 * every credential read at run time. Each pattern is linear (bounded keys, no nesting).
 */
export function scrubSecrets(text: string): string {
  const mask = (whole: string, key: string, value: string) => (secretKey.test(key) ? whole.slice(0, whole.length - value.length) + '[redacted]' : whole);
  let scrubbed = text
    .replace(/((?:proxy-)?authorization\s*:\s*)[^\r\n"]+/gi, '$1[redacted]')
    .replace(/\b(token|password|passwd|secret)(\s*[:：]\s*)([^\s,，;()"]+)/gi, '$1$2[redacted]')
    .replace(/"([^"\\]{1,100})"\s*:\s*"((?:[^"\\]|\\.)*)/g, (whole, key: string, value: string) => mask(whole, key, value))
    .replace(/\\"([^"\\]{1,100})\\"\s*:\s*\\"((?:[^"\\]|\\[^"])*)/g, (whole, key: string, value: string) => mask(whole, key, value))
    .replace(/([\w.-]{1,100})=([^&\s"]*)/g, (whole, key: string, value: string) => mask(whole, key, value));
  for (const secret of runtimeSecrets) scrubbed = scrubbed.split(secret).join('[redacted]');
  return scrubbed;
}

/**
 * Credentials read at run time (target secrets): every redactor masks them, whenever it was made. Values
 * shorter than 4 characters are not registered — masking them would mangle ordinary words.
 */
const runtimeSecrets = new Set<string>();

export function registerSecretValue(value: string): void {
  if (value.length >= 4) runtimeSecrets.add(value);
}

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
  return raw
    ? raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : [];
}

import { registerSecretValue } from '../observability/redact.ts';

/**
 * Where a credential comes from: the function's environment (for local use) or AWS Secrets Manager (a
 * secret's name or ARN; `key` picks a field of a JSON secret). Never the value itself: a targets file, a
 * template and a log line hold only these references.
 */
export type SecretRef = { env: string } | { secret: string; key?: string };

export interface SecretSource {
  /** The value. `fresh` bypasses any cache: after an auth failure the secret may have been rotated. */
  read(ref: SecretRef, options?: { fresh?: boolean }): Promise<string>;
}

/** Reads a secret from Secrets Manager (the Lambda wiring gives one; locally there may be none). */
export interface SecretStore {
  get(name: string, options: { fresh: boolean }): Promise<string>;
}

export class SecretUnavailableError extends Error {
  constructor(what: string, problem: string, options?: { cause?: unknown }) {
    super(`secret ${what}: ${problem}`, options);
    this.name = 'SecretUnavailableError';
  }
}

export function describeSecretRef(ref: SecretRef): string {
  return 'env' in ref ? `env ${ref.env}` : `${ref.secret}${ref.key ? ` (key ${ref.key})` : ''}`;
}

/**
 * Secrets from the environment and, when given, a store. Every value read is registered with the log
 * redaction, so it is masked wherever it would appear in a log line.
 */
export function createSecretSource(options: { env: Record<string, string | undefined>; store?: SecretStore }): SecretSource {
  return {
    async read(ref, { fresh = false } = {}) {
      let value: string;
      if ('env' in ref) {
        const found = options.env[ref.env];
        if (found === undefined || found === '') throw new SecretUnavailableError(describeSecretRef(ref), 'the variable is not set');
        value = found;
      } else {
        if (!options.store) throw new SecretUnavailableError(describeSecretRef(ref), 'no Secrets Manager is configured here');
        const raw = await options.store.get(ref.secret, { fresh });
        value = ref.key === undefined ? raw : fieldOf(raw, ref);
      }
      registerSecretValue(value);
      return value;
    },
  };
}

function fieldOf(raw: string, ref: { secret: string; key?: string }): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new SecretUnavailableError(describeSecretRef(ref), 'is not a JSON object, so it has no key');
  }
  const value = (parsed as Record<string, unknown> | null)?.[ref.key!];
  if (typeof value !== 'string' || value === '') throw new SecretUnavailableError(describeSecretRef(ref), 'has no such key (or its value is not a string)');
  return value;
}

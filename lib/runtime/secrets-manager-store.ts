import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { integerVar } from '../config.ts';
import type { SecretStore } from '../targets/secrets.ts';
import { SecretUnavailableError } from '../targets/secrets.ts';

type Env = Record<string, string | undefined>;

/**
 * Target secrets from AWS Secrets Manager through Powertools' provider: read on first use and cached for
 * the container (SECRETS_MAX_AGE_SECONDS, 15 minutes by default), read again at once when a backend's auth
 * layer refused the credential (it may have been rotated). The endpoint comes from the SDK's own variables.
 */
export function secretsManagerStore(env: Env): SecretStore {
  const maxAge = integerVar(env, 'SECRETS_MAX_AGE_SECONDS', 900, 1, 86_400);
  const provider = new SecretsProvider({ awsSdkV3Client: new SecretsManagerClient({}) });
  return {
    async get(name, { fresh }) {
      let value: string | Uint8Array | undefined;
      try {
        value = await provider.get(name, { maxAge, forceFetch: fresh });
      } catch (error) {
        // The provider's message names the secret only; the SDK's cause says why (access denied, not found).
        throw new SecretUnavailableError(
          name,
          `cannot be read from Secrets Manager: ${(error as { cause?: Error }).cause?.message ?? (error as Error).message}`,
          { cause: error },
        );
      }
      if (value === undefined) throw new SecretUnavailableError(name, 'has no value');
      return typeof value === 'string' ? value : Buffer.from(value).toString('utf8');
    },
  };
}

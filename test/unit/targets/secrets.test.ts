// Target secrets: from the environment, or from Secrets Manager (a local one speaking its protocol) through
// Powertools' provider — read once per container and cached, read again only when asked, and never written
// to a log line once read.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJsonLogger } from '../../../lib/logger.ts';
import { secretSourceFromEnv } from '../../../lib/runtime/connect-targets.ts';
import { createSecretSource, SecretUnavailableError } from '../../../lib/targets/secrets.ts';
import { type LocalSecretsManager, startSecretsManager } from '../../../local/emulators/secrets-manager.ts';

let sm: LocalSecretsManager;
let env: Record<string, string>;
beforeAll(async () => {
  sm = await startSecretsManager();
  env = { AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' };
  Object.assign(process.env, env);
});
afterAll(async () => {
  await sm.stop();
});

describe('a secret from Secrets Manager', () => {
  it('is read once per container and then served from the cache', async () => {
    sm.put('bulkpilot/once', 'token-once-8Hq2');
    const source = secretSourceFromEnv(env);
    for (let i = 0; i < 5; i++) expect(await source.read({ secret: 'bulkpilot/once' })).toBe('token-once-8Hq2');
    expect(sm.reads('bulkpilot/once')).toBe(1);
  });

  it('is read again when asked for fresh (a backend refused it: it may have been rotated)', async () => {
    sm.put('bulkpilot/rotated', 'old-value-1234');
    const source = secretSourceFromEnv(env);
    expect(await source.read({ secret: 'bulkpilot/rotated' })).toBe('old-value-1234');
    sm.put('bulkpilot/rotated', 'new-value-5678');
    expect(await source.read({ secret: 'bulkpilot/rotated' })).toBe('old-value-1234');
    expect(await source.read({ secret: 'bulkpilot/rotated' }, { fresh: true })).toBe('new-value-5678');
    expect(sm.reads('bulkpilot/rotated')).toBe(2);
  });

  it('gives one field of a JSON secret, by its ARN as well as its name', async () => {
    sm.put('bulkpilot/huawei', JSON.stringify({ ak: 'AK-EXAMPLE-1', sk: 'sk-example-secret-1' }));
    const source = secretSourceFromEnv(env);
    expect(await source.read({ secret: 'bulkpilot/huawei', key: 'sk' })).toBe('sk-example-secret-1');
    await expect(source.read({ secret: 'bulkpilot/huawei', key: 'nope' })).rejects.toThrow('secret bulkpilot/huawei (key nope): has no such key');
  });

  it('that does not exist fails naming the secret, not a value', async () => {
    const error = await secretSourceFromEnv(env)
      .read({ secret: 'bulkpilot/missing' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretUnavailableError);
    expect((error as Error).message).toMatch(/^secret bulkpilot\/missing: cannot be read from Secrets Manager/);
  });
});

describe('a secret from the environment (local use)', () => {
  it('is the variable’s value, and a missing variable is named', async () => {
    const source = createSecretSource({ env: { LINK_TOKEN: 'local-token-xyz' } });
    expect(await source.read({ env: 'LINK_TOKEN' })).toBe('local-token-xyz');
    await expect(source.read({ env: 'NOPE' })).rejects.toThrow('secret env NOPE: the variable is not set');
  });
});

describe('a secret once read', () => {
  it('is masked in every log line, wherever it appears', async () => {
    sm.put('bulkpilot/masked', 'masked-secret-Zr81');
    await secretSourceFromEnv(env).read({ secret: 'bulkpilot/masked' });
    const lines: string[] = [];
    const logger = createJsonLogger({ write: (l) => lines.push(l) });
    logger.error('the gateway answered', { body: 'token masked-secret-Zr81 was refused', nested: { message: 'Token-Code: masked-secret-Zr81' } });
    expect(lines.join('\n')).not.toContain('masked-secret-Zr81');
    expect(lines.join('\n')).toContain('[redacted]');
  });
});

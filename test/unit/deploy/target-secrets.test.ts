// The IAM resources serverless.yml grants for target secrets come from the stage's targets file: exactly
// the secrets it names (scripts/target-secrets.cjs), and none when it names none.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const targetSecrets = require('../../../scripts/target-secrets.cjs') as (ctx: {
  resolveVariable: (v: string) => Promise<unknown>;
}) => Promise<{ any: string; resources: unknown[] }>;

const withFile = (document: unknown) => {
  const path = join(mkdtempSync(join(tmpdir(), 'ts-')), 'targets.json');
  writeFileSync(path, JSON.stringify(document));
  return targetSecrets({ resolveVariable: async (v) => (v === 'param:targetsFile' ? path : undefined) });
};

describe('the secrets a stage may read', () => {
  it('are the secret references of its targets file: names as ARN patterns of this account, ARNs as given', async () => {
    const result = await withFile({
      targets: {
        a: { backend: 'x', url: 'http://a', auth: { type: 'token', user: 'u', token: { secret: 'bulkpilot/a-token' } } },
        b: {
          backend: 'y',
          url: 'http://b',
          auth: { accessKey: { secret: 'arn:aws:secretsmanager:eu-central-1:111122223333:secret:hw-AbCdEf', key: 'ak' }, secretKey: { env: 'SK' } },
        },
        c: { backend: 'y', url: 'http://c', auth: { password: { secret: 'bulkpilot/a-token' } } },
      },
    });
    expect(result.any).toBe('true');
    expect(result.resources).toEqual([
      'arn:aws:secretsmanager:eu-central-1:111122223333:secret:hw-AbCdEf',
      { 'Fn::Sub': 'arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:bulkpilot/a-token-??????' },
    ]);
  });

  it('are none when the file names none, or there is no file', async () => {
    expect((await withFile({ targets: { a: { backend: 'lindorm-bulkload', url: 'http://a' } } })).any).toBe('false');
    expect((await targetSecrets({ resolveVariable: async () => '' })).any).toBe('false');
  });
});

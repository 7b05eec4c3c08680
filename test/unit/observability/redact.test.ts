// What the log redaction masks: secret-looking keys (and nothing that merely contains "pass"), secrets in
// free text and URLs, configured values, and every secret read at run time.
import { describe, expect, it } from 'vitest';
import { createRedactor, registerSecretValue, scrubSecrets } from '../../../lib/observability/redact.ts';

const redact = createRedactor(['configured-1234']);

describe('the log redaction', () => {
  it('masks the values of secret-looking keys', () => {
    for (const key of [
      'password',
      'passwd',
      'pass',
      'db_pass',
      'userPassword',
      'secretKey',
      'accessKey',
      'access_key',
      'token',
      'Token-Code',
      'authorization',
      'cookie',
      'credentials',
      'signature',
      'sk',
    ])
      expect(redact(key, 'x-value'), key).toBe('[redacted]');
  });

  it('leaves keys alone that only contain the letters (passes, compass, bypassed)', () => {
    for (const key of ['passes', 'compass', 'bypassed', 'passIntervalMs', 'task']) expect(redact(key, 7), key).toBe(7);
  });

  it('masks secrets in free text, URL credentials and configured values', () => {
    expect(scrubSecrets('{"password":"hunter2","user":"u"}')).toBe('{"password":"[redacted]","user":"u"}');
    expect(redact('message', 'GET http://u:pw@host/x with configured-1234')).toBe('GET http://[redacted]@host/x with [redacted]');
  });

  it('masks a secret read at run time wherever it appears, in any redactor', () => {
    registerSecretValue('runtime-secret-77');
    expect(createRedactor()('body', 'the gateway said runtime-secret-77 is stale')).toBe('the gateway said [redacted] is stale');
  });

  it("masks a token Linkis' gateway echoes back, and a run-time secret inside an error's text", () => {
    expect(scrubSecrets('Token Authentication Failed, token: abc-123，tokenUser: hadoop, desc: Token:abc-123 does not exist')).toBe(
      'Token Authentication Failed, token: [redacted]，tokenUser: hadoop, desc: Token:[redacted] does not exist',
    );
    registerSecretValue('runtime-secret-88');
    expect(scrubSecrets('login of hadoop with runtime-secret-88 refused')).toBe('login of hadoop with [redacted] refused');
  });
});

// `npm run local:send -- <file.json>…`: puts import requests on the import queue, validated first so a typo
// is reported here rather than dead-lettered. Reads IMPORT_QUEUE_URL, the targets (TARGETS_FILE or
// BDS_MASTER_URL) and the SDK's endpoint variables.
import { readFileSync } from 'node:fs';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { ConfigError, requireVar } from '../../lib/config.ts';
import { createSqsClient } from '../../lib/queue/sqs-client.ts';
import { parseImportRequest } from '../../lib/request/import-request.ts';
import { RequestValidationError } from '../../lib/request/validation-error.ts';
import { targetsFromEnv } from '../../lib/runtime/deployment-targets.ts';
import { TargetsFileError } from '../../lib/targets/targets-file.ts';

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: npm run local:send -- <request.json> [more.json…]');
  process.exit(2);
}
try {
  const queueUrl = requireVar(process.env, 'IMPORT_QUEUE_URL');
  const registry = targetsFromEnv(process.env);
  const sqs = createSqsClient();
  for (const file of files) {
    const body = readFileSync(file, 'utf8');
    const request = parseImportRequest(body, registry);
    const { MessageId } = await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
    console.log(`${file}: queued as message ${MessageId} (requestId ${request.requestId})`);
  }
} catch (error) {
  if (error instanceof RequestValidationError || error instanceof ConfigError || error instanceof TargetsFileError) {
    console.error(`not sent: ${error.message}`);
    process.exit(1);
  }
  throw error;
}

// `npm run local:send -- <file.json>…` (`-` reads one from stdin): puts import requests on the import queue.
// Every file is validated first and each bad one reported with all its errors; if any is bad, none is sent,
// so a typo is reported here rather than dead-lettered, and a batch goes whole or not at all. Reads
// IMPORT_QUEUE_URL, the targets (TARGETS_FILE or BDS_MASTER_URL) and the SDK's endpoint variables.
import { readFileSync } from 'node:fs';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { describeValidationError, RequestInputError, readRequestInput } from '../../lib/cli/request-input.ts';
import { ConfigError, requireVar } from '../../lib/config.ts';
import { createSqsClient } from '../../lib/queue/sqs-client.ts';
import { parseImportRequest } from '../../lib/request/import-request.ts';
import { RequestValidationError } from '../../lib/request/validation-error.ts';
import { targetsFromEnv } from '../../lib/runtime/deployment-targets.ts';
import { TargetsFileError } from '../../lib/targets/targets-file.ts';

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: npm run local:send -- <request.json> [more.json…]   (- reads a request from stdin)');
  process.exit(2);
}

let queueUrl: string;
let registry: ReturnType<typeof targetsFromEnv>;
try {
  queueUrl = requireVar(process.env, 'IMPORT_QUEUE_URL');
  registry = targetsFromEnv(process.env);
} catch (error) {
  if (error instanceof ConfigError || error instanceof TargetsFileError) {
    console.error(`nothing sent: ${error.message}`);
    process.exit(1);
  }
  throw error;
}

// 1. Validate them all.
const valid: Array<{ origin: string; body: string; requestId: string }> = [];
let invalid = 0;
for (const file of files) {
  let input: { body: string; origin: string } | undefined;
  try {
    input = readRequestInput(file, () => readFileSync(0, 'utf8'));
    const request = parseImportRequest(input.body, registry);
    valid.push({ ...input, requestId: request.requestId });
  } catch (error) {
    invalid++;
    if (error instanceof RequestInputError) console.error(error.message);
    else if (error instanceof RequestValidationError) console.error(describeValidationError(error, input!.origin, input!.body));
    else throw error;
  }
}
if (invalid > 0) {
  console.error(`nothing sent: ${invalid} of ${files.length} file${files.length === 1 ? '' : 's'} ${invalid === 1 ? 'is' : 'are'} invalid`);
  process.exit(1);
}

// 2. Send them all, saying what each became; a failed send stops the rest, and says which were not sent.
const sqs = createSqsClient();
for (const [i, request] of valid.entries()) {
  try {
    const { MessageId } = await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: request.body }));
    console.log(`${request.origin}: queued as message ${MessageId} (requestId ${request.requestId})`);
  } catch (error) {
    console.error(`${request.origin}: not sent: ${error instanceof Error ? error.message : String(error)}`);
    const rest = valid.slice(i + 1).map((r) => r.origin);
    if (rest.length > 0) console.error(`not sent either: ${rest.join(', ')}`);
    console.error(`sent ${i} of ${valid.length}`);
    process.exit(1);
  }
}

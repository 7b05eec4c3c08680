import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ConfigError, requireUrl, requireVar } from '../config.ts';
import type { Logger } from '../logger.ts';
import { createLambdaObservability, type LambdaObservability } from '../observability/lambda-observability.ts';
import { createSqsClient } from '../queue/sqs-client.ts';
import { SqsImportQueue } from '../queue/sqs-import-queue.ts';
import { DynamoDbTaskStore } from '../store/dynamodb-task-store.ts';
import type { CursorStore } from '../triggers/cron-tick.ts';
import type { ImportQueue } from '../triggers/import-queue.ts';
import { type ImportRules, parseImportRules } from '../triggers/import-rules.ts';
import { targetsFromEnv } from './deployment-targets.ts';

type Env = Record<string, string | undefined>;

export interface TriggersRuntime {
  rules: ImportRules;
  queue: ImportQueue;
  logger: Logger;
  metrics: LambdaObservability['metrics'];
  observability: LambdaObservability;
}

/** The import rules file (IMPORT_RULES_FILE, relative to the function's root), validated as it is loaded. */
export function loadImportRules(env: Env): ImportRules {
  const file = requireVar(env, 'IMPORT_RULES_FILE');
  const path = isAbsolute(file) ? file : join(env.LAMBDA_TASK_ROOT ?? process.cwd(), file);
  let document: unknown;
  try {
    document = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError('IMPORT_RULES_FILE', `(${path}) cannot be read as JSON: ${(error as Error).message}`);
  }
  return parseImportRules(document, file, targetsFromEnv(env));
}

export function createTriggersRuntime(env: Env, functionName: string): TriggersRuntime {
  const observability = createLambdaObservability(env, functionName);
  return {
    observability,
    rules: loadImportRules(env),
    queue: new SqsImportQueue({ client: createSqsClient(), queueUrl: requireUrl(env, 'IMPORT_QUEUE_URL') }),
    logger: observability.logger,
    metrics: observability.metrics,
  };
}

export function cursorStoreFromEnv(env: Env): CursorStore {
  return new DynamoDbTaskStore({ client: new DynamoDBClient({}), tableName: requireVar(env, 'TASKS_TABLE') });
}

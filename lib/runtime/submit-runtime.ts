import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BackendRegistry } from '../backends/registry.ts';
import { systemClock } from '../clock.ts';
import { choiceVar, integerVar, requireUrl, requireVar } from '../config.ts';
import { createLambdaObservability, type LambdaObservability } from '../observability/lambda-observability.ts';
import { createSqsClient } from '../queue/sqs-client.ts';
import { SqsDeadLetterSink } from '../queue/sqs-dead-letter-sink.ts';
import { DynamoDbTaskStore } from '../store/dynamodb-task-store.ts';
import { defaultSubmitSettings, type SubmitDependencies } from '../submit/submit-record.ts';
import { lindormBackendFromEnv } from './lindorm-from-env.ts';
import { trackingSettingsFromEnv } from './tracking-settings.ts';

type Env = Record<string, string | undefined>;

export interface SubmitRuntime {
  deps: SubmitDependencies;
  concurrency: number;
  observability: LambdaObservability;
}

/**
 * Everything the submit function needs, made once per container. AWS endpoints come only from the SDK's
 * own variables (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_SQS), which it reads itself.
 */
export function createSubmitRuntime(env: Env): SubmitRuntime {
  const tableName = requireVar(env, 'TASKS_TABLE');
  const dlqUrl = requireUrl(env, 'IMPORT_DLQ_URL');
  const observability = createLambdaObservability(env, 'submit');
  const tracking = trackingSettingsFromEnv(env);
  const backend = lindormBackendFromEnv(env, observability.metrics, observability.ledger);
  return {
    concurrency: integerVar(env, 'SUBMIT_CONCURRENCY', 5, 1, 50),
    observability,
    deps: {
      store: new DynamoDbTaskStore({ client: new DynamoDBClient({}), tableName, ledger: observability.ledger }),
      ledger: observability.ledger,
      backends: new BackendRegistry([backend]),
      deadLetters: new SqsDeadLetterSink({ client: createSqsClient(), queueUrl: dlqUrl }),
      clock: systemClock,
      logger: observability.logger,
      metrics: observability.metrics,
      settings: {
        ...defaultSubmitSettings,
        ambiguousCreatePolicy: choiceVar(env, 'AMBIGUOUS_CREATE_POLICY', ['hold', 'resubmit'], 'hold'),
        // The same reading of FIRST_CHECK_DELAY_MS, TASK_RETENTION_DAYS and TASK_INDEX_SHARDS as the poller's.
        firstCheckDelayMs: tracking.poll.firstCheckDelayMs,
        taskPolicy: tracking.taskPolicy,
      },
    },
  };
}

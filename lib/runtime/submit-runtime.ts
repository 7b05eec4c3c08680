import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { systemClock } from '../clock.ts';
import { choiceVar, integerVar, requireUrl, requireVar } from '../config.ts';
import { createLambdaObservability, type LambdaObservability } from '../observability/lambda-observability.ts';
import { createSqsClient } from '../queue/sqs-client.ts';
import { SqsDeadLetterSink } from '../queue/sqs-dead-letter-sink.ts';
import { DynamoDbSlotStore } from '../store/dynamodb-slot-store.ts';
import { DynamoDbTaskStore } from '../store/dynamodb-task-store.ts';
import { defaultSubmitSettings, type SubmitDependencies } from '../submit/submit-record.ts';
import { connectTargets } from './connect-targets.ts';
import { targetsFromEnv } from './deployment-targets.ts';
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
export async function createSubmitRuntime(env: Env): Promise<SubmitRuntime> {
  const tableName = requireVar(env, 'TASKS_TABLE');
  const dlqUrl = requireUrl(env, 'IMPORT_DLQ_URL');
  const observability = createLambdaObservability(env, 'submit');
  const tracking = trackingSettingsFromEnv(env);
  const targets = targetsFromEnv(env);
  const backends = await connectTargets(targets, { env, clock: systemClock, metrics: observability.metrics, ledger: observability.ledger });
  const client = new DynamoDBClient({});
  return {
    concurrency: integerVar(env, 'SUBMIT_CONCURRENCY', 5, 1, 50),
    observability,
    deps: {
      store: new DynamoDbTaskStore({ client, tableName, ledger: observability.ledger }),
      slots: new DynamoDbSlotStore({ client, tableName, ledger: observability.ledger }),
      ledger: observability.ledger,
      targets,
      backends,
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

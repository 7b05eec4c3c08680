import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { requireVar } from '../config.ts';
import type { CostLedger } from '../cost/cost-ledger.ts';
import type { SlotStore } from '../limits/slots.ts';
import type { Logger } from '../logger.ts';
import { SnsPublisher } from '../notify/sns-publisher.ts';
import { createLambdaObservability, type LambdaObservability } from '../observability/lambda-observability.ts';
import type { MetricsSink } from '../observability/metrics.ts';
import { DynamoDbSlotStore } from '../store/dynamodb-slot-store.ts';
import { DynamoDbTaskStore } from '../store/dynamodb-task-store.ts';
import type { TaskStore } from '../store/task-store.ts';
import type { NotificationPublisher } from '../tracking/notification.ts';

type Env = Record<string, string | undefined>;

export interface NotifyRuntime {
  store: TaskStore;
  publisher: NotificationPublisher;
  logger: Logger;
  metrics: MetricsSink;
  ledger: CostLedger;
  slots: SlotStore;
  observability: LambdaObservability;
}

export function createNotifyRuntime(env: Env): NotifyRuntime {
  const observability = createLambdaObservability(env, 'notify');
  const client = new DynamoDBClient({});
  return {
    slots: new DynamoDbSlotStore({ client, tableName: requireVar(env, 'TASKS_TABLE'), ledger: observability.ledger }),
    observability,
    metrics: observability.metrics,
    ledger: observability.ledger,
    store: new DynamoDbTaskStore({ client, tableName: requireVar(env, 'TASKS_TABLE'), ledger: observability.ledger }),
    publisher: new SnsPublisher({ client: new SNSClient({}), topicArn: requireVar(env, 'NOTIFY_TOPIC_ARN') }),
    logger: observability.logger,
  };
}

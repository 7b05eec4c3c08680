import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { logLevelVar, requireVar } from '../config.ts';
import { createJsonLogger, type Logger } from '../logger.ts';
import { SnsPublisher } from '../notify/sns-publisher.ts';
import { DynamoDbTaskStore } from '../store/dynamodb-task-store.ts';
import type { TaskStore } from '../store/task-store.ts';
import type { NotificationPublisher } from '../tracking/notification.ts';

type Env = Record<string, string | undefined>;

export interface NotifyRuntime {
  store: TaskStore;
  publisher: NotificationPublisher;
  logger: Logger;
}

export function createNotifyRuntime(env: Env): NotifyRuntime {
  return {
    store: new DynamoDbTaskStore({ client: new DynamoDBClient({}), tableName: requireVar(env, 'TASKS_TABLE') }),
    publisher: new SnsPublisher({ client: new SNSClient({}), topicArn: requireVar(env, 'NOTIFY_TOPIC_ARN') }),
    logger: createJsonLogger({ level: logLevelVar(env), base: { service: 'bulkpilot', function: 'notify' } }),
  };
}

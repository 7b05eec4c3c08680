import {
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { Task } from '../task/task.ts';
import { TaskVersionConflictError, type TaskStore } from './task-store.ts';

/** Names of the table's index; the table itself is defined once, in serverless.yml. */
export const dueIndexName = 'due-active';

// Named condition parts, as in Powertools' idempotency store.
const taskDoesNotExist = 'attribute_not_exists(taskId)';
const versionIs = '#version = :expected';

export class DynamoDbTaskStore implements TaskStore {
  readonly #client: DynamoDBClient;
  readonly #table: string;

  constructor(options: { client: DynamoDBClient; tableName: string }) {
    this.#client = options.client;
    this.#table = options.tableName;
  }

  async get(taskId: string): Promise<Task | undefined> {
    const out = await this.#client.send(new GetItemCommand({ TableName: this.#table, Key: { taskId: { S: taskId } }, ConsistentRead: true }));
    return out.Item ? (unmarshall(out.Item) as Task) : undefined;
  }

  async createIfAbsent(task: Task): Promise<{ created: true } | { created: false; existing: Task }> {
    try {
      await this.#put(task, taskDoesNotExist, {}, {});
      return { created: true };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException && error.Item) return { created: false, existing: unmarshall(error.Item) as Task };
      throw error;
    }
  }

  async replace(task: Task): Promise<void> {
    const expected = task.version - 1;
    try {
      await this.#put(task, versionIs, { '#version': 'version' }, { ':expected': { N: String(expected) } });
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        throw new TaskVersionConflictError(task.taskId, expected, error.Item ? (unmarshall(error.Item) as Task) : undefined);
      }
      throw error;
    }
  }

  async #put(task: Task, condition: string, names: Record<string, string>, values: Record<string, { N: string }>): Promise<void> {
    await this.#client.send(
      new PutItemCommand({
        TableName: this.#table,
        Item: marshall(task, { removeUndefinedValues: true, convertTopLevelContainer: false }),
        ConditionExpression: condition,
        ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
        ...(Object.keys(values).length ? { ExpressionAttributeValues: values } : {}),
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
  }
}

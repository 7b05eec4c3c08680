// One DynamoDB Local and one fauxqs for the whole integration run; each test file makes its own table and
// queues (test/support/stack.ts), so files never see each other's data.
import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '../../local/emulators/dynamodb-local.ts';
import { startLocalFauxqs } from '../../local/emulators/fauxqs.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamodbEndpoint: string;
    sqsEndpoint: string;
  }
}

export default async function setup(project: TestProject) {
  const [dynamodb, fauxqs] = await Promise.all([startDynamoDbLocal(), startLocalFauxqs()]);
  project.provide('dynamodbEndpoint', dynamodb.endpoint);
  project.provide('sqsEndpoint', fauxqs.endpoint);
  return async () => {
    await Promise.all([dynamodb.stop(), fauxqs.stop()]);
  };
}

// Real local parts for one test file: a table and queues made from serverless.yml, SDK clients pointed at
// the emulators, and a simulated bulk load master.
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteMessageCommand, type Message, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { inject } from 'vitest';
import { provisionQueue, provisionTable } from '../../local/provision/provision.ts';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const region = 'us-east-1';

export interface TestAws {
  dynamodb: DynamoDBClient;
  sqs: SQSClient;
  tableName: string;
  queueUrl: string;
  dlqUrl: string;
  /** Environment a function would see when deployed against these resources. */
  env: Record<string, string>;
}

export async function createTestAws(): Promise<TestAws> {
  const dynamodbEndpoint = inject('dynamodbEndpoint');
  const sqsEndpoint = inject('sqsEndpoint');
  const dynamodb = new DynamoDBClient({ endpoint: dynamodbEndpoint, region, credentials });
  const sqs = new SQSClient({ endpoint: sqsEndpoint, region, credentials });
  const suffix = randomUUID().slice(0, 8);
  const tableName = `tasks-${suffix}`;
  await provisionTable(dynamodb, { tableName });
  const queue = await provisionQueue(sqs, { logicalId: 'ImportQueue', queueName: `imports-${suffix}` });
  return {
    dynamodb,
    sqs,
    tableName,
    queueUrl: queue.url,
    dlqUrl: queue.deadLetter!.url,
    env: {
      TASKS_TABLE: tableName,
      IMPORT_QUEUE_URL: queue.url,
      IMPORT_DLQ_URL: queue.deadLetter!.url,
      AWS_ENDPOINT_URL_DYNAMODB: dynamodbEndpoint,
      AWS_ENDPOINT_URL_SQS: sqsEndpoint,
      AWS_REGION: region,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    },
  };
}

/** Sends bodies to the queue and receives them back as Lambda would hand them over (an SQS event's records). */
export async function roundTripThroughQueue(
  aws: TestAws,
  bodies: string[],
): Promise<Array<{ messageId: string; body: string; attributes: { ApproximateReceiveCount: string } }>> {
  for (const body of bodies) await aws.sqs.send(new SendMessageCommand({ QueueUrl: aws.queueUrl, MessageBody: body }));
  const messages = await receiveAll(aws.sqs, aws.queueUrl, bodies.length);
  for (const m of messages) await aws.sqs.send(new DeleteMessageCommand({ QueueUrl: aws.queueUrl, ReceiptHandle: m.ReceiptHandle }));
  return messages.map((m) => ({
    messageId: m.MessageId!,
    body: m.Body!,
    attributes: { ApproximateReceiveCount: m.Attributes?.ApproximateReceiveCount ?? '1' },
  }));
}

export async function receiveAll(sqs: SQSClient, queueUrl: string, expected: number, waitMs = 3000): Promise<Message[]> {
  const messages: Message[] = [];
  const deadline = Date.now() + waitMs;
  while (messages.length < expected && Date.now() < deadline) {
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: waitMs >= 1000 ? 1 : 0,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
      }),
    );
    messages.push(...(out.Messages ?? []));
  }
  return messages;
}

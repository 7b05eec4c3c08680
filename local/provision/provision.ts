// Creates the table, queues and topic of serverless.yml on local emulators (DynamoDB Local, fauxqs).
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { CreateTopicCommand, type SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { type CfnResource, readServerlessResources, resourceOfType } from './serverless-resources.ts';

export async function provisionTable(
  client: DynamoDBClient,
  options: { tableName: string; logicalId?: string; resources?: Record<string, CfnResource> },
): Promise<void> {
  const resources = options.resources ?? readServerlessResources();
  const p = everyConditionTrue(resourceOfType(resources, options.logicalId ?? 'TasksTable', 'AWS::DynamoDB::Table').Properties) as Record<string, unknown>;
  const input = {
    TableName: options.tableName,
    AttributeDefinitions: p.AttributeDefinitions,
    KeySchema: p.KeySchema,
    BillingMode: p.BillingMode,
    GlobalSecondaryIndexes: p.GlobalSecondaryIndexes,
    StreamSpecification: p.StreamSpecification ? { StreamEnabled: true, ...(p.StreamSpecification as object) } : undefined,
  } as CreateTableCommandInput;
  try {
    await client.send(new CreateTableCommand(input));
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
    return;
  }
  for (let i = 0; i < 100; i++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: options.tableName }));
    if (Table?.TableStatus === 'ACTIVE') break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const ttl = p.TimeToLiveSpecification as { AttributeName: string; Enabled: boolean } | undefined;
  if (ttl?.Enabled) {
    await client.send(
      new UpdateTimeToLiveCommand({ TableName: options.tableName, TimeToLiveSpecification: { AttributeName: ttl.AttributeName, Enabled: true } }),
    );
  }
}

export interface ProvisionedQueue {
  url: string;
  arn: string;
}

/**
 * Creates a queue from its serverless.yml definition; a RedrivePolicy pointing at another queue of the
 * file (by !GetAtt) is created first and wired to the local one.
 */
export async function provisionQueue(
  client: SQSClient,
  options: { logicalId: string; queueName: string; resources?: Record<string, CfnResource>; nameFor?: (logicalId: string) => string },
): Promise<ProvisionedQueue & { deadLetter?: ProvisionedQueue }> {
  const resources = options.resources ?? readServerlessResources();
  const p = resourceOfType(resources, options.logicalId, 'AWS::SQS::Queue').Properties;
  const attributes: Record<string, string> = {};
  for (const key of ['VisibilityTimeout', 'MessageRetentionPeriod', 'DelaySeconds', 'ReceiveMessageWaitTimeSeconds', 'MaximumMessageSize']) {
    if (p[key] !== undefined) attributes[key] = String(p[key]);
  }
  let deadLetter: ProvisionedQueue | undefined;
  const redrive = p.RedrivePolicy as { deadLetterTargetArn?: unknown; maxReceiveCount?: number } | undefined;
  if (redrive) {
    const target = redrive.deadLetterTargetArn as { 'Fn::GetAtt'?: string[] } | undefined;
    const dlqId = target?.['Fn::GetAtt']?.[0];
    if (!dlqId) throw new Error(`serverless.yml: ${options.logicalId}.RedrivePolicy.deadLetterTargetArn must be !GetAtt <Queue>.Arn`);
    const nameFor = options.nameFor ?? ((id: string) => `${options.queueName}-${id}`);
    deadLetter = await provisionQueue(client, { logicalId: dlqId, queueName: nameFor(dlqId), resources });
    attributes.RedrivePolicy = JSON.stringify({ deadLetterTargetArn: deadLetter.arn, maxReceiveCount: redrive.maxReceiveCount });
  }
  const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: options.queueName, Attributes: attributes }));
  const { Attributes } = await client.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  return { url: QueueUrl!, arn: Attributes!.QueueArn!, ...(deadLetter ? { deadLetter } : {}) };
}

/** Creates an SNS topic of serverless.yml (fauxqs emulates SNS) and, optionally, a queue subscribed to it. */
export async function provisionTopic(
  sns: SNSClient,
  sqs: SQSClient,
  options: { logicalId?: string; topicName: string; subscribeQueueName?: string; resources?: Record<string, CfnResource> },
): Promise<{ arn: string; subscriberQueueUrl?: string }> {
  resourceOfType(options.resources ?? readServerlessResources(), options.logicalId ?? 'NotificationTopic', 'AWS::SNS::Topic');
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: options.topicName }));
  if (!options.subscribeQueueName) return { arn: TopicArn! };
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: options.subscribeQueueName }));
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: Attributes!.QueueArn!, Attributes: { RawMessageDelivery: 'true' } }));
  return { arn: TopicArn!, subscriberQueueUrl: QueueUrl! };
}

/**
 * The table of a new stack: every `!If` takes its first branch (the table's optional parts, such as the
 * operators' indexes that an older stack adds one by one, are all there), and `!Ref AWS::NoValue` is left out.
 */
export function everyConditionTrue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(everyConditionTrue).filter((v) => v !== noValue);
  if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if (record.Ref === 'AWS::NoValue') return noValue;
    if (Array.isArray(record['Fn::If'])) return everyConditionTrue((record['Fn::If'] as unknown[])[1]);
    return Object.fromEntries(
      Object.entries(record)
        .map(([k, v]) => [k, everyConditionTrue(v)])
        .filter(([, v]) => v !== noValue),
    );
  }
  return value;
}

const noValue = Symbol('AWS::NoValue');

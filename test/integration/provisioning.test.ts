import { DescribeTableCommand, DescribeTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { dueIndexName } from '../../lib/store/dynamodb-task-store.ts';
import { createTestAws, type TestAws } from '../support/stack.ts';

let aws: TestAws;
beforeAll(async () => {
  aws = await createTestAws();
});

describe('local provisioning from serverless.yml', () => {
  it('creates the tasks table with its key, sparse due index, stream and TTL', async () => {
    const { Table } = await aws.dynamodb.send(new DescribeTableCommand({ TableName: aws.tableName }));
    expect(Table!.KeySchema).toEqual([{ AttributeName: 'taskId', KeyType: 'HASH' }]);
    const index = Table!.GlobalSecondaryIndexes!.find((i) => i.IndexName === dueIndexName)!;
    expect(index.KeySchema).toEqual([
      { AttributeName: 'dueShard', KeyType: 'HASH' },
      { AttributeName: 'dueAt', KeyType: 'RANGE' },
    ]);
    expect(index.Projection!.NonKeyAttributes).toEqual(expect.arrayContaining(['state', 'version', 'backend', 'remoteId']));
    expect(Table!.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' });
    const ttl = await aws.dynamodb.send(new DescribeTimeToLiveCommand({ TableName: aws.tableName }));
    expect(ttl.TimeToLiveDescription).toMatchObject({ AttributeName: 'expiresAt', TimeToLiveStatus: 'ENABLED' });
  });

  it('creates the import queue with its redrive policy to the dead-letter queue', async () => {
    const { Attributes } = await aws.sqs.send(new GetQueueAttributesCommand({ QueueUrl: aws.queueUrl, AttributeNames: ['All'] }));
    const dlq = await aws.sqs.send(new GetQueueAttributesCommand({ QueueUrl: aws.dlqUrl, AttributeNames: ['QueueArn', 'MessageRetentionPeriod'] }));
    expect(JSON.parse(Attributes!.RedrivePolicy!)).toEqual({ deadLetterTargetArn: dlq.Attributes!.QueueArn, maxReceiveCount: 5 });
    expect(Attributes!.VisibilityTimeout).toBe('360');
    expect(dlq.Attributes!.MessageRetentionPeriod).toBe('1209600');
  });
});

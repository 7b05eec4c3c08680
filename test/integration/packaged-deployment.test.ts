// `npm run package` as CI and a deployer run it: the CloudFormation template holds what the design needs,
// and the bundle it ships actually submits a request against real local parts.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbTaskStore } from '../../lib/store/dynamodb-task-store.ts';
import { taskIdFor } from '../../lib/task/task.ts';
import { type HuaweiCloud, startHuaweiCloud } from '../../local/huawei-cloud/simulator.ts';
import { type LindormMaster, startLindormMaster } from '../../local/lindorm-master/simulator.ts';
import { type LinkisGateway, startLinkisGateway } from '../../local/linkis-gateway/simulator.ts';
import { runtimeProvided } from '../../scripts/runtime-provided.ts';
import { captureOutput } from '../support/capture-output.ts';
import { evaluateSub, searchQueries, widgetsOf } from '../support/dashboard-body.ts';
import { cdmTargetEntry, disTargetEntry, huaweiEnv } from '../support/huawei.ts';
import { linkisEnv, linkisGatewayAuth, linkisPassword, linkisTargetEntry, linkisToken } from '../support/linkis.ts';
import { createTestAws, receiveAll, type TestAws } from '../support/stack.ts';

const root = new URL('../../', import.meta.url).pathname;
type Resource = { Type: string; Properties: Record<string, any> };
let template: { Resources: Record<string, Resource>; Conditions?: Record<string, unknown> };

beforeAll(async () => {
  await promisify(execFile)('npm', ['run', 'package'], { cwd: root, timeout: 120_000 });
  template = JSON.parse(readFileSync(`${root}.serverless/cloudformation-template-update-stack.json`, 'utf8'));
}, 150_000);

const ofType = (type: string) => Object.entries(template.Resources).filter(([, r]) => r.Type === type);
type Statement = { Action: string[]; Resource: unknown };
/** A role's statements; a conditional one (`Fn::If`, e.g. the target secrets) counts as the statement it adds. */
const statementsIn = (t: { Resources: Record<string, Resource> }, role: string) =>
  (t.Resources[role]!.Properties.Policies[0].PolicyDocument.Statement as Array<Statement | { 'Fn::If': [string, Statement, unknown] }>).map((s) =>
    'Fn::If' in s ? s['Fn::If'][1] : s,
  );
const statementsOf = (role: string) => statementsIn(template, role);

describe('the function bundles', () => {
  it('import nothing but Node built-ins and the SDK clients the nodejs24.x runtime provides', () => {
    const files = (name: string) => [
      'index.mjs',
      ...(existsSync(join(root, 'dist', name, 'chunks'))
        ? readdirSync(join(root, 'dist', name, 'chunks'))
            .filter((f) => f.endsWith('.mjs'))
            .map((f) => `chunks/${f}`)
        : []),
    ];
    for (const name of readdirSync(join(root, 'dist')).filter((d) => !d.startsWith('.'))) {
      const code = files(name)
        .map((file) => readFileSync(join(root, 'dist', name, file), 'utf8'))
        .join('\n');
      const imported = new Set([...code.matchAll(/(?:from|import)\s*"([\w@][\w@/.:-]*)"/g)].map((m) => m[1]!));
      const foreign = [...imported].filter((spec) => !spec.startsWith('node:') && !runtimeProvided.includes(spec));
      expect(foreign, name).toEqual([]);
      expect(code, name).not.toMatch(/require\("(?!node:)[^"]+"\)/);
    }
  });
});

describe('the packaged CloudFormation template', () => {
  it('holds the tasks table with its due index, stream and TTL', () => {
    const [[, table]] = ofType('AWS::DynamoDB::Table') as [[string, Resource]];
    expect(table.Properties.KeySchema).toEqual([{ AttributeName: 'taskId', KeyType: 'HASH' }]);
    expect(table.Properties.GlobalSecondaryIndexes[0].IndexName).toBe('due-active');
    expect(table.Properties.StreamSpecification.StreamViewType).toBe('NEW_AND_OLD_IMAGES');
    expect(table.Properties.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
  });

  it("holds the operators' four indexes, and lets a stack made before them add one per deploy", () => {
    const [[, table]] = ofType('AWS::DynamoDB::Table') as [[string, Resource]];
    const conditions = template.Conditions as Record<string, unknown>;
    // The stage's operatorIndexes, substituted into the resolved conditions: which indexes a deploy with n has.
    const evaluate = (c: unknown, n: string): boolean => {
      const [op, args] = Object.entries(c as Record<string, unknown>)[0]!;
      if (op === 'Condition') return evaluate(conditions[args as string], n);
      const a = args as unknown[];
      if (op === 'Fn::Not') return !evaluate(a[0], n);
      if (op === 'Fn::And') return a.every((x) => evaluate(x, n));
      if (op === 'Fn::Equals') return n === String(a[1]);
      throw new Error(`unexpected ${op}`);
    };
    const indexesWith = (n: string) =>
      (table.Properties.GlobalSecondaryIndexes as Array<Record<string, unknown>>).flatMap((entry) => {
        const branch = entry['Fn::If'] as [string, { IndexName: string }, unknown] | undefined;
        if (!branch) return [(entry as { IndexName: string }).IndexName];
        return evaluate(conditions[branch[0]], n) ? [branch[1].IndexName] : [];
      });
    expect(indexesWith('4')).toEqual(['due-active', 'by-state', 'by-target', 'by-remote-id', 'by-source-file']);
    for (const n of ['0', '1', '2', '3']) expect(indexesWith(n)).toHaveLength(Number(n) + 1);
    expect(indexesWith('1')).toEqual(['due-active', 'by-state']);
  });

  it('holds the import queue with a redrive policy to its dead-letter queue, visibility ≥ 6× the submit timeout', () => {
    const queue = template.Resources.ImportQueue!;
    expect(queue.Properties.RedrivePolicy).toEqual({ deadLetterTargetArn: { 'Fn::GetAtt': ['ImportDeadLetterQueue', 'Arn'] }, maxReceiveCount: 5 });
    const submit = template.Resources.SubmitLambdaFunction!;
    expect(queue.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * submit.Properties.Timeout);
  });

  it('wires the submit function to the queue with ReportBatchItemFailures on nodejs24.x', () => {
    const mapping = template.Resources.SubmitEventSourceMappingSQSImportQueue!;
    expect(mapping.Properties.EventSourceArn).toEqual({ 'Fn::GetAtt': ['ImportQueue', 'Arn'] });
    expect(mapping.Properties.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    const submit = template.Resources.SubmitLambdaFunction!;
    expect(submit.Properties.Runtime).toBe('nodejs24.x');
    expect(submit.Properties.Handler).toBe('dist/submit/index.handler');
    expect(Object.keys(submit.Properties.Environment.Variables)).toEqual(
      expect.arrayContaining(['TASKS_TABLE', 'IMPORT_QUEUE_URL', 'IMPORT_DLQ_URL', 'BDS_MASTER_URL']),
    );
  });

  it('schedules the poller and the cron-rule scheduler every minute', () => {
    const targets = ofType('AWS::Events::Rule').map(([, r]) => [r.Properties.ScheduleExpression, r.Properties.Targets[0].Arn['Fn::GetAtt'][0]]);
    expect(targets.sort()).toEqual([
      ['rate(1 minute)', 'PollLambdaFunction'],
      ['rate(1 minute)', 'ScheduleLambdaFunction'],
    ]);
  });

  it('notifies file arrivals in the landing bucket to a queue that feeds on-file, with the rules file packaged', () => {
    const bucket = template.Resources.LandingBucket!;
    expect(bucket.Properties.NotificationConfiguration.QueueConfigurations).toEqual([
      { Event: 's3:ObjectCreated:*', Queue: { 'Fn::GetAtt': ['FileEventsQueue', 'Arn'] } },
    ]);
    const mapping = ofType('AWS::Lambda::EventSourceMapping').find(([, r]) => JSON.stringify(r.Properties.EventSourceArn).includes('FileEventsQueue'))![1];
    expect(mapping.Properties.FunctionName).toEqual({ 'Fn::GetAtt': ['OnFileLambdaFunction', 'Arn'] });
    expect(mapping.Properties.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    expect(template.Resources.OnFileLambdaFunction!.Properties.Environment.Variables.IMPORT_RULES_FILE).toBe('config/import-rules.json');
  });

  it('feeds the retry function only transitions into FAILED, and the notify function transitions into a terminal state or UNCERTAIN and tasks that carry warnings', () => {
    const retry = template.Resources.RetryEventSourceMappingDynamodbTasksTable!.Properties;
    expect(retry.EventSourceArn).toEqual({ 'Fn::GetAtt': ['TasksTable', 'StreamArn'] });
    expect(retry.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    const retryFilters = retry.FilterCriteria.Filters.map((f: { Pattern: string }) => JSON.parse(f.Pattern));
    expect(retryFilters).toEqual([
      { eventName: ['MODIFY'], dynamodb: { NewImage: { state: { S: ['FAILED'] } }, OldImage: { state: { S: [{ 'anything-but': ['FAILED'] }] } } } },
    ]);
    const notify = template.Resources.NotifyEventSourceMappingDynamodbTasksTable!.Properties;
    const notifyFilters = notify.FilterCriteria.Filters.map((f: { Pattern: string }) => JSON.parse(f.Pattern));
    expect(notifyFilters.map((f: { eventName: string[] }) => f.eventName)).toEqual([['INSERT'], ['MODIFY'], ['MODIFY'], ['MODIFY']]);
    expect(notifyFilters[1].dynamodb.NewImage.state.S).toEqual(['SUCCEEDED', 'FAILED_FINAL', 'ABORTED', 'REJECTED', 'LOST']);
    expect(notifyFilters[2]).toEqual({
      eventName: ['MODIFY'],
      dynamodb: { NewImage: { state: { S: ['UNCERTAIN'] } }, OldImage: { state: { S: [{ 'anything-but': ['UNCERTAIN'] }] } } },
    });
    expect(notifyFilters[3]).toEqual({ eventName: ['MODIFY'], dynamodb: { NewImage: { warnedAt: { N: [{ exists: true }] } } } });
  });

  it('gives every function its own role, each statement naming specific resources', () => {
    const functions = ofType('AWS::Lambda::Function');
    const roles = functions.map(([, f]) => f.Properties.Role['Fn::GetAtt'][0] as string);
    expect(new Set(roles).size).toBe(functions.length);
    for (const role of roles) {
      expect(template.Resources[role]!.Type).toBe('AWS::IAM::Role');
      for (const statement of statementsOf(role)) {
        for (const action of statement.Action) expect(action).not.toContain('*');
        // The one documented exception: ListStreams has no resource-level permissions.
        if (JSON.stringify(statement.Resource).includes('"*"')) expect(statement.Action).toEqual(['dynamodb:ListStreams']);
      }
    }
    expect(ofType('AWS::IAM::Role').some(([id]) => id === 'IamRoleLambdaExecution')).toBe(false);
  });

  it('scopes each role to what its function uses', () => {
    const actions = (role: string) =>
      statementsOf(role)
        .flatMap((s) => s.Action)
        .sort();
    const resourceOf = (role: string, action: string) =>
      statementsOf(role)
        .filter((s) => s.Action.includes(action))
        .map((s) => s.Resource);
    expect(resourceOf('PollRole', 'dynamodb:Query')).toEqual([
      [
        { 'Fn::Join': ['/', [{ 'Fn::GetAtt': ['TasksTable', 'Arn'] }, 'index', 'due-active']] },
        { 'Fn::Join': ['/', [{ 'Fn::GetAtt': ['TasksTable', 'Arn'] }, 'index', 'by-state']] },
      ],
    ]);
    expect(resourceOf('PollRole', 'sqs:SendMessage')).toEqual([{ 'Fn::GetAtt': ['ImportQueue', 'Arn'] }]);
    expect(resourceOf('SubmitRole', 'sqs:SendMessage')).toEqual([{ 'Fn::GetAtt': ['ImportDeadLetterQueue', 'Arn'] }]);
    expect(resourceOf('OnFileRole', 'sqs:SendMessage')).toEqual([{ 'Fn::GetAtt': ['ImportQueue', 'Arn'] }]);
    expect(resourceOf('NotifyRole', 'sns:Publish')).toEqual([{ Ref: 'NotificationTopic' }]);
    expect(actions('RetryRole')).not.toContain('sns:Publish');
    expect(actions('RetryRole')).not.toContain('sqs:SendMessage');
    for (const role of ['SubmitRole', 'PollRole', 'RetryRole', 'NotifyRole', 'OnFileRole', 'ScheduleRole'])
      expect(actions(role)).not.toContain('dynamodb:Scan');
  });

  it("puts every function in the master's VPC when subnets are given, with the ENI policy only then", () => {
    for (const [id] of ofType('AWS::Lambda::Function')) {
      expect(template.Resources[id]!.Properties.VpcConfig['Fn::If'][0]).toBe('InVpc');
    }
    expect(JSON.stringify(template.Resources.PollRole!.Properties.ManagedPolicyArns)).toContain('AWSLambdaVPCAccessExecutionRole');
    expect((template as unknown as { Conditions: Record<string, unknown> }).Conditions.InVpc).toEqual({ 'Fn::Not': [{ 'Fn::Equals': ['', ''] }] });
  });

  it('lets only the functions that call backends read target secrets, and only when the targets file names some', () => {
    const secretStatements = (role: string) =>
      (template.Resources[role]!.Properties.Policies[0].PolicyDocument.Statement as Array<Record<string, unknown>>).filter((s) =>
        JSON.stringify(s).includes('secretsmanager:'),
      );
    for (const role of ['SubmitRole', 'PollRole']) {
      const [statement] = secretStatements(role);
      expect((statement as { 'Fn::If': unknown[] })['Fn::If'][0]).toBe('HasTargetSecrets');
      expect(JSON.stringify(statement)).toContain('secretsmanager:GetSecretValue');
    }
    for (const role of ['RetryRole', 'NotifyRole', 'OnFileRole', 'ScheduleRole']) expect(secretStatements(role)).toEqual([]);
    // This repository's stage names no secret: the condition is false, so no role gets the statement.
    expect((template as unknown as { Conditions: Record<string, unknown> }).Conditions.HasTargetSecrets).toEqual({ 'Fn::Equals': ['false', 'true'] });
  });

  it('has the notification topic', () => {
    expect(ofType('AWS::SNS::Topic')).toHaveLength(1);
  });
});

describe('the prod template (npm run package -- --stage prod, with a master and a VPC)', () => {
  let prod: { Resources: Record<string, Resource> };
  beforeAll(async () => {
    // prod is packaged only with a real target (scripts/deploy-check.cjs): a plain-HTTP master reached through a VPC.
    const params = ['--param=bdsMasterUrl=http://ld-xxxx-master1:12311', '--param=vpcSubnetIds=subnet-aaa,subnet-bbb', '--param=vpcSecurityGroupIds=sg-ccc'];
    await promisify(execFile)('npx', ['serverless', 'package', '--stage', 'prod', '--package', `${root}.serverless-prod`, ...params], {
      cwd: root,
      timeout: 120_000,
    });
    prod = JSON.parse(readFileSync(`${root}.serverless-prod/cloudformation-template-update-stack.json`, 'utf8'));
  }, 150_000);

  it('protects the table: point-in-time recovery and deletion protection', () => {
    expect(prod.Resources.TasksTable!.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(prod.Resources.TasksTable!.Properties.DeletionProtectionEnabled).toBe(true);
    expect(template.Resources.TasksTable!.Properties.DeletionProtectionEnabled).toBe(false); // dev stays disposable
  });

  it('keeps logs for a set time and dead letters long enough to act on', () => {
    for (const [, group] of Object.entries(prod.Resources).filter(([, r]) => r.Type === 'AWS::Logs::LogGroup'))
      expect(group.Properties.RetentionInDays).toBe(90);
    expect(prod.Resources.ImportDeadLetterQueue!.Properties.MessageRetentionPeriod).toBe(1209600);
    expect(prod.Resources.ImportQueue!.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * prod.Resources.SubmitLambdaFunction!.Properties.Timeout);
  });

  it('alarms on dead letters, poller errors and throttles, tasks failed for good or UNCERTAIN and poll lag, to the notification topic', () => {
    const alarms = Object.fromEntries(
      Object.entries(prod.Resources)
        .filter(([, r]) => r.Type === 'AWS::CloudWatch::Alarm')
        .map(([id, r]) => [id, r.Properties]),
    );
    expect(Object.keys(alarms).sort()).toEqual([
      'FailedFinalAlarm',
      'FileEventsDeadLetterAlarm',
      'ImportDeadLetterAlarm',
      'PollLagAlarm',
      'PollerErrorsAlarm',
      'PollerThrottlesAlarm',
      'UncertainTasksAlarm',
      'WaitingLineAlarm',
    ]);
    expect(alarms.WaitingLineAlarm).toMatchObject({ Namespace: 'bulkpilot', MetricName: 'WaitingLineAge', Threshold: 7200000 });
    expect(alarms.UncertainTasksAlarm).toMatchObject({ Namespace: 'bulkpilot', MetricName: 'TasksUncertain', Threshold: 1 });
    for (const alarm of Object.values(alarms)) expect(alarm.AlarmActions).toEqual([{ Ref: 'NotificationTopic' }]);
    expect(alarms.ImportDeadLetterAlarm).toMatchObject({ Namespace: 'AWS/SQS', MetricName: 'ApproximateNumberOfMessagesVisible', Threshold: 1 });
    expect(alarms.FailedFinalAlarm).toMatchObject({
      Namespace: 'bulkpilot',
      MetricName: 'TasksFailedFinal',
      Dimensions: [
        { Name: 'service', Value: 'bulkpilot' },
        { Name: 'stage', Value: 'prod' },
      ],
    });
    expect(alarms.PollLagAlarm).toMatchObject({ MetricName: 'PollLag', Statistic: 'Maximum', Threshold: 300000 });
  });

  it("holds the stage's dashboard: its body JSON once CloudFormation substitutes it, its searches and alarm lines for prod", () => {
    const dashboards = Object.values(prod.Resources).filter((r) => r.Type === 'AWS::CloudWatch::Dashboard');
    expect(dashboards).toHaveLength(1);
    expect(dashboards[0]!.Properties.DashboardName).toBe('bulkpilot-prod');
    // Serverless resolved its own variables and left CloudFormation's (and SEARCH's escaped labels) alone.
    const widgets = widgetsOf(evaluateSub(dashboards[0]!.Properties.DashboardBody, (name) => `<${name}>`));
    const searches = searchQueries(widgets).filter((s) => s.namespace === 'bulkpilot');
    expect(searches.length).toBeGreaterThan(5);
    for (const search of searches) expect(search.filters, search.widget).toEqual({ service: 'bulkpilot', stage: 'prod' });
    const lines = widgets.flatMap((w) => w.properties.annotations?.horizontal ?? []).map((a) => a.value);
    expect(lines.sort()).toEqual([prod.Resources.PollLagAlarm!.Properties.Threshold, prod.Resources.WaitingLineAlarm!.Properties.Threshold].sort());
  });
});

describe('the packaged submit bundle', () => {
  let aws: TestAws;
  let master: LindormMaster;
  beforeAll(async () => {
    aws = await createTestAws();
    master = await startLindormMaster();
    // The environment a deployed function gets, pointed at local parts.
    Object.assign(process.env, aws.env, { BDS_MASTER_URL: master.url, LOG_LEVEL: 'warn' });
  });
  afterAll(async () => {
    await master.close();
  });

  it('submits the sample event (events/submit-seed-example.json) once, configured only by environment', async () => {
    // Prepare
    const { handler } = (await import(`${root}dist/submit/index.mjs`)) as { handler: (event: unknown, context: unknown) => Promise<unknown> };
    const event = JSON.parse(readFileSync(`${root}events/submit-seed-example.json`, 'utf8'));
    const context = { getRemainingTimeInMillis: () => 60_000 };

    // Act: delivered twice.
    const first = await handler(event, context);
    const second = await handler(event, context);

    // Assess
    expect(first).toEqual({ batchItemFailures: [] });
    expect(second).toEqual({ batchItemFailures: [] });
    expect(master.creates()).toHaveLength(1);
    const store = new DynamoDbTaskStore({ client: aws.dynamodb, tableName: aws.tableName });
    expect(await store.get(taskIdFor('seed-example-2026-11-21'))).toMatchObject({ state: 'SUBMITTED', remoteId: master.procs()[0]!.id });
  });

  it('dead-letters an invalid record through the SQS endpoint of the environment', async () => {
    const { handler } = (await import(`${root}dist/submit/index.mjs`)) as { handler: (event: unknown, context: unknown) => Promise<unknown> };
    const event = JSON.parse(readFileSync(`${root}events/submit-seed-example.json`, 'utf8'));
    event.Records[0].messageId = 'invalid-1';
    event.Records[0].body = JSON.stringify({ requestId: 'invalid-1', src: 'hdfs' });
    expect(await handler(event, { getRemainingTimeInMillis: () => 60_000 })).toEqual({ batchItemFailures: [] });
    const [letter] = await receiveAll(aws.sqs, aws.dlqUrl, 1);
    // Every field the request lacks is named, the first (the letter's field) first.
    expect(letter!.MessageAttributes?.['bulkpilot-field']?.StringValue).toBe('dst');
    expect(letter!.MessageAttributes?.['bulkpilot-reason']?.StringValue).toBe(
      'dst: is required; readerConfig: is required (a JSON object, or a string holding one); writerConfig: is required (a JSON object, or a string holding one); ' +
        'driverSpec: is required (one of small, medium, large, xlarge); instances: is required',
    );
  });
});

describe('the packaged functions against a Linkis target of a targets file', () => {
  let aws: TestAws;
  let gateway: LinkisGateway;
  let env: Record<string, string>;
  beforeAll(async () => {
    aws = await createTestAws();
    gateway = await startLinkisGateway({ ...linkisGatewayAuth(), durations: { initedMs: 100, scheduledMs: 100, runningMs: 300 } });
    const dir = mkdtempSync(join(tmpdir(), 'bulkpilot-targets-'));
    const targetsFile = join(dir, 'targets.json');
    writeFileSync(targetsFile, JSON.stringify({ default: 'linkis', targets: { linkis: linkisTargetEntry(gateway.url, 'password') } }));
    env = {
      ...aws.env,
      ...linkisEnv,
      TARGETS_FILE: targetsFile,
      FIRST_CHECK_DELAY_MS: '0',
      POLL_MIN_INTERVAL_S: '1',
      POLL_JITTER: '0',
      POLL_PASS_WINDOW_SECONDS: '0',
      LOG_LEVEL: 'info',
    };
  });
  afterAll(async () => {
    await gateway.close();
  });

  it('submits the Linkis seed example once and follows it to SUCCEEDED, with no credential in any log line', async () => {
    Object.assign(process.env, env);
    // A fresh container of each function (a module instance of its own), as a deployment with this file has.
    const submit = (await import(`${root}dist/submit/index.mjs?linkis`)) as { handler: (event: unknown, context: unknown) => Promise<unknown> };
    const poll = (await import(`${root}dist/poll/index.mjs?linkis`)) as { handler: (event: unknown, context: unknown) => Promise<Record<string, number>> };
    const event = JSON.parse(readFileSync(`${root}events/submit-seed-example.json`, 'utf8'));
    event.Records[0].body = readFileSync(`${root}events/requests/linkis-seed-example.json`, 'utf8');
    const context = { getRemainingTimeInMillis: () => 60_000, functionName: 'submit', awsRequestId: 'r-1' };
    const lines: string[] = [];
    const capture = captureOutput(lines);
    try {
      expect(await submit.handler(event, context)).toEqual({ batchItemFailures: [] });
      expect(await submit.handler(event, context)).toEqual({ batchItemFailures: [] });
      const store = new DynamoDbTaskStore({ client: aws.dynamodb, tableName: aws.tableName });
      const taskId = taskIdFor('linkis-seed-example-2026-12-01');
      for (let i = 0; i < 20 && (await store.get(taskId))?.state !== 'SUCCEEDED'; i++) {
        await new Promise((r) => setTimeout(r, 300));
        await poll.handler({}, { ...context, functionName: 'poll', getRemainingTimeInMillis: () => 50_000 });
      }
      expect(await store.get(taskId)).toMatchObject({
        state: 'SUCCEEDED',
        target: 'linkis',
        backend: 'linkis',
        remote: { taskID: gateway.tasks()[0]!.taskID },
      });
    } finally {
      capture.restore();
    }
    expect(gateway.submits()).toHaveLength(1);
    expect(gateway.received.filter((r) => r.endpoint === 'login')).toHaveLength(2); // one per container
    const text = lines.join('\n');
    expect(text).toMatch(/task submitted/);
    for (const secret of [linkisPassword, linkisToken]) expect(text).not.toContain(secret);
  });
});

describe('the packaged functions against CDM and DIS targets of a targets file', () => {
  let aws: TestAws;
  let cloud: HuaweiCloud;
  let env: Record<string, string>;
  beforeAll(async () => {
    aws = await createTestAws();
    // Short runs: the point is the packaged path, not the backend's pace.
    cloud = await startHuaweiCloud({ seed: 3, cdm: { plan: () => ({ queueMs: 100, bootMs: 200, runMs: 600 }) }, dis: { plan: () => ({ startingMs: 300 }) } });
    const dir = mkdtempSync(join(tmpdir(), 'bulkpilot-targets-'));
    const targetsFile = join(dir, 'targets.json');
    writeFileSync(targetsFile, JSON.stringify({ targets: { cdm: cdmTargetEntry(cloud), dis: disTargetEntry(cloud) } }));
    env = {
      ...aws.env,
      ...huaweiEnv,
      TARGETS_FILE: targetsFile,
      FIRST_CHECK_DELAY_MS: '0',
      POLL_MIN_INTERVAL_S: '1',
      POLL_JITTER: '0',
      POLL_PASS_WINDOW_SECONDS: '0',
      LOG_LEVEL: 'info',
    };
  });
  afterAll(async () => {
    await cloud.close();
  });

  it("creates the seeds' CDM job and DIS dump task once each, signed, and follows them (CDM to SUCCEEDED, DIS RUNNING)", async () => {
    Object.assign(process.env, env);
    const submit = (await import(`${root}dist/submit/index.mjs?huawei`)) as { handler: (event: unknown, context: unknown) => Promise<unknown> };
    const poll = (await import(`${root}dist/poll/index.mjs?huawei`)) as { handler: (event: unknown, context: unknown) => Promise<unknown> };
    const event = JSON.parse(readFileSync(`${root}events/submit-seed-example.json`, 'utf8'));
    const record = event.Records[0];
    event.Records = ['cdm-seed-example.json', 'dis-seed-example.json'].map((file, i) => ({
      ...record,
      messageId: `m-${i}`,
      body: readFileSync(`${root}events/requests/${file}`, 'utf8'),
    }));
    const context = { getRemainingTimeInMillis: () => 60_000, functionName: 'submit', awsRequestId: 'r-2' };
    const lines: string[] = [];
    const capture = captureOutput(lines);
    const store = new DynamoDbTaskStore({ client: aws.dynamodb, tableName: aws.tableName });
    const cdm = taskIdFor('cdm-seed-example-2026-12-01');
    const dis = taskIdFor('dis-seed-example-2026-12-01');
    try {
      expect(await submit.handler(event, context)).toEqual({ batchItemFailures: [] });
      expect(await submit.handler(event, context)).toEqual({ batchItemFailures: [] });
      for (let i = 0; i < 40 && ((await store.get(cdm))?.state !== 'SUCCEEDED' || (await store.get(dis))?.state !== 'RUNNING'); i++) {
        await new Promise((r) => setTimeout(r, 500));
        await poll.handler({}, { ...context, functionName: 'poll', getRemainingTimeInMillis: () => 50_000 });
      }
    } finally {
      capture.restore();
    }
    expect(await store.get(cdm)).toMatchObject({
      state: 'SUCCEEDED',
      backend: 'huawei-cdm',
      remote: { jobName: 'es_css', clusterId: cloud.cdm.jobs()[0]!.clusterId },
    });
    expect(await store.get(dis)).toMatchObject({ state: 'RUNNING', backend: 'huawei-dis', lifecycle: 'continuous', remote: { taskName: 'mrstask' } });
    expect(cloud.requests({ endpoint: 'cdm.randomCreateAndStart' })).toHaveLength(1);
    expect(cloud.requests({ endpoint: 'dis.createTask' })).toHaveLength(1);
    expect(cloud.received.filter((r) => r.service !== 'iam' && r.auth?.method !== 'aksk')).toEqual([]);
    expect(lines.join('\n')).not.toContain(huaweiEnv.HW_SK);
  }, 60_000);
});

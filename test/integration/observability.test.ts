// The log lines and metrics of a whole task lifecycle, through the Lambda observability the functions use
// (Powertools logger and metrics): every line JSON, every line about a task carrying its ids, no configured
// secret anywhere, EMF metrics, and the task's cost recorded on it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../lib/cli/main.ts';
import { createLambdaObservability } from '../../lib/observability/lambda-observability.ts';
import { captureOutput } from '../support/capture-output.ts';
import { seedRequest } from '../support/seed-request.ts';
import { createTestAws, type TestAws } from '../support/stack.ts';
import { createTrackingHarness, type TrackingHarness } from '../support/tracking-harness.ts';

const secret = 's3cr3t-Tok3n-7781';
let aws: TestAws;
let h: TrackingHarness;
const lines: string[] = [];
let taskId: string;

beforeAll(async () => {
  aws = await createTestAws();
  Object.assign(process.env, aws.env);
  const output = captureOutput(lines);
  // The secret is configured as a value to redact, and travels in the request (the master echoes it back).
  // A credential in a target's URL is refused when the targets are loaded, so it never gets this far.
  const observability = createLambdaObservability({ LOG_LEVEL: 'debug', LOG_REDACT_VALUES: secret, BULKPILOT_STAGE: 'test' }, 'lifecycle');
  h = await createTrackingHarness(aws, {
    logger: observability.logger,
    metrics: observability.metrics,
    ledger: observability.ledger,
  });
  [taskId] = (await h.submitRequests([
    {
      requestId: 'observed',
      ...seedRequest,
      sparkAdditionalParams: `--conf spark.hadoop.fs.oss.accessKeySecret=${secret} sim.failAt=BULKLOAD sim.failTimes=1`,
      retry: { baseDelaySeconds: 5 },
    },
  ])) as [string];
  // A status call against a closed connection logs an error line with the master URL in it.
  h.master.faults.add({ endpoint: 'info', kind: 'reset', times: 2 });
  await h.runUntil([taskId], ['SUCCEEDED'], 40);
  observability.endInvocation();
  output.restore();
});
afterAll(async () => {
  await h.close();
});

describe('logs and metrics of a task lifecycle', () => {
  it('writes only JSON lines, and every line about the task carries its task id, request id and backend', () => {
    const logs = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => !('_aws' in l));
    expect(logs.length).toBeGreaterThan(5);
    const aboutTasks = logs.filter((l) => l.message !== 'stream handler failed');
    for (const line of aboutTasks) {
      expect(line).toMatchObject({ taskId, service: 'bulkpilot', level: expect.any(String), timestamp: expect.any(String) });
    }
    expect(aboutTasks.some((l) => l.remoteId)).toBe(true);
    expect(
      aboutTasks
        .filter((l) => l.message === 'task state changed')
        .every((l) => l.requestId === 'observed' && l.target === 'lindorm' && l.backend === 'lindorm-bulkload' && l.remoteId),
    ).toBe(true);
  });

  it('never writes a configured secret', () => {
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).not.toContain(secret);
  });

  it('publishes metrics in the embedded metric format with the service and stage dimensions', () => {
    const emf = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => '_aws' in l);
    expect(emf.length).toBeGreaterThan(0);
    const names = emf.flatMap((d) =>
      (d._aws as { CloudWatchMetrics: Array<{ Metrics: Array<{ Name: string }> }> }).CloudWatchMetrics[0]!.Metrics.map((m) => m.Name),
    );
    expect(names).toEqual(
      expect.arrayContaining(['TasksSubmitted', 'TasksFailed', 'TasksRetried', 'TasksSucceeded', 'TaskDuration', 'PollLag', 'BackendStatusLatency']),
    );
    expect(emf[0]).toMatchObject({ service: 'bulkpilot', stage: 'test' });
    // The same values per target, in a dimension set of their own (the stage-wide ones feed the alarms).
    const perTarget = emf.filter((d) => d.target === 'lindorm');
    expect(perTarget.length).toBeGreaterThan(0);
    expect(perTarget.flatMap((d) => (d._aws as { CloudWatchMetrics: Array<{ Dimensions: string[][] }> }).CloudWatchMetrics[0]!.Dimensions[0])).toEqual(
      expect.arrayContaining(['service', 'stage', 'target']),
    );
  });

  it("records the task's cost, which bulkpilot status shows beside the duration", async () => {
    const task = await h.get(taskId);
    expect(task.cost!.readUnits).toBeGreaterThan(0);
    expect(task.cost!.writeUnits).toBeGreaterThan(0);
    expect(task.cost!.backendCalls).toBeGreaterThanOrEqual(4); // create, info…, retry
    const out: string[] = [];
    const io = {
      env: h.aws.env,
      out: (t: string) => out.push(t),
      err: () => {},
      readStdin: () => '',
      sleep: async () => {},
      now: () => h.clock.now(),
      isTty: false,
    };
    expect(await runCli(['status', taskId], io)).toBe(0);
    expect(out.join('\n')).toMatch(/^cost +[\d.]+ read \+ [\d.]+ write units \(DynamoDB\), \d+ backend calls, .* of Lambda time$/m);
  });
});

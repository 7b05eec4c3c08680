// Redelivery at scale, against Linkis: every request delivered three times through the real queue with
// Lambda's SQS semantics (lambda-sqs.ts) to the submit path and the simulated gateway. Linkis has no
// idempotency key of its own, so "never the same load twice" rests on bulkpilot alone: exactly one submit
// and one SUBMITTED task per request, however the copies meet.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Task, taskIdFor } from '../../lib/task/task.ts';
import { createLinkisHarness } from '../support/linkis-harness.ts';
import { createTestAws } from '../support/stack.ts';
import { type Drained, drainWithLambdaSemantics, sendAll, shuffledCopies } from './lambda-sqs.ts';
import { linkisChaosRequest, linkisTasksByRequest } from './linkis-requests.ts';
import { reportFigures, sized } from './scale.ts';

const requests = sized(500, 90);
const copies = 3;
const concurrentInvocations = 3;
const run = Date.now().toString(36);
const requestId = (i: number) => `linkis-redeliver-${run}-${i}`;

let harness: Awaited<ReturnType<typeof createLinkisHarness>>;
let drained: Drained;
let tasks: Array<Task | undefined> = [];

beforeAll(async () => {
  harness = await createLinkisHarness(await createTestAws());
  const { h } = harness;
  await sendAll(
    h.aws,
    shuffledCopies(
      Array.from({ length: requests }, (_, i) => JSON.stringify(linkisChaosRequest(requestId(i)))),
      copies,
    ),
  );
  drained = await drainWithLambdaSemantics(h.aws, (records) => h.submit.invoke(records), { concurrentInvocations, expected: requests * copies });
  tasks = await Promise.all(Array.from({ length: requests }, (_, i) => h.store.get(taskIdFor(requestId(i)))));
  const outcomes = drained.reports.flatMap((r) => r.outcomes.map((o) => o.outcome.kind));
  reportFigures('linkis redelivery', {
    requests,
    deliveries: drained.figures.deliveries,
    invocations: drained.figures.invocations,
    submits: harness.gateway.submits().length,
    linkisTasks: harness.gateway.tasks().length,
    submitted: outcomes.filter((k) => k === 'submitted').length,
    duplicatesDetected: outcomes.filter((k) => k === 'duplicate').length,
    handedBack: drained.figures.handedBack,
    copiesInConcurrentInvocations: drained.figures.copiesInConcurrentInvocations,
    copiesInSameBatch: drained.figures.copiesInSameBatch,
    seconds: drained.seconds.toFixed(1),
  });
});
afterAll(async () => {
  await harness?.close();
});

describe(`Linkis redelivery: ${requests} requests, each delivered ${copies} times`, () => {
  it('acknowledges every message once, leaving nothing on the queue or in the dead-letter queue', () => {
    expect(drained.acknowledged.size).toBe(requests * copies);
    expect(drained.left).toEqual({ visible: 0, inFlight: 0 });
    expect(drained.deadLettered).toEqual([]);
    expect(drained.figures.copiesInSameBatch).toBeGreaterThan(0);
    expect(drained.figures.copiesInConcurrentInvocations).toBeGreaterThan(0);
  });

  it('submits each request exactly once to Linkis', () => {
    expect(harness.gateway.submits()).toHaveLength(requests);
    const byRequest = linkisTasksByRequest(harness.gateway);
    const wrong = Array.from({ length: requests }, (_, i) => requestId(i)).filter((id) => byRequest.get(id)?.length !== 1);
    expect(wrong).toEqual([]);
  });

  it('keeps one SUBMITTED task per request, each holding the taskID and execID of its own Linkis task', () => {
    const byRequest = linkisTasksByRequest(harness.gateway);
    const wrong = tasks.flatMap((task, i) => {
      const mine = byRequest.get(requestId(i))?.[0];
      return task?.state === 'SUBMITTED' && task.remote?.taskID === mine?.taskID && task.remote?.execID === mine?.execID && task.create.attempts === 1
        ? []
        : [`${requestId(i)}: ${task?.state} ${JSON.stringify(task?.remote)}`];
    });
    expect(wrong).toEqual([]);
  });
});

// Issue 18: a run that fails again soon after its retry is retried at its policy delay — not held back a
// minute by the claim of the retry that started it — and a retry call whose answer was lost is still made
// once. The real simulated master, the real store and streams, one virtual clock ticking every second.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { defaultTaskPolicy } from '../../lib/task/task.ts';
import { rerunClaimWindowMs } from '../../lib/tracking/decisions.ts';
import { defaultPollPolicy } from '../../lib/tracking/poll-policy.ts';
import { defaultRetryPolicy } from '../../lib/tracking/retry-policy.ts';
import { seedRequest } from '../support/seed-request.ts';
import { createTestAws, type TestAws } from '../support/stack.ts';
import { createTrackingHarness, type TrackingHarness } from '../support/tracking-harness.ts';

let aws: TestAws;
let h: TrackingHarness | undefined;
beforeAll(async () => {
  aws = await createTestAws();
});
afterEach(async () => {
  await h?.close();
  h = undefined;
});

// Every run fails 5 s after it starts (PREPARE takes 5 s, BULKLOAD fails), and a retry starts from the top.
const failingMaster = {
  stages: [
    { name: 'PREPARE', durationMs: 5_000 },
    { name: 'BULKLOAD', durationMs: 60_000 },
  ],
  retryFrom: 'start' as const,
};
const settings = {
  taskPolicy: defaultTaskPolicy,
  // Checks as fast as the reproduction: the first check of a run after 5 s.
  poll: { ...defaultPollPolicy, firstCheckDelayMs: 5_000 },
  // A policy delay of 1 s, three runs in all.
  retry: { ...defaultRetryPolicy, maxAttempts: 3, baseDelayMs: 1_000, maxDelayMs: 1_000 },
};

async function runToTheEnd(harness: TrackingHarness, taskId: string) {
  for (let second = 0; second < 600; second++) {
    await harness.tick({ advanceMs: 1_000 });
    if ((await harness.get(taskId)).state === 'FAILED_FINAL') return harness.get(taskId);
  }
  throw new Error(`task ${taskId} did not end: ${(await harness.get(taskId)).state}`);
}

describe('retries of runs that fail soon after they start', () => {
  it('calls the master for every attempt within a tick of its policy delay, never earlier, and attempts − 1 times', async () => {
    // Prepare
    h = await createTrackingHarness(aws, { master: failingMaster, settings });
    const [taskId] = await h.submitRequests([{ requestId: `retry-timing-${Date.now()}`, ...seedRequest, sparkAdditionalParams: 'sim.failAt=BULKLOAD' }]);

    // Act
    const task = await runToTheEnd(h, taskId!);

    // Assess: each RETRY_WAIT is followed by one retry call, at or after its nextAttemptAt and within two ticks.
    const waits = task.history.filter((e) => e.to === 'RETRY_WAIT').map((e) => e.at);
    const calls = h.master.received.filter((r) => r.endpoint === 'retry').map((r) => r.at);
    expect(waits).toHaveLength(2);
    expect(calls).toHaveLength(2);
    for (const [i, waitedAt] of waits.entries()) {
      const delay = calls[i]! - waitedAt;
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThanOrEqual(settings.retry.maxDelayMs + 2_000);
    }
    // The second retry is not held back by the first one's claim (the bug: the first call plus 60 s).
    expect(calls[1]! - calls[0]!).toBeLessThan(20_000);
    expect(task).toMatchObject({ attempt: 3 });
    expect(task.retryCall).toBeUndefined();
  });

  it('makes a retry call whose answer was lost only once: the next check finds the job running again', async () => {
    // Prepare: the master takes the first retry call but the answer never arrives.
    h = await createTrackingHarness(aws, { master: failingMaster, settings });
    h.master.faults.add({ endpoint: 'retry', kind: 'reset', phase: 'after', times: 1 });
    const [taskId] = await h.submitRequests([{ requestId: `retry-lost-${Date.now()}`, ...seedRequest, sparkAdditionalParams: 'sim.failAt=BULKLOAD' }]);

    // Act
    const task = await runToTheEnd(h, taskId!);

    // Assess: three runs, two retry calls; the lost one was recorded from the job's state, not called again.
    const calls = h.master.received.filter((r) => r.endpoint === 'retry');
    expect(calls).toHaveLength(2);
    expect(h.master.procs()[0]!.run).toBe(3);
    expect(task.attempt).toBe(3);
    expect(task.history.some((e) => e.reason.startsWith('backend already runs the job again'))).toBe(true);
    // The claim protected the lost call for the backend's bound on it, not a fixed minute.
    expect(rerunClaimWindowMs(h.deps.backends.get('lindorm')!.timing)).toBe(1_800 + 2_000);
  });
});

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { TaskStore } from '../../lib/store/task-store.ts';
import { taskIdFor } from '../../lib/task/task.ts';
import { type LindormMaster, startLindormMaster } from '../../local/lindorm-master/simulator.ts';
import { seedRequest, trickyReaderConfig } from '../support/seed-request.ts';
import { createTestAws, receiveAll, roundTripThroughQueue, type TestAws } from '../support/stack.ts';
import { wrapStore } from '../support/store-wrapper.ts';
import { createSubmitHarness, type SubmitHarness } from '../support/submit-harness.ts';

let aws: TestAws;
let master: LindormMaster;
let harness: SubmitHarness | undefined;

beforeAll(async () => {
  aws = await createTestAws();
  master = await startLindormMaster();
});
afterAll(async () => {
  await master.close();
});
beforeEach(() => {
  master.reset();
});
afterEach(async () => {
  await harness?.close();
  harness = undefined;
  await receiveAll(aws.sqs, aws.dlqUrl, Number.MAX_SAFE_INTEGER, 300); // drain letters of the previous test
});

// fauxqs refuses characters beyond U+FFFF in a message body (real SQS accepts them), so those are sent as
// JSON \u escapes: the request JSON.parse reads is the same.
const body = (request: Record<string, unknown>) =>
  JSON.stringify(request).replace(/[\u{10000}-\u{10FFFF}]/gu, (c) =>
    c
      .split('')
      .map((unit) => `\\u${unit.charCodeAt(0).toString(16)}`)
      .join(''),
  );
let counter = 0;
const uniqueId = (label: string) => `${label}-${Date.now()}-${counter++}`;

describe('submit: one backend task per request', () => {
  it('submits the seed example once although it is delivered three times, twice concurrently', async () => {
    // Prepare
    harness = createSubmitHarness(aws, master);
    const message = body({ requestId: uniqueId('seed'), ...seedRequest });
    const [first, second, third] = await roundTripThroughQueue(aws, [message, message, message]);

    // Act: two deliveries in concurrent invocations, then a late third.
    const [a, b] = await Promise.all([harness.invoke([first!]), harness.invoke([second!])]);
    const c = await harness.invoke([third!]);
    // The concurrent loser was told to come back; on its redelivery it finds the task submitted.
    const retried = [a, b].flatMap((r) => r.batchItemFailures.map((f) => f.itemIdentifier));
    const redelivered = retried.length ? await harness.invoke([[first!, second!].find((m) => m.messageId === retried[0])!]) : undefined;

    // Assess
    expect(master.creates()).toHaveLength(1);
    const kinds = [a, b, c, redelivered].flatMap((r) => r?.outcomes.map((o) => o.outcome.kind) ?? []);
    expect(kinds.filter((k) => k === 'submitted')).toHaveLength(1);
    expect(c.outcomes[0]!.outcome.kind).toBe('duplicate');
    expect(redelivered?.batchItemFailures ?? []).toEqual([]);
    const task = await harness.store.get(taskIdFor(JSON.parse(message).requestId));
    expect(task).toMatchObject({ state: 'SUBMITTED', remoteId: master.procs()[0]!.id, version: 2 }); // intent with its claim, then the procId
    expect(task!.history.map((h) => h.to)).toEqual(['ACCEPTED', 'SUBMITTED']);
  });

  it('gives a request without requestId a key derived from its content, equal for object and string configs', async () => {
    harness = createSubmitHarness(aws, master);
    const asStrings = { ...seedRequest, dst: 'ld', instances: 7 };
    const asObjects = { ...asStrings, readerConfig: JSON.parse(seedRequest.readerConfig), writerConfig: JSON.parse(seedRequest.writerConfig) };
    const records = await roundTripThroughQueue(aws, [body(asStrings), body(asObjects)]);
    await harness.invoke([records[0]!]);
    const second = await harness.invoke([records[1]!]);
    expect(second.outcomes[0]!.outcome.kind).toBe('duplicate');
    expect(master.creates((r) => r.form?.instances === '7')).toHaveLength(1);
  });

  it('dead-letters a reused requestId carrying a different request and leaves the first task alone', async () => {
    harness = createSubmitHarness(aws, master);
    const requestId = uniqueId('reuse');
    const records = await roundTripThroughQueue(aws, [body({ requestId, ...seedRequest }), body({ requestId, ...seedRequest, instances: 9 })]);
    await harness.invoke([records[0]!]);
    const result = await harness.invoke([records[1]!]);
    expect(result.batchItemFailures).toEqual([]);
    expect(master.creates()).toHaveLength(1);
    const [letter] = await receiveAll(aws.sqs, aws.dlqUrl, 1);
    expect(letter!.MessageAttributes?.['bulkpilot-field']?.StringValue).toBe('requestId');
    expect(letter!.MessageAttributes?.['bulkpilot-reason']?.StringValue).toContain('different request');
    expect((await harness.store.get(taskIdFor(requestId)))!.state).toBe('SUBMITTED');
  });
});

describe('submit: bad input never fails its siblings', () => {
  it('submits the valid record and rejects, records and dead-letters each bad one with its reason', async () => {
    // Prepare
    harness = createSubmitHarness(aws, master);
    const ids = { valid: uniqueId('valid'), noDst: uniqueId('no-dst'), badInstances: uniqueId('bad-instances'), refused: uniqueId('refused') };
    const { dst: _dst, ...withoutDst } = seedRequest;
    const records = await roundTripThroughQueue(aws, [
      body({ requestId: ids.valid, ...seedRequest }),
      'this is {not json',
      body({ requestId: ids.noDst, ...withoutDst }),
      body({ requestId: ids.badInstances, ...seedRequest, instances: 'five' }),
      body({ requestId: ids.refused, ...seedRequest, src: 'unregistered_source' }),
    ]);

    // Act
    const result = await harness.invoke(records);

    // Assess: nothing needs redelivery; the report names each failing item and why.
    expect(result.batchItemFailures).toEqual([]);
    const byBody = new Map(result.outcomes.map((o, i) => [i, o.outcome]));
    expect(byBody.get(0)).toMatchObject({ kind: 'submitted' });
    expect(byBody.get(1)).toMatchObject({ kind: 'rejected', field: '(message)' });
    expect(byBody.get(2)).toMatchObject({ kind: 'rejected', field: 'dst', reason: 'dst: is required' });
    expect(byBody.get(3)).toMatchObject({ kind: 'rejected', field: 'instances' });
    expect(byBody.get(4)).toMatchObject({ kind: 'rejected', reason: expect.stringContaining('unregistered_source') });
    expect(master.creates()).toHaveLength(2); // the valid one and the one the master refused

    const letters = await receiveAll(aws.sqs, aws.dlqUrl, 4);
    expect(letters).toHaveLength(4);
    const reasons = Object.fromEntries(letters.map((l) => [l.Body, l.MessageAttributes?.['bulkpilot-reason']?.StringValue]));
    expect(reasons[records[1]!.body]).toMatch(/^\(message\): is not valid JSON/);
    expect(reasons[records[2]!.body]).toBe('dst: is required');
    expect(reasons[records[3]!.body]).toMatch(/^instances: must be an integer .* got string "five"/);
    expect(reasons[records[4]!.body]).toMatch(/refused by the backend: .*unregistered_source/);

    const noDst = await harness.store.get(taskIdFor(ids.noDst));
    expect(noDst).toMatchObject({ state: 'REJECTED', error: { field: 'dst', reason: 'is required', source: 'validation' } });
    expect(noDst!.expiresAt).toBeGreaterThan(Date.now() / 1000);
    expect(noDst!.dueAt).toBeUndefined();
    expect(await harness.store.get(taskIdFor(ids.refused))).toMatchObject({ state: 'REJECTED', error: { source: 'backend' } });
    expect(await harness.store.get(taskIdFor(ids.valid))).toMatchObject({ state: 'SUBMITTED' });
  });

  it('records every mistake of a request on its REJECTED task, at most 20, and dead-letters the message naming them all', async () => {
    harness = createSubmitHarness(aws, master);
    const ids = { three: uniqueId('three-mistakes'), many: uniqueId('many-mistakes') };
    const { dst: _dst, ...withoutDst } = seedRequest;
    const unknown = Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`extra${i}`, i]));
    const records = await roundTripThroughQueue(aws, [
      body({ requestId: ids.three, ...withoutDst, driverSpec: 'huge', instances: 0 }),
      body({ requestId: ids.many, ...seedRequest, ...unknown }),
    ]);

    const result = await harness.invoke(records);

    expect(result.batchItemFailures).toEqual([]);
    const message =
      'dst: is required; driverSpec: must be one of small, medium, large, xlarge, got string "huge"; instances: must be between 1 and 1000, got 0';
    expect(result.outcomes[0]!.outcome).toMatchObject({ kind: 'rejected', field: 'dst', reason: message });
    const three = await harness.store.get(taskIdFor(ids.three));
    expect(three).toMatchObject({ state: 'REJECTED', error: { field: 'dst', reason: 'is required', source: 'validation' } });
    expect(three!.error!.errors).toEqual([
      { field: 'dst', reason: 'is required' },
      { field: 'driverSpec', reason: 'must be one of small, medium, large, xlarge, got string "huge"' },
      { field: 'instances', reason: 'must be between 1 and 1000, got 0' },
    ]);
    expect(three!.error!.moreErrors).toBeUndefined();
    expect(three!.history[0]!.reason).toBe(`invalid request: ${message}`);

    const many = await harness.store.get(taskIdFor(ids.many));
    expect(many!.error).toMatchObject({ field: 'extra0', moreErrors: 5 });
    expect(many!.error!.errors!.map((e) => e.field)).toEqual(Array.from({ length: 20 }, (_, i) => `extra${i}`));

    const letters = await receiveAll(aws.sqs, aws.dlqUrl, 2);
    const byBody = Object.fromEntries(letters.map((l) => [l.Body, l.MessageAttributes]));
    expect(byBody[records[0]!.body]?.['bulkpilot-reason']?.StringValue).toBe(message);
    expect(byBody[records[0]!.body]?.['bulkpilot-field']?.StringValue).toBe('dst');
    expect(byBody[records[1]!.body]?.['bulkpilot-field']?.StringValue).toBe('extra0');
  });

  it('keeps a non-JSON message on its REJECTED task, found by the hash of its bytes', async () => {
    harness = createSubmitHarness(aws, master);
    const [record] = await roundTripThroughQueue(aws, [`garbage ${uniqueId('x')}`]);
    const result = await harness.invoke([record!]);
    const outcome = result.outcomes[0]!.outcome as { taskId: string };
    const task = await harness.store.get(outcome.taskId);
    expect(task).toMatchObject({ state: 'REJECTED', rawMessage: record!.body, requestIdSource: 'derived' });
  });
});

describe('submit: form encoding', () => {
  it('delivers a readerConfig with special characters to the master byte-for-byte', async () => {
    harness = createSubmitHarness(aws, master);
    const [record] = await roundTripThroughQueue(aws, [body({ requestId: uniqueId('tricky'), ...seedRequest, readerConfig: trickyReaderConfig })]);
    await harness.invoke([record!]);
    const received = master.creates()[0]!.form!.readerConfig!;
    expect(Buffer.compare(Buffer.from(received), Buffer.from(trickyReaderConfig))).toBe(0);
  });
});

describe('submit: transient and ambiguous failures', () => {
  it('asks SQS to redeliver after a 5xx from the master, and submits on the redelivery', async () => {
    harness = createSubmitHarness(aws, master);
    const requestId = uniqueId('5xx');
    const [record] = await roundTripThroughQueue(aws, [body({ requestId, ...seedRequest })]);
    master.faults.add({ endpoint: 'create', kind: 'status', status: 503, times: 1 });

    const first = await harness.invoke([record!]);
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: record!.messageId }]);
    const between = await harness.store.get(taskIdFor(requestId));
    expect(between).toMatchObject({ state: 'ACCEPTED', create: { attempts: 1, lastError: expect.stringContaining('HTTP 503') } });
    expect(between!.create.startedAt).toBeUndefined();

    const second = await harness.invoke([record!]);
    expect(second.batchItemFailures).toEqual([]);
    expect(await harness.store.get(taskIdFor(requestId))).toMatchObject({ state: 'SUBMITTED', create: { attempts: 2 } });
    expect(master.procs()).toHaveLength(1);
  });

  it('holds a create answered 500 after the master stored it as UNCERTAIN; the redelivery creates nothing', async () => {
    harness = createSubmitHarness(aws, master);
    const requestId = uniqueId('500-after');
    const [record] = await roundTripThroughQueue(aws, [body({ requestId, ...seedRequest })]);
    master.faults.add({ endpoint: 'create', kind: 'status', status: 500, phase: 'after', times: 1 });
    const first = await harness.invoke([record!]);
    const again = await harness.invoke([record!]);
    expect(first.outcomes[0]!.outcome).toMatchObject({ kind: 'uncertain', reason: expect.stringContaining('HTTP 500') });
    expect(again.outcomes[0]!.outcome).toMatchObject({ kind: 'duplicate', state: 'UNCERTAIN' });
    expect(master.creates()).toHaveLength(1);
    expect(master.procs()).toHaveLength(1); // the job the master made, which an operator settles
  });

  it('asks for redelivery without calling the master when the master is unreachable', async () => {
    const closed = await startLindormMaster();
    await closed.close();
    harness = createSubmitHarness(aws, { ...master, url: closed.url });
    const [record] = await roundTripThroughQueue(aws, [body({ requestId: uniqueId('down'), ...seedRequest })]);
    const result = await harness.invoke([record!]);
    expect(result.batchItemFailures).toHaveLength(1);
    expect(result.outcomes[0]!.outcome).toMatchObject({ kind: 'retry', reason: expect.stringContaining('before reaching the backend') });
  });

  it('does not start a create when the invocation has too little time left to record it', async () => {
    harness = createSubmitHarness(aws, master);
    const requestId = uniqueId('late');
    const [record] = await roundTripThroughQueue(aws, [body({ requestId, ...seedRequest })]);
    const result = await harness.invoke([record!], 3_000);
    expect(result.batchItemFailures).toHaveLength(1);
    expect(master.creates()).toHaveLength(0);
    // Nothing is written either: the message comes back whole, and no task claims its requestId yet.
    expect(await harness.store.get(taskIdFor(requestId))).toBeUndefined();
  });

  it('holds a create that timed out as UNCERTAIN and never creates it again', async () => {
    harness = createSubmitHarness(aws, master, { clientTimeouts: { connectMs: 500, headersMs: 300, bodyMs: 300 } });
    const requestId = uniqueId('slow');
    const [record] = await roundTripThroughQueue(aws, [body({ requestId, ...seedRequest })]);
    master.faults.add({ endpoint: 'create', kind: 'slow', delayMs: 1_500, times: 1 });

    const first = await harness.invoke([record!]);
    const again = await harness.invoke([record!]);

    expect(first.batchItemFailures).toEqual([]);
    expect(first.outcomes[0]!.outcome).toMatchObject({ kind: 'uncertain', reason: expect.stringContaining('timed out') });
    expect(again.outcomes[0]!.outcome).toMatchObject({ kind: 'duplicate', state: 'UNCERTAIN' });
    expect(master.creates()).toHaveLength(1);
    const task = await harness.store.get(taskIdFor(requestId));
    expect(task).toMatchObject({ state: 'UNCERTAIN', error: { source: 'bulkpilot' } });
    expect(task!.dueAt).toBeUndefined();
  });
});

describe('submit: a crash at each step converges on redelivery', () => {
  /** A store whose next write of the given kind "crashes" the invocation right after (or instead of) it. */
  function crashingStore(when: 'after-intent' | 'instead-of-submitted-write') {
    let armed = true;
    return (store: TaskStore): TaskStore =>
      wrapStore(store, {
        createIfAbsent: async (task) => {
          const result = await store.createIfAbsent(task);
          if (armed && when === 'after-intent' && task.state === 'ACCEPTED') {
            armed = false;
            throw new Error('crash after the intent write');
          }
          return result;
        },
        replace: async (task) => {
          if (armed && when === 'instead-of-submitted-write' && task.state === 'SUBMITTED') {
            armed = false;
            throw new Error('crash between create and the procId write');
          }
          return store.replace(task);
        },
      });
  }

  it('crash after the intent write (which carries the claim): no create; redeliveries wait out the lease, then hold the task as UNCERTAIN', async () => {
    // A death after the claim and before the call cannot be told from one during the call: both are the
    // documented ambiguous window, which never creates silently twice.
    harness = createSubmitHarness(aws, master, { wrapStore: crashingStore('after-intent') });
    const requestId = uniqueId('crash-intent');
    const [record] = await roundTripThroughQueue(aws, [body({ requestId, ...seedRequest })]);
    expect((await harness.invoke([record!])).batchItemFailures).toHaveLength(1);
    expect(master.creates()).toHaveLength(0);
    expect((await harness.invoke([record!])).outcomes[0]!.outcome).toMatchObject({ kind: 'retry', reason: expect.stringContaining('still in progress') });
    harness.clock.advance(60_000);
    expect((await harness.invoke([record!])).outcomes[0]!.outcome.kind).toBe('uncertain');
    expect(master.creates()).toHaveLength(0);
    expect(await harness.store.get(taskIdFor(requestId))).toMatchObject({ state: 'UNCERTAIN', create: { attempts: 1 } });
  });

  it('an intent write whose answer was lost and retried finds its own claim and creates once', async () => {
    // The SDK retries a PutItem whose answer it lost; the retry fails its condition on the item it wrote.
    harness = createSubmitHarness(aws, master, {
      wrapStore: (store) => wrapStore(store, { createIfAbsent: async (task) => (await store.createIfAbsent(task), store.createIfAbsent(task)) }),
    });
    const requestId = uniqueId('lost-put-answer');
    const [record] = await roundTripThroughQueue(aws, [body({ requestId, ...seedRequest })]);
    expect((await harness.invoke([record!])).outcomes[0]!.outcome.kind).toBe('submitted');
    expect(master.creates()).toHaveLength(1);
  });

  it('crash between create and the procId write: a redelivery during the lease waits, after it the task is UNCERTAIN, never created twice', async () => {
    // Prepare
    harness = createSubmitHarness(aws, master, { wrapStore: crashingStore('instead-of-submitted-write') });
    const requestId = uniqueId('crash-window');
    const [record] = await roundTripThroughQueue(aws, [body({ requestId, ...seedRequest })]);

    // Act 1: the create succeeds at the master, the write of its procId does not.
    const crashed = await harness.invoke([record!]);
    expect(crashed.batchItemFailures).toHaveLength(1);
    const procId = master.procs()[0]!.id;
    const errorLine = harness.logLines.find((l) => l.message === 'create succeeded but the remote id could not be recorded');
    expect(errorLine).toMatchObject({ level: 'error', remoteId: procId, taskId: taskIdFor(requestId) });

    // Act 2: redelivered while the lease still runs (as if the first invocation were alive).
    const early = await harness.invoke([record!]);
    expect(early.outcomes[0]!.outcome).toMatchObject({ kind: 'retry', reason: expect.stringContaining('still in progress') });

    // Act 3: redelivered after the lease expired.
    harness.clock.advance(60_000);
    const late = await harness.invoke([record!]);

    // Assess
    expect(late.outcomes[0]!.outcome).toMatchObject({ kind: 'uncertain' });
    expect(master.creates()).toHaveLength(1);
    const task = await harness.store.get(taskIdFor(requestId));
    expect(task!.state).toBe('UNCERTAIN');
    expect(task!.history.at(-1)!.reason).toContain('never recorded its outcome');
  });

  it('with policy resubmit, the same crash leads to a second create, flagged as a possible duplicate', async () => {
    harness = createSubmitHarness(aws, master, { wrapStore: crashingStore('instead-of-submitted-write'), settings: { ambiguousCreatePolicy: 'resubmit' } });
    const requestId = uniqueId('crash-resubmit');
    const [record] = await roundTripThroughQueue(aws, [body({ requestId, ...seedRequest })]);
    await harness.invoke([record!]);
    harness.clock.advance(60_000);
    expect((await harness.invoke([record!])).batchItemFailures).toHaveLength(1); // flagged, then redelivered
    const final = await harness.invoke([record!]);
    expect(final.outcomes[0]!.outcome.kind).toBe('submitted');
    expect(master.creates()).toHaveLength(2);
    const task = await harness.store.get(taskIdFor(requestId));
    expect(task).toMatchObject({ state: 'SUBMITTED', create: { possibleDuplicate: true, attempts: 2 } });
  });
});

// Property tests (issue 7): the task state machine, the create form's encoding, and the retry and polling
// delays, each over thousands of random cases. The reference facts (which states are terminal, which are
// scheduled, the operator's one way out) are written here from design.md and the README, not read from
// lib/, so a change to the table that breaks them fails here.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeCreateForm } from '../../lib/backends/lindorm/form.ts';
import { type LindormBulkloadParams, parseLindormRequest } from '../../lib/backends/lindorm/request.ts';
import { RequestValidationError } from '../../lib/request/validation-error.ts';
import { trackingSettingsFromEnv } from '../../lib/runtime/tracking-settings.ts';
import { allowedTransitions, IllegalTransitionError, operatorReopenTransitions, type TaskState, taskStates } from '../../lib/task/states.ts';
import { newTask, shardOf, type Task, type TaskPolicy, taskIdFor, transition, update } from '../../lib/task/task.ts';
import { deadlineOf, defaultPollPolicy, errorBackoffMs, nextCheckDelayMs, type PollPolicy } from '../../lib/tracking/poll-policy.ts';
import { dueCheckTime, emptyCheckpoint, type IndexedTask, type ScheduleMemo } from '../../lib/tracking/poll-schedule.ts';
import { decideAfterFailure, defaultRetryPolicy, effectiveRetryPolicy, type RetryPolicy, retryDelayMs } from '../../lib/tracking/retry-policy.ts';
import { reportFigures, sized } from './scale.ts';

const numRuns = sized(2000, 300);
const runs: Record<string, number> = {};
/** Runs a property with the suite's size and counts it for the figures. */
function check<T>(name: string, property: fc.IProperty<T>): void {
  fc.assert(property, { numRuns });
  runs[name] = numRuns;
}

// design.md's table and the README ("bulkpilot never leaves a terminal state on its own. The one way out is
// an operator's manual retry of a FAILED_FINAL or ABORTED task"; the due index holds exactly these states).
const documentedTerminal = new Set<TaskState>(['SUCCEEDED', 'FAILED_FINAL', 'ABORTED', 'REJECTED', 'LOST']);
const documentedScheduled = new Set<TaskState>(['ACCEPTED', 'SUBMITTED', 'RUNNING', 'RETRY_WAIT', 'ABORTING', 'FAILED']);
const documentedReopen: Array<[TaskState, TaskState]> = [
  ['FAILED_FINAL', 'RETRY_WAIT'],
  ['ABORTED', 'RETRY_WAIT'],
];

const t0 = Date.parse('2026-11-21T10:00:00Z');
const stateArb = fc.constantFrom(...taskStates);

type Step =
  | {
      kind: 'transition';
      to: TaskState;
      preferLegal: boolean;
      pick: number;
      by: 'system' | 'operator' | undefined;
      dt: number;
      reason: string;
      dueAt: number | undefined;
      stage: string | undefined;
    }
  | { kind: 'update'; dt: number; dueAt: number | undefined; stage: string | undefined };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('transition' as const),
      to: stateArb,
      // Half the attempts aim at a successor the table lists (else few random targets would be legal); the rest
      // are any state at all.
      preferLegal: fc.boolean(),
      pick: fc.nat(),
      by: fc.constantFrom('system' as const, 'operator' as const, undefined),
      dt: fc.integer({ min: 0, max: 86_400_000 }),
      reason: fc.string({ unit: 'binary', maxLength: 30 }),
      dueAt: fc.option(fc.integer({ min: t0, max: t0 + 365 * 86_400_000 }), { nil: undefined }),
      stage: fc.option(fc.string({ maxLength: 12 }), { nil: undefined }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('update' as const),
      dt: fc.integer({ min: 0, max: 86_400_000 }),
      dueAt: fc.option(fc.integer({ min: t0, max: t0 + 365 * 86_400_000 }), { nil: undefined }),
      stage: fc.option(fc.string({ maxLength: 12 }), { nil: undefined }),
    }),
  },
);

const policyArb: fc.Arbitrary<TaskPolicy> = fc.record({
  historyLimit: fc.integer({ min: 2, max: 12 }),
  shards: fc.integer({ min: 1, max: 64 }),
  retentionDays: fc.integer({ min: 1, max: 3650 }),
});

/** The checks every task version must pass, whatever led to it. */
function expectConsistent(task: Task, policy: TaskPolicy, now: number): void {
  expect(task.history.length).toBeLessThanOrEqual(policy.historyLimit);
  if (documentedScheduled.has(task.state)) {
    expect(task.dueShard).toBe(shardOf(task.taskId, policy.shards));
    expect(task.dueAt).toEqual(expect.any(Number));
  } else {
    expect(task.dueShard).toBeUndefined();
    expect(task.dueAt).toBeUndefined();
  }
  if (documentedTerminal.has(task.state)) expect(task.expiresAt).toBe(Math.floor(now / 1000) + policy.retentionDays * 86_400);
  else expect(task.expiresAt).toBeUndefined();
}

describe('property: the task state machine', () => {
  it('never lets the system leave a terminal state; the table itself agrees with the documents', () => {
    for (const state of taskStates) {
      if (documentedTerminal.has(state)) expect(allowedTransitions[state]).toEqual([]);
      for (const to of operatorReopenTransitions[state] ?? []) expect(documentedReopen).toContainEqual([state, to]);
    }
  });

  it('over random sequences of attempted transitions: accepts only what the table allows, and every version is consistent', () => {
    let accepted = 0;
    let refused = 0;
    let reopened = 0;
    check(
      'state machine sequences',
      fc.property(stateArb, policyArb, fc.array(stepArb, { minLength: 1, maxLength: 40 }), (start, policy, steps) => {
        let now = t0;
        let task = newTask(
          {
            taskId: taskIdFor(`prop-${start}`),
            requestId: `prop-${start}`,
            requestIdSource: 'client',
            backend: 'lindorm-bulkload',
            state: start,
            createdAt: now,
            summary: {},
          },
          'import request received',
          policy,
          now + 1000,
        );
        const first = structuredClone(task.history[0]!);
        let appended = 0;
        expectConsistent(task, policy, now);
        for (const step of steps) {
          now += step.dt;
          const before = structuredClone(task);
          if (step.kind === 'update') {
            const next = update(task, now, policy, step.stage === undefined ? {} : { stage: step.stage }, step.dueAt);
            expect(task).toEqual(before); // pure
            expect(next.version).toBe(task.version + 1);
            expect(next.state).toBe(task.state);
            expect(next.history).toEqual(task.history);
            if (documentedScheduled.has(next.state)) expect(next.dueAt).toBe(step.dueAt ?? task.dueAt ?? now);
            task = next;
            continue;
          }
          const from = task.state;
          const listed = [...allowedTransitions[from], ...(step.by === 'operator' ? (operatorReopenTransitions[from] ?? []) : [])];
          const to = step.preferLegal && listed.length > 0 ? listed[step.pick % listed.length]! : step.to;
          const inTable = allowedTransitions[from].includes(to) || (step.by === 'operator' && (operatorReopenTransitions[from] ?? []).includes(to));
          let next: Task | undefined;
          try {
            next = transition(task, {
              to,
              reason: step.reason,
              now,
              policy,
              ...(step.by ? { by: step.by } : {}),
              ...(step.dueAt !== undefined ? { dueAt: step.dueAt } : {}),
              ...(step.stage !== undefined ? { changes: { stage: step.stage } } : {}),
            });
          } catch (error) {
            expect(error).toBeInstanceOf(IllegalTransitionError);
            expect(error).toMatchObject({ from, to });
            expect(inTable).toBe(false);
            expect(task).toEqual(before); // an illegal transition leaves the task untouched
            refused++;
            continue;
          }
          expect(task).toEqual(before); // the old version is not modified either
          expect(inTable).toBe(true);
          if (documentedTerminal.has(from)) {
            // The documented exception, and only by an operator.
            expect(step.by).toBe('operator');
            expect(documentedReopen).toContainEqual([from, to]);
            reopened++;
          }
          accepted++;
          appended++;
          expect(next.state).toBe(to);
          expect(next.version).toBe(task.version + 1);
          expect(next.history[0]).toEqual(first);
          expect(next.history.at(-1)).toEqual({ at: now, from, to, reason: step.reason });
          expect(next.history.length + (next.historyDropped ?? 0)).toBe(1 + appended);
          if (documentedScheduled.has(to)) expect(next.dueAt).toBe(step.dueAt ?? task.dueAt ?? now);
          if (documentedTerminal.has(to)) expect(next.finishedAt).toBe(now);
          else expect(next.finishedAt).toBeUndefined();
          expectConsistent(next, policy, now);
          task = next;
        }
      }),
    );
    // The generator must reach both outcomes, or the property says little.
    expect(accepted).toBeGreaterThan(numRuns / 2);
    expect(refused).toBeGreaterThan(numRuns / 2);
    runs['state machine: transitions accepted'] = accepted;
    runs['state machine: operator reopens'] = reopened;
  });

  it('refuses to leave any terminal state for a system actor, with both spellings of it', () => {
    check(
      'terminal states by system',
      fc.property(fc.constantFrom(...documentedTerminal), stateArb, fc.constantFrom('system' as const, undefined), (from, to, by) => {
        const task = newTask({ taskId: 't-x', requestId: 'x', requestIdSource: 'client', backend: 'b', state: from, createdAt: t0, summary: {} }, 'r', {
          historyLimit: 50,
          shards: 4,
          retentionDays: 30,
        });
        expect(() =>
          transition(task, { to, reason: 'r', now: t0 + 1, policy: { historyLimit: 50, shards: 4, retentionDays: 30 }, ...(by ? { by } : {}) }),
        ).toThrow(IllegalTransitionError);
      }),
    );
  });
});

// ---------------------------------------------------------------------------------------------------------
// The create form

/** JSON equality as a reader of the form sees it: -0 is 0, prototypes do not matter. */
function sameJson(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a === b; // 0 === -0
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => sameJson(v, b[i]));
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return a === b;
}

const anyText = (maxLength: number) =>
  fc.oneof(
    { weight: 4, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }).map((t) => t.trim() || 'x') },
    fc.string({ unit: 'grapheme', minLength: 1, maxLength }),
    fc.string({ unit: 'binary', maxLength }), // lone surrogates, control characters
    fc.constantFrom('&', '=', '%', '%26src%3Devil', '+', 'a+b=c&d', '../..', 'src=evil&dst=evil', '"\'', '😀', '数据', '\u2028', ' x '),
  );
// fc.jsonValue draws many integers beyond 2^53 (1e21…), which an object config may not hold (README); a second
// generator keeps numbers exact so that most configs are accepted and reach the form.
const exactJson = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', maxDepth: 5 },
    fc.string({ unit: 'binary', maxLength: 20 }),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e15, max: 1e15 }),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string({ unit: 'binary', maxLength: 8 }), tie('value'), { maxKeys: 4 }),
  ),
})).value;
const configObject = fc.dictionary(
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.oneof({ weight: 3, arbitrary: exactJson }, fc.jsonValue({ stringUnit: 'binary', maxDepth: 4 })),
  { maxKeys: 6 },
);
/** A config as the request may give it: an object, or a JSON text (indented or not, or with a raw lone surrogate). */
const configArb = fc.oneof(
  configObject.map((value) => ({ given: value as unknown, value })),
  fc
    .tuple(configObject, fc.constantFrom(undefined, 2, '\t', ' \r\n'))
    .map(([value, indent]) => ({ given: JSON.stringify(value, null, indent) as unknown, value })),
  fc.constantFrom('\ud800', '\udfff', 'a\udc00b').map((lone) => ({ given: `{"k":"${lone}"}` as unknown, value: { k: lone } })),
);

describe('property: the create form', () => {
  it('carries every accepted request to the master exactly: the same fields, each value intact, the configs as JSON', () => {
    let accepted = 0;
    check(
      'form: request to form',
      fc.property(
        fc.record({
          src: anyText(140),
          dst: anyText(140),
          reader: configArb,
          writer: configArb,
          driverSpec: fc.constantFrom('small', 'medium', 'large', 'xlarge'),
          instances: fc.oneof(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 1000 }).map(String)),
          fileType: fc.option(fc.constantFrom('CSV', 'Parquet'), { nil: undefined }),
          spark: fc.option(anyText(200), { nil: undefined }),
        }),
        (r) => {
          const fields: Record<string, unknown> = {
            src: r.src,
            dst: r.dst,
            readerConfig: r.reader.given,
            writerConfig: r.writer.given,
            driverSpec: r.driverSpec,
            instances: r.instances,
          };
          if (r.fileType !== undefined) fields.fileType = r.fileType;
          if (r.spark !== undefined) fields.sparkAdditionalParams = r.spark;
          let params: LindormBulkloadParams;
          try {
            params = parseLindormRequest(fields);
          } catch (error) {
            expect(error).toBeInstanceOf(RequestValidationError);
            return;
          }
          accepted++;
          const form = new URLSearchParams(encodeCreateForm(params));
          const expected = [
            'src',
            'dst',
            'readerConfig',
            'writerConfig',
            'driverSpec',
            'instances',
            ...(r.fileType ? ['fileType'] : []),
            ...(r.spark !== undefined ? ['sparkAdditionalParams'] : []),
          ];
          expect([...form.keys()]).toEqual(expected);
          expect(form.get('src')).toBe(r.src);
          expect(form.get('dst')).toBe(r.dst);
          expect(form.get('driverSpec')).toBe(r.driverSpec);
          expect(form.get('instances')).toBe(String(Number(r.instances)));
          if (r.fileType) expect(form.get('fileType')).toBe(r.fileType);
          if (r.spark !== undefined) expect(form.get('sparkAdditionalParams')).toBe(r.spark);
          for (const [key, config] of [
            ['readerConfig', r.reader],
            ['writerConfig', r.writer],
          ] as const) {
            const text = form.get(key)!;
            if (typeof config.given === 'string') expect(text).toBe(config.given); // a string is sent verbatim
            expect(sameJson(JSON.parse(text), config.value)).toBe(true);
          }
        },
      ),
    );
    expect(accepted).toBeGreaterThan(numRuns / 5);
    runs['form: accepted requests checked'] = accepted;
  });

  it('encodes any well-formed values so that URLSearchParams decodes exactly them, one field each', () => {
    const wellFormed = (maxLength: number) => fc.string({ unit: 'binary', maxLength }).filter((s) => s.isWellFormed());
    check(
      'form: encoding alone',
      fc.property(
        wellFormed(60),
        wellFormed(60),
        wellFormed(300),
        wellFormed(300),
        fc.nat(),
        fc.option(wellFormed(60), { nil: undefined }),
        (src, dst, readerConfig, writerConfig, instances, spark) => {
          const params: LindormBulkloadParams = {
            src,
            dst,
            readerConfig,
            writerConfig,
            driverSpec: 'large',
            instances,
            ...(spark !== undefined ? { sparkAdditionalParams: spark } : {}),
          };
          const form = new URLSearchParams(encodeCreateForm(params));
          expect([...form.entries()]).toEqual([
            ['src', src],
            ['dst', dst],
            ['readerConfig', readerConfig],
            ['writerConfig', writerConfig],
            ['driverSpec', 'large'],
            ['instances', String(instances)],
            ...(spark !== undefined ? [['sparkAdditionalParams', spark]] : []),
          ]);
        },
      ),
    );
  });
});

// ---------------------------------------------------------------------------------------------------------
// Retry and polling delays, with settings read the way the functions read them (trackingSettingsFromEnv)

const unitRandom = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });
const retryEnvArb = fc.record(
  {
    RETRY_MAX_ATTEMPTS: fc.integer({ min: 1, max: 20 }).map(String),
    RETRY_BASE_DELAY_S: fc.integer({ min: 1, max: 86_400 }).map(String),
    RETRY_MULTIPLIER: fc.double({ min: 1, max: 10, noNaN: true }).map(String),
    RETRY_MAX_DELAY_S: fc.integer({ min: 1, max: 7 * 86_400 }).map(String),
  },
  { requiredKeys: [] },
);
// The request's own `retry` overrides, within the limits the request schema enforces.
const retryOverridesArb = fc.record(
  {
    maxAttempts: fc.integer({ min: 1, max: 20 }),
    baseDelayMs: fc.integer({ min: 1, max: 86_400 }).map((s) => s * 1000),
    multiplier: fc.double({ min: 1, max: 10, noNaN: true }),
    maxDelayMs: fc.integer({ min: 1, max: 7 * 86_400 }).map((s) => s * 1000),
  },
  { requiredKeys: [] },
);

function failedTask(attempt: number, retry: Task['retry'], message: string): Task {
  const task = newTask(
    {
      taskId: 't-r',
      requestId: 'r',
      requestIdSource: 'client',
      backend: 'b',
      state: 'FAILED',
      createdAt: t0,
      summary: {},
      attempt,
      error: { reason: message, source: 'backend', at: t0 },
    },
    'r',
    { historyLimit: 50, shards: 4, retentionDays: 30 },
  );
  return retry === undefined ? task : { ...task, retry };
}

describe('property: retry delays', () => {
  it('draws the n-th retry delay from [0, min(max, base × multiplier^(n−1))), never above maxDelayMs', () => {
    check(
      'retry: delay bounds',
      fc.property(retryEnvArb, fc.option(retryOverridesArb, { nil: undefined }), fc.integer({ min: 1, max: 100_000 }), unitRandom, (env, overrides, n, r) => {
        const policy: RetryPolicy = effectiveRetryPolicy(failedTask(1, overrides, ''), trackingSettingsFromEnv(env).retry);
        const delay = retryDelayMs(n, policy, () => r);
        const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * policy.multiplier ** (n - 1));
        expect(Number.isInteger(delay)).toBe(true);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThan(ceiling);
        expect(delay).toBeLessThanOrEqual(policy.maxDelayMs);
      }),
    );
  });

  it('retries a failed run only while attempts remain, waiting within the bounds; gives up at the cap or on a fatal message', () => {
    check(
      'retry: decision',
      fc.property(
        retryEnvArb,
        fc.option(retryOverridesArb, { nil: undefined }),
        fc.integer({ min: 1, max: 30 }),
        unitRandom,
        fc.string({ maxLength: 20 }),
        fc.boolean(),
        (env, overrides, attempt, r, message, fatal) => {
          const base = { ...trackingSettingsFromEnv(env).retry, nonRetryablePatterns: fatal ? ['permission denied'] : [] };
          const task = failedTask(attempt, overrides, fatal ? `x: Permission Denied on ${message}` : message);
          const policy = effectiveRetryPolicy(task, base);
          const decision = decideAfterFailure(task, base, t0, () => r);
          if (fatal || attempt >= policy.maxAttempts) {
            expect(decision.to).toBe('FAILED_FINAL');
            return;
          }
          expect(decision.to).toBe('RETRY_WAIT');
          const wait = (decision as { nextAttemptAt: number }).nextAttemptAt - t0;
          expect(wait).toBeGreaterThanOrEqual(0);
          expect(wait).toBeLessThan(Math.min(policy.maxDelayMs, policy.baseDelayMs * policy.multiplier ** (attempt - 1)));
        },
      ),
    );
    expect(decideAfterFailure(failedTask(3, undefined, 'x'), defaultRetryPolicy, t0, () => 0).to).toBe('FAILED_FINAL');
  });
});

// Poll settings as an operator may set them. POLL_MIN_INTERVAL_S ≤ POLL_MAX_INTERVAL_S here; the contrary is
// the subject of its own test below.
const pollEnvArb = fc
  .record({
    a: fc.integer({ min: 1, max: 86_400 }),
    b: fc.integer({ min: 1, max: 86_400 }),
    POLL_AGE_FRACTION: fc.double({ min: 0, max: 10, noNaN: true }).map(String),
    POLL_NEAR_END_INTERVAL_S: fc.integer({ min: 1, max: 86_400 }).map(String),
    POLL_JITTER: fc.double({ min: 0, max: 0.9, noNaN: true }).map(String),
    DEFAULT_MAX_DURATION_MINUTES: fc.integer({ min: 1, max: 10_080 }).map(String),
  })
  .map(({ a, b, ...rest }) => ({ ...rest, POLL_MIN_INTERVAL_S: String(Math.min(a, b)), POLL_MAX_INTERVAL_S: String(Math.max(a, b)) }));

const runningTaskArb = fc.record({
  ageMs: fc.integer({ min: 0, max: 30 * 86_400_000 }),
  stage: fc.option(fc.constantFrom('WAIT_FOR_SUCCESS', 'wait_for_success', 'BULKLOAD', 'PREPARE', ''), { nil: undefined }),
  maxDurationMinutes: fc.option(fc.integer({ min: 1, max: 10_080 }), { nil: undefined }),
});

/** The documented bounds of a jittered interval; rounding to whole milliseconds may add half of one. */
function expectJitteredWithin(delay: number, lowMs: number, highMs: number, jitter: number): void {
  expect(delay).toBeGreaterThanOrEqual(lowMs * (1 - jitter) - 0.5);
  expect(delay).toBeLessThanOrEqual(highMs * (1 + jitter) + 0.5);
}

function checkPollDelay(policy: PollPolicy, t: { ageMs: number; stage: string | undefined; maxDurationMinutes: number | undefined }, r: number): void {
  const now = t0 + 40 * 86_400_000;
  const task = {
    ...failedTask(1, undefined, ''),
    state: 'RUNNING' as const,
    submittedAt: now - t.ageMs,
    runStartedAt: now - t.ageMs,
    // The backend's judgement (Lindorm: its last stage) is what the policy reads.
    ...(t.stage !== undefined ? { stage: t.stage, nearEnd: t.stage.toUpperCase() === 'WAIT_FOR_SUCCESS' } : {}),
    ...(t.maxDurationMinutes !== undefined ? { maxDurationMs: t.maxDurationMinutes * 60_000 } : {}),
  };
  const delay = nextCheckDelayMs(task, now, policy, () => r);
  const nearEnd = t.stage !== undefined && t.stage.toUpperCase() === 'WAIT_FOR_SUCCESS';
  const low = nearEnd ? Math.min(policy.minIntervalMs, policy.nearEndIntervalMs) : policy.minIntervalMs;
  const high = nearEnd ? Math.min(policy.maxIntervalMs, policy.nearEndIntervalMs) : policy.maxIntervalMs;
  const deadline = deadlineOf(task, policy)!;
  expect(Number.isInteger(delay)).toBe(true);
  if (deadline > now) {
    expect(now + delay).toBeLessThanOrEqual(deadline); // never past the run's deadline
    expect(delay).toBeLessThanOrEqual(high * (1 + policy.jitter) + 0.5);
    if (delay < deadline - now) expectJitteredWithin(delay, low, high, policy.jitter);
  } else {
    expectJitteredWithin(delay, low, high, policy.jitter);
  }
}

describe('property: poll delays', () => {
  it('keeps the next check of a running job within [min·(1−jitter), max·(1+jitter)] and never past its deadline', () => {
    check(
      'poll: next check',
      fc.property(pollEnvArb, runningTaskArb, unitRandom, (env, t, r) => checkPollDelay(trackingSettingsFromEnv(env).poll, t, r)),
    );
  });

  it('backs off after failed status calls within the jittered bounds of min(base·2^(n−1), max)', () => {
    check(
      'poll: error backoff',
      fc.property(pollEnvArb, fc.integer({ min: 1, max: 10_000 }), unitRandom, (env, failures, r) => {
        const policy = trackingSettingsFromEnv(env).poll;
        const base = Math.min(policy.errorBackoffMaxMs, policy.errorBackoffBaseMs * 2 ** (failures - 1));
        const delay = errorBackoffMs(failures, policy, () => r);
        expectJitteredWithin(delay, base, base, policy.jitter);
        expect(delay).toBeLessThanOrEqual(policy.errorBackoffMaxMs * (1 + policy.jitter) + 0.5);
      }),
    );
  });

  // Found by this suite. The README's rule is clamp(POLL_MIN_INTERVAL_S, 0.2 × age, POLL_MAX_INTERVAL_S), and
  // "a missing or malformed variable fails with a message that names it". A minimum above the maximum is
  // accepted today, and every check then comes at the maximum (below the configured minimum). Repro:
  //   trackingSettingsFromEnv({ POLL_MIN_INTERVAL_S: '600', POLL_MAX_INTERVAL_S: '30' }) returns settings;
  //   nextCheckDelayMs of a fresh run gives 24–36 s, not ≥ 480 s.
  it('refuses settings whose POLL_MIN_INTERVAL_S is above POLL_MAX_INTERVAL_S, naming them', () => {
    expect(() => trackingSettingsFromEnv({ POLL_MIN_INTERVAL_S: '600', POLL_MAX_INTERVAL_S: '30' })).toThrow(/POLL_M(IN|AX)_INTERVAL_S/);
  });
});

describe('property: check times without writes (poll-schedule)', () => {
  // The poller writes nothing for a check without news, so its check times must come from the index entry
  // alone. Whatever the tick times, a running task is never starved (checked at least once per longest gap)
  // and never checked twice for one check time; with or without a memo the answer is the same.
  it('serves every running task at least once per maximum gap, with stable answers, whatever the tick times', () => {
    check(
      'poll schedule: no starvation, memo-stable',
      fc.property(
        fc.string({ minLength: 1, maxLength: 30 }),
        fc.integer({ min: 0, max: 20 * 3_600_000 }),
        fc.array(fc.integer({ min: 10_000, max: 120_000 }), { minLength: 100, maxLength: 400 }), // spans longer than the longest gap
        fc.option(fc.constantFrom('WAIT_FOR_SUCCESS', 'BULKLOAD'), { nil: undefined }),
        (suffix, ageAtAnchor, tickGaps, stage) => {
          const policy = defaultPollPolicy;
          const start = 1_800_000_000_000;
          const task: IndexedTask = {
            taskId: `t-${suffix}`,
            state: 'RUNNING',
            version: 3,
            backend: 'b',
            remoteId: 'p',
            dueAt: start + ageAtAnchor,
            runStartedAt: start,
            ...(stage ? { stage } : {}),
          };
          const memo: ScheduleMemo = { after: -Infinity, at: 0, n: 0 };
          let previous: number | undefined;
          let lastServed = task.dueAt;
          let now = task.dueAt;
          const longest = policy.maxIntervalMs * (1 + policy.jitter) + 120_000; // a gap, plus the tick that serves it
          for (const gap of tickGaps) {
            now += gap;
            const view = { ...emptyCheckpoint(), ...(previous === undefined ? {} : { checkedThrough: previous }) };
            const plain = dueCheckTime(task, view, now, policy);
            expect(dueCheckTime(task, view, now, policy, memo)).toBe(plain);
            if (plain !== undefined) {
              expect(plain).toBeLessThanOrEqual(now);
              if (previous !== undefined) expect(plain).toBeGreaterThan(previous);
              lastServed = now;
            }
            expect(now - lastServed).toBeLessThanOrEqual(longest);
            previous = now;
          }
        },
      ),
    );
  });
});

describe('property figures', () => {
  it('reports the runs of each property', () => {
    expect(Object.keys(runs).length).toBeGreaterThanOrEqual(8);
    reportFigures('properties', runs);
  });
});

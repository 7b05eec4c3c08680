// Races (issue 7): the poller, the retry function and operators act on the same tasks at the same moments,
// round after round of virtual time, while jobs fail and succeed at the master. Every write is recorded, so
// a lost update, an illegal transition, a broken history or an unjustified call to the master shows.
// CHAOS_SEED changes the operators' choices; CHAOS_DEBUG=1 prints what was recorded of a task that broke a rule.
import { AsyncLocalStorage } from 'node:async_hooks';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RemoteRef, RemoteRefusedError } from '../../lib/backends/backend.ts';
import { BackendUnavailableError, OperationRefusedError } from '../../lib/operations/errors.ts';
import { abortTask, deleteTask, retryTask, settleTask } from '../../lib/operations/lifecycle.ts';
import { seededRandom } from '../../lib/random.ts';
import { type TaskStore, TaskVersionConflictError } from '../../lib/store/task-store.ts';
import { canTransition, IllegalTransitionError, isTerminal, scheduledStates } from '../../lib/task/states.ts';
import type { Task, TransitionPatch } from '../../lib/task/task.ts';
import { pollTick } from '../../lib/tracking/poll-tick.ts';
import { seedRequest } from '../support/seed-request.ts';
import { createTestAws, type TestAws } from '../support/stack.ts';
import { wrapStore } from '../support/store-wrapper.ts';
import { createTrackingHarness, type TrackingHarness } from '../support/tracking-harness.ts';
import { reportFigures, sized } from './scale.ts';

const taskCount = sized(200, 30);
const rounds = sized(16, 12);
const quietTicks = 200;

type OperatorKind = 'abort' | 'retry' | 'delete' | 'settle';
type ActorKind = 'submit' | 'tick' | 'retry-stream' | 'quiet-tick' | OperatorKind;

interface Action {
  id: number;
  actor: ActorKind;
}

/** Which action (a tick, a stream drain, one operator command) the code running now belongs to. */
const acting = new AsyncLocalStorage<Action>();
let nextActionId = 0;
const actionsPerKind: Record<string, number> = {};
function act<T>(actor: ActorKind, work: () => Promise<T>): Promise<T> {
  actionsPerKind[actor] = (actionsPerKind[actor] ?? 0) + 1;
  return acting.run({ id: nextActionId++, actor }, work);
}

/**
 * One successful write of a task: a whole task (put), or a transition applied without reading the task (the
 * poller's update from an index entry), which the assessment applies to the version before it.
 */
type Write = { taskId: string; version: number; action: Action } & ({ task: Task } | { patch: TransitionPatch });

/** Every call with a side effect at the master, and the action that made it. */
interface Call {
  verb: 'abort' | 'retry' | 'delete';
  remoteId: string;
  action: Action;
}

function recordingStore(store: TaskStore, writes: Write[], conflicts: Record<string, number>): TaskStore {
  const action = () => acting.getStore() ?? { id: -1, actor: 'submit' as const };
  const conflicted = (error: unknown) => {
    if (error instanceof TaskVersionConflictError) conflicts[action().actor] = (conflicts[action().actor] ?? 0) + 1;
    return error;
  };
  return wrapStore(store, {
    createIfAbsent: async (task) => {
      const result = await store.createIfAbsent(task);
      if (result.created) writes.push({ taskId: task.taskId, version: task.version, task: structuredClone(task), action: action() });
      return result;
    },
    replace: async (task) => {
      await store.replace(task).catch((error: unknown) => Promise.reject(conflicted(error)));
      writes.push({ taskId: task.taskId, version: task.version, task: structuredClone(task), action: action() });
    },
    applyTransition: async (patch) => {
      const applied = await store.applyTransition(patch).catch((error: unknown) => Promise.reject(conflicted(error)));
      if (applied) writes.push({ taskId: patch.taskId, version: patch.expectedVersion + 1, patch: structuredClone(patch), action: action() });
      return applied;
    },
  });
}

/** A task's writes in version order, each as the whole task it left stored (a patch applied to the one before). */
function materialize(mine: Write[]): Array<{ task: Task; action: Action }> {
  const out: Array<{ task: Task; action: Action }> = [];
  for (const w of [...mine].sort((a, b) => a.version - b.version)) {
    if ('task' in w) {
      out.push({ task: w.task, action: w.action });
      continue;
    }
    const before = out.at(-1)?.task;
    if (!before || before.version !== w.patch.expectedVersion)
      throw new Error(`${w.taskId}: a transition from version ${w.patch.expectedVersion}, which no recorded write left`);
    const next = { ...structuredClone(before), ...structuredClone(w.patch.set) } as Task & Record<string, unknown>;
    for (const key of w.patch.remove) delete next[key];
    next.history = [...before.history, w.patch.historyEntry];
    out.push({ task: next, action: w.action });
  }
  return out;
}

let aws: TestAws;
let h: TrackingHarness | undefined;

beforeAll(async () => {
  aws = await createTestAws();
});
afterAll(async () => {
  await h?.close();
});

describe('the poller, the retry function and operators racing on the same tasks', () => {
  it('lose no update, make no illegal transition, keep every history whole and call the master only when justified', async () => {
    // Prepare: jobs of 7 min; some fail once, some on every run; a tenth of the creates lose their answer
    // (the master stored the job), so those tasks are UNCERTAIN and an operator can settle them.
    h = await createTrackingHarness(aws, {
      master: {
        seed: 21,
        stages: [
          { name: 'PREPARE', durationMs: 60_000 },
          { name: 'BULKLOAD', durationMs: 4 * 60_000 },
          { name: 'WAIT_FOR_SUCCESS', durationMs: 2 * 60_000 },
        ],
      },
      seed: 9,
    });
    const harness = h;
    const writes: Write[] = [];
    const conflicts: Record<string, number> = {};
    const calls: Call[] = [];
    const recording = recordingStore(harness.store, writes, conflicts);
    harness.deps.store = recording; // the poller, the retry function and the operations
    harness.submit.deps.store = recording;
    const backend = harness.deps.backends.get('lindorm')!;
    const record = (verb: Call['verb'], ref: RemoteRef) =>
      calls.push({ verb, remoteId: backend.describeRef(ref), action: acting.getStore() ?? { id: -1, actor: 'submit' } });
    const { abort, rerun, delete: remove } = backend;
    backend.abort = (ref, options) => (record('abort', ref), abort.call(backend, ref, options));
    backend.rerun = (ref, params, context, options) => (record('retry', ref), rerun!.call(backend, ref, params, context, options));
    backend.delete = (ref, options) => (record('delete', ref), remove!.call(backend, ref, options));

    const stamp = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
    const uncertainTags = new Set<string>();
    const requests = Array.from({ length: taskCount }, (_, i) => {
      const requestId = `race-${stamp}-${i}`;
      const tag = `chaos.req=${requestId}`;
      if (i % 10 === 7) uncertainTags.add(tag);
      const hints = ['', 'sim.failAt=BULKLOAD sim.failTimes=1', 'sim.failAt=BULKLOAD', '', 'sim.failAt=WAIT_FOR_SUCCESS sim.failTimes=1'][i % 5]!;
      return { requestId, ...seedRequest, sparkAdditionalParams: `${tag} ${hints}`.trim(), retry: { maxAttempts: 3, baseDelaySeconds: 20 } };
    });
    const tagOf = (params: string | undefined) => (params ?? '').split(' ')[0]!;
    harness.master.faults.add({
      endpoint: 'create',
      kind: 'status',
      status: 500,
      phase: 'after',
      match: (r) => uncertainTags.has(tagOf(r.form?.sparkAdditionalParams)),
    });
    const ids: string[] = [];
    for (let i = 0; i < requests.length; i += 50) ids.push(...(await act('submit', () => harness.submitRequests(requests.slice(i, i + 50)))));
    const procOfTask = async (taskId: string) => {
      const task = (await harness.store.get(taskId))!;
      return harness.master.procs().find((p) => tagOf(p.form.sparkAdditionalParams) === `chaos.req=${task.requestId}`)?.id;
    };

    const random = seededRandom(Number(process.env.CHAOS_SEED ?? 77));
    const refused: Record<string, number> = {};
    const unexpected: string[] = [];
    const operate = (kind: OperatorKind, taskId: string) =>
      act(kind, async () => {
        try {
          switch (kind) {
            case 'abort':
              return void (await abortTask(taskId, harness.deps));
            case 'retry':
              return void (await retryTask(taskId, harness.deps));
            case 'delete':
              return void (await deleteTask(taskId, harness.deps, { force: true }));
            case 'settle': {
              const remoteId = await procOfTask(taskId);
              return void (await settleTask(taskId, harness.deps, remoteId ? { job: remoteId } : { giveUp: true }));
            }
          }
        } catch (error) {
          const name =
            error instanceof OperationRefusedError
              ? 'refused'
              : error instanceof TaskVersionConflictError
                ? 'conflict'
                : error instanceof IllegalTransitionError
                  ? 'illegal-transition'
                  : error instanceof BackendUnavailableError
                    ? 'backend-unavailable'
                    : // The master's own refusal, passed on as is (the CLI prints it): e.g. deleting a task read as
                      // finished whose job a concurrent `bulkpilot retry` has just restarted. Nothing is written.
                      error instanceof RemoteRefusedError
                      ? 'backend-refused'
                      : undefined;
          if (name === undefined) unexpected.push(`${kind} ${taskId}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
          else refused[`${kind}:${name}`] = (refused[`${kind}:${name}`] ?? 0) + 1;
        }
      });
    const pickOperation = (): OperatorKind => {
      const draw = random();
      return draw < 0.22 ? 'abort' : draw < 0.72 ? 'retry' : draw < 0.8 ? 'delete' : 'settle';
    };

    // Act: each round, a minute later, two overlapping poll invocations, the retry function and operators
    // on about a seventh of the tasks (half of them twice at once) all start together.
    const tickOptions = { remainingMs: () => 60_000, marginMs: 15_000, concurrencyPerTarget: 8, pageSize: 25 };
    for (let round = 0; round < rounds; round++) {
      harness.clock.advance(60_000);
      const work: Array<Promise<unknown>> = [
        act('tick', () => pollTick({ ...harness.deps, checkpoints: harness.store }, { ...tickOptions, owner: `round-${round}-a` })),
        act('retry-stream', () => harness.drainStreams()),
        act('tick', () => pollTick({ ...harness.deps, checkpoints: harness.store }, { ...tickOptions, owner: `round-${round}-b` })),
      ];
      for (const [i, taskId] of ids.entries()) {
        const uncertain = i % 10 === 7;
        if (random() >= 0.15) continue;
        work.push(operate(uncertain && random() < 0.6 ? 'settle' : pickOperation(), taskId));
        if (random() < 0.5) work.push(operate(pickOperation(), taskId)); // a second operator, at the same moment
      }
      await Promise.all(work);
    }
    // Then the system alone, until every task has come to rest.
    let quiet = 0;
    for (; quiet < quietTicks; quiet++) {
      const tasks = await Promise.all(ids.map((id) => harness.store.get(id)));
      if (tasks.every((t) => t && (isTerminal(t.state) || t.state === 'UNCERTAIN'))) break;
      await act('quiet-tick', () => harness.tick());
    }

    // Assess
    const finals = new Map((await Promise.all(ids.map((id) => harness.store.get(id)))).map((t) => [t!.taskId, t!]));
    const byRemote = new Map([...finals.values()].filter((t) => t.remoteId).map((t) => [t.remoteId!, t.taskId]));
    const violations: string[] = [];
    const chains = new Map<string, Array<{ task: Task; action: Action }>>();
    const chainOf = (taskId: string) => {
      let chain = chains.get(taskId);
      if (!chain) {
        try {
          chain = materialize(writes.filter((w) => w.taskId === taskId));
        } catch (error) {
          violations.push((error as Error).message);
          chain = [];
        }
        chains.set(taskId, chain);
      }
      return chain;
    };
    let reopenedByOperator = 0;
    for (const [taskId, task] of finals) {
      // No lost update: versions 1..n, each written once, the last one stored.
      const versions = writes
        .filter((w) => w.taskId === taskId)
        .map((w) => w.version)
        .sort((a, b) => a - b);
      if (versions.join() !== Array.from({ length: task.version }, (_, i) => i + 1).join())
        violations.push(`${taskId}: versions written ${versions.join(',')}, stored ${task.version}`);
      const mine = chainOf(taskId);
      let added = 0;
      for (let k = 1; k < mine.length; k++) {
        const prev = mine[k - 1]!.task;
        const cur = mine[k]!.task;
        const growth = cur.history.length + (cur.historyDropped ?? 0) - (prev.history.length + (prev.historyDropped ?? 0));
        const where = `${taskId} v${cur.version} by ${mine[k]!.action.actor}`;
        if (!cur.historyDropped && !isDeepStrictEqual(cur.history.slice(0, prev.history.length), prev.history)) violations.push(`${where}: history rewritten`);
        if (growth === 1) {
          added++;
          const entry = cur.history.at(-1)!;
          if (entry.from !== prev.state || entry.to !== cur.state)
            violations.push(`${where}: entry ${entry.from}→${entry.to} on a write ${prev.state}→${cur.state}`);
          const legal = canTransition(prev.state, cur.state, 'system');
          const operatorReopen = !legal && canTransition(prev.state, cur.state, 'operator');
          if (operatorReopen) reopenedByOperator++;
          if (!legal && !(operatorReopen && mine[k]!.action.actor === 'retry')) violations.push(`${where}: illegal transition ${prev.state}→${cur.state}`);
        } else if (growth === 0) {
          if (cur.state !== prev.state) violations.push(`${where}: state ${prev.state}→${cur.state} without a history entry`);
        } else violations.push(`${where}: history grew by ${growth}`);
      }
      if (task.history.length + (task.historyDropped ?? 0) !== added + 1)
        violations.push(`${taskId}: ${task.history.length} history entries, ${added + 1} written`);
      const last = mine.at(-1)?.task;
      if (!last || last.state !== task.state || !isDeepStrictEqual(last.history, task.history))
        violations.push(`${taskId}: stored task differs from its last write`);
      // Every history consistent: each entry starts where the previous ended; time never goes back.
      // (A capped history drops its second entry onwards, so the first link is checked only if nothing was dropped.)
      for (let i = task.historyDropped ? 2 : 1; i < task.history.length; i++) {
        const [a, b] = [task.history[i - 1]!, task.history[i]!];
        if (b.from !== a.to) violations.push(`${taskId}: entry ${i} starts at ${b.from}, previous ended at ${a.to}`);
        if (b.at < a.at) violations.push(`${taskId}: entry ${i} is earlier than entry ${i - 1}`);
      }
      // At rest: terminal, or UNCERTAIN waiting for an operator (outside the due index).
      if (!isTerminal(task.state) && task.state !== 'UNCERTAIN') violations.push(`${taskId}: still ${task.state}`);
      if (scheduledStates.has(task.state) !== (task.dueAt !== undefined)) violations.push(`${taskId}: ${task.state} with dueAt ${task.dueAt}`);

      // The master was asked to retry no more often than the task waited for a retry.
      const retryCalls = harness.master.received.filter((r) => r.endpoint === 'retry' && r.procId === task.remoteId).length;
      // (Counted over the writes, which the history cap of 50 entries cannot shorten.)
      const waits = mine.filter((w, k) => w.task.state === 'RETRY_WAIT' && mine[k - 1]?.task.state !== 'RETRY_WAIT').length;
      if (task.remoteId && retryCalls > waits)
        violations.push(`${taskId}: ${retryCalls} retry calls for ${waits} retry waits (${task.history.map((e) => e.to).join('→')})`);
    }
    // Each call with a side effect was made by an action that recorded the intent first: a retry after its
    // claim (retryCall) was written; an abort after ABORTING (or a repeat) was written, or once for an
    // operator's own abort/delete of a task already ABORTING.
    const groups = new Map<
      string,
      { action: Action; taskId: string; retries: number; aborts: number; claims: number; abortWrites: number; intentWrites: number }
    >();
    const group = (action: Action, taskId: string) => {
      const key = `${action.id}/${taskId}`;
      let g = groups.get(key);
      if (!g) {
        g = { action, taskId, retries: 0, aborts: 0, claims: 0, abortWrites: 0, intentWrites: 0 };
        groups.set(key, g);
      }
      return g;
    };
    for (const call of calls) {
      const taskId = byRemote.get(call.remoteId);
      if (!taskId) {
        violations.push(`${call.verb} of ${call.remoteId}, which no task holds`);
        continue;
      }
      if (call.verb === 'retry') group(call.action, taskId).retries++;
      if (call.verb === 'abort') group(call.action, taskId).aborts++;
    }
    for (const [taskId] of finals) {
      const mine = chainOf(taskId);
      for (let k = 1; k < mine.length; k++) {
        const [prev, cur] = [mine[k - 1]!.task, mine[k]!.task];
        const g = group(mine[k]!.action, taskId);
        if (cur.retryCall && !isDeepStrictEqual(cur.retryCall, prev.retryCall)) g.claims++;
        if (cur.abort && (cur.abort.calls !== prev.abort?.calls || cur.abort.requestedAt !== prev.abort?.requestedAt)) g.abortWrites++;
        if (cur.state === 'ABORTING' && prev.state !== 'ABORTING') g.intentWrites++;
      }
    }
    for (const g of groups.values()) {
      const where = `${g.action.actor} action ${g.action.id} on ${g.taskId}`;
      if (g.retries > g.claims) violations.push(`${where}: ${g.retries} retry calls after ${g.claims} claims`);
      const operatorAbort = g.action.actor === 'abort' || g.action.actor === 'delete';
      const allowed = g.abortWrites + (operatorAbort && g.intentWrites === 0 ? 1 : 0);
      if (g.aborts > allowed) violations.push(`${where}: ${g.aborts} abort calls, ${allowed} justified`);
    }
    if (process.env.CHAOS_DEBUG) {
      // Everything recorded about each task that broke a rule: its writes, its calls and the master's log.
      const t0 = Date.parse('2026-11-21T10:00:00Z');
      for (const taskId of new Set(violations.flatMap((v) => v.match(/t-[0-9a-f]{24}/g) ?? []))) {
        const task = finals.get(taskId);
        if (!task) continue;
        console.log(
          JSON.stringify(
            {
              taskId,
              writes: chainOf(taskId).map(
                (w) =>
                  `v${w.task.version} ${w.task.state} by ${w.action.actor}#${w.action.id} at +${w.task.updatedAt - t0} attempt=${w.task.attempt} retryCall=${JSON.stringify(w.task.retryCall)} abort=${JSON.stringify(w.task.abort)}`,
              ),
              calls: calls.filter((c) => c.remoteId === task.remoteId).map((c) => `${c.verb} by ${c.action.actor}#${c.action.id}`),
              atMaster: harness.master.received.filter((r) => r.procId === task.remoteId).map((r) => `${r.endpoint} at +${r.at - t0}`),
            },
            null,
            1,
          ),
        );
      }
    }
    const totalConflicts = Object.values(conflicts).reduce((a, b) => a + b, 0);
    const finalStates: Record<string, number> = {};
    for (const t of finals.values()) finalStates[t.state] = (finalStates[t.state] ?? 0) + 1;
    const streamRetries = harness.logLines.filter((l) => l.message === 'stream record failed; the shard resumes from it').length;
    const fmt = (r: Record<string, number>) =>
      Object.entries(r)
        .sort()
        .map(([k, n]) => `${k}:${n}`)
        .join(' ');
    reportFigures('races', {
      tasks: taskCount,
      rounds,
      quietTicks: quiet,
      actions: fmt(actionsPerKind),
      refused: fmt(refused),
      versionConflicts: fmt(conflicts),
      versionConflictsTotal: totalConflicts,
      streamRecordsRetried: streamRetries,
      writes: writes.length,
      writesWithoutRead: writes.filter((w) => 'patch' in w).length,
      operatorReopens: reopenedByOperator,
      retryCalls: calls.filter((c) => c.verb === 'retry').length,
      abortCalls: calls.filter((c) => c.verb === 'abort').length,
      deleteCalls: calls.filter((c) => c.verb === 'delete').length,
      finalStates: fmt(finalStates),
      violations: violations.length,
    });

    expect(violations).toEqual([]);
    expect(unexpected).toEqual([]);
    const failedChecks = harness.logLines.filter(
      (l) => l.message === 'poll of a task failed' || l.message === 'poll of a shard failed' || l.message === 'stream handler failed',
    );
    expect(failedChecks.map((l) => JSON.stringify(l.error))).toEqual([]);
    expect(harness.logLines.filter((l) => JSON.stringify(l).includes('IllegalTransition'))).toEqual([]);
    expect(quiet).toBeLessThan(quietTicks);

    // The races happened: every kind of actor acted, conflicts arose and were resolved, operators were refused.
    expect(totalConflicts).toBeGreaterThan(0);
    for (const kind of ['abort', 'retry', 'delete', 'settle']) expect(actionsPerKind[kind] ?? 0).toBeGreaterThan(0);
    expect(Object.values(refused).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  });

  it('a retry whose RUNNING write loses a race to `bulkpilot retry` is not made again for the same wait', async () => {
    // The interleaving the race above finds now and then, made deterministic: the poller claims the retry of
    // a waiting task and calls the master; while the call is in flight an operator runs `bulkpilot retry` on
    // the same task (which brings the wait forward: one write). The poller's RUNNING write then conflicts;
    // it re-reads and looks at the job again. The new run has already failed (it fails at once, at the stage
    // it resumes from), so the task is left RETRY_WAIT under the claim, and when the claim ages out the
    // failed new run is retried as if it were the old one: one job run more than maxAttempts, which the
    // task's history and attempt count never show.
    const harness = await createTrackingHarness(aws, {
      master: {
        stages: [
          { name: 'PREPARE', durationMs: 60_000 },
          { name: 'BULKLOAD', durationMs: 5 * 60_000 },
        ],
      },
    });
    try {
      const [taskId] = await harness.submitRequests([
        {
          requestId: `race-retry-${Date.now()}`,
          ...seedRequest,
          sparkAdditionalParams: 'sim.failAt=BULKLOAD',
          retry: { maxAttempts: 3, baseDelaySeconds: 3600 },
        },
      ]);
      await harness.runUntil([taskId!], ['RETRY_WAIT']);
      harness.clock.advance(2 * 3600_000); // the wait is over
      const backend = harness.deps.backends.get('lindorm')!;
      const callRetry = backend.rerun!.bind(backend);
      let operatorActed = false;
      backend.rerun = async (ref, params, context, options) => {
        const started = await callRetry(ref, params, context, options);
        if (operatorActed) return started;
        operatorActed = true;
        await retryTask(taskId!, harness.deps); // `bulkpilot retry` of a task it sees waiting
        return started;
      };

      await harness.tick({ advanceMs: 0 });
      const [task] = await harness.runUntil([taskId!], ['FAILED_FINAL'], 60);

      expect(operatorActed).toBe(true);
      const proc = harness.master.procs()[0]!;
      const retryCalls = harness.master.received.filter((r) => r.endpoint === 'retry').length;
      // maxAttempts 3: the job runs three times, the master is asked to retry it twice, and the task says so.
      expect({ retryCalls, jobRuns: proc.run, taskAttempt: task!.attempt }).toEqual({ retryCalls: 2, jobRuns: 3, taskAttempt: 3 });
    } finally {
      await harness.close();
    }
  });
});

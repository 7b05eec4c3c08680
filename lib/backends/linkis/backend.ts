import { type Clock, systemClock } from '../../clock.ts';
import {
  type Backend,
  type BackendTiming,
  type CallOptions,
  type CreateContext,
  type CreateFailure,
  type LogChunk,
  type LookupResult,
  type RemoteDetails,
  type RemoteRef,
  RemoteRefusedError,
  type RemoteStatus,
  RemoteTaskNotFoundError,
} from '../backend.ts';
import { LinkisAuthError } from './auth.ts';
import { linkisCapabilities } from './capabilities.ts';
import type { LinkisClient } from './client.ts';
import { LinkisApiError, LinkisError, LinkisHttpError, LinkisTimeoutError } from './errors.ts';
import type { LinkisQueryTask } from './query-task.ts';
import { creatorOf, engineOf, type LinkisSubmitParams, markerKey } from './request.ts';
import { isCompleted, linkisPhase } from './status.ts';

/** Tasks looked at, at most, when finding the one of a lost submit (50 a page, newest first). */
const lookupPages = 10;
/** Linkis' clock and ours may differ: the lookup window opens a minute before the submit. */
const clockSkewMs = 60_000;

/**
 * One Linkis target behind the port. The reference is `{ taskID, execID }`: the taskID (jobhistory's)
 * for everything about the task's state, the execID (the entrance's) for kill, progress and log. The
 * end of a task is read from jobhistory, never from the entrance's status: the entrance forgets a job
 * after it ends, and its `status?taskID=` fallback answers `Cancelled` for a task it does not know.
 */
export class LinkisBackend implements Backend<LinkisSubmitParams> {
  readonly id = 'linkis';
  readonly target: string;
  readonly capabilities = linkisCapabilities;
  readonly client: LinkisClient;
  readonly #nearEndProgress: number;
  readonly #clock: Clock;

  constructor(client: LinkisClient, options: { target?: string; nearEndProgress?: number; clock?: Clock } = {}) {
    this.client = client;
    this.target = options.target ?? 'linkis';
    this.#nearEndProgress = options.nearEndProgress ?? 0.9;
    this.#clock = options.clock ?? systemClock;
  }

  /** Each operation is held to one call's bound plus 2 s, a login or a replay after a lost session included. */
  get timing(): BackendTiming {
    const bound = Math.max(this.client.maxCallMs, this.client.maxReadMs) + 2_000;
    return { createMs: bound, statusMs: bound, commandMs: bound };
  }

  async create(params: LinkisSubmitParams, context: CreateContext, options: CallOptions = {}): Promise<RemoteRef> {
    // The marker rides in `source`: Linkis stores it as the task's sourceJson, which jobhistory returns.
    const body = { ...params, source: { ...params.source, [markerKey]: context.marker } };
    const { taskID, execID } = await this.client.submit(body, this.#bounded(options.signal, this.timing.createMs));
    return { taskID, execID };
  }

  classifyCreateFailure(error: unknown): CreateFailure {
    const reason = error instanceof Error ? error.message : String(error);
    // No credential (a refused login): the submit itself never left.
    if (error instanceof LinkisAuthError) return { kind: 'not-created', reason };
    if (error instanceof LinkisApiError) {
      // The gateway's security filter (-1) and its routing (11012) answer before any entrance saw the call.
      if (error.isNotLoggedIn || error.isRoutingFailure) return { kind: 'not-created', reason };
      return { kind: 'refused', reason: error.apiMessage };
    }
    if (error instanceof LinkisHttpError) {
      if (error.status === 503 || error.status === 429) return { kind: 'not-created', reason };
      // A 500 of Spring's own may come after the entrance stored the task; a 200 that is no envelope, too.
      if (error.status >= 500 || error.status < 300) return { kind: 'ambiguous', reason };
      return { kind: 'refused', reason };
    }
    if (error instanceof LinkisTimeoutError) return { kind: error.phase === 'connect' ? 'not-created' : 'ambiguous', reason };
    if (error instanceof LinkisError) return { kind: error.mayHaveReachedBackend ? 'ambiguous' : 'not-created', reason };
    return { kind: 'ambiguous', reason };
  }

  async status(ref: RemoteRef, options: CallOptions = {}): Promise<RemoteStatus> {
    const task = await this.#jobInfo(ref, options.signal);
    const phase = linkisPhase(task.status);
    const status: RemoteStatus = { state: task.status, phase };
    if (task.progress !== undefined) status.progress = task.progress;
    if (phase === 'running' && (task.progress ?? 0) >= this.#nearEndProgress) status.nearEnd = true;
    if (phase === 'failed' && (task.errDesc || task.errCode !== undefined))
      status.message = `${task.errCode === undefined ? '' : `errCode ${task.errCode}: `}${task.errDesc ?? task.status}`;
    // A completed row is written for the last time when the task completes: its updatedTime is the end.
    if (isCompleted(task.status) && task.updatedTime !== undefined) status.endedAt = task.updatedTime;
    // A task found or settled by its taskID alone learns its execID from the history.
    if (task.execID && task.execID !== ref.execID) status.ref = { taskID: task.taskID, execID: task.execID };
    return status;
  }

  /**
   * Kill, but never of a task the history shows ended: Linkis would still write `Cancelled` over a
   * finished task's status (EntranceRestfulApi.kill). The history is read right before.
   */
  async abort(ref: RemoteRef, options: CallOptions = {}): Promise<void> {
    const signal = this.#bounded(options.signal, this.timing.commandMs);
    const task = await this.#jobInfo(ref, signal);
    const label = this.describeRef(ref);
    if (isCompleted(task.status)) throw new RemoteRefusedError(label, `the task already ended (${task.status}); nothing to kill`);
    const execID = execIDOf(ref) ?? task.execID;
    if (!execID) throw new RemoteRefusedError(label, 'the task has no execID yet (it never reached an entrance)');
    try {
      await this.client.kill(execID, task.taskID, signal);
    } catch (error) {
      if (error instanceof LinkisApiError && !error.isRoutingFailure && !error.isNotLoggedIn)
        throw new RemoteRefusedError(label, error.apiMessage, { cause: error });
      throw error;
    }
  }

  /**
   * A failed task is run again as a new one (a new taskID and execID), carrying the rerun's marker. A submit
   * Linkis refuses (the request is no longer valid there) is a refusal to run again, not a lost answer.
   */
  async rerun(ref: RemoteRef, params: LinkisSubmitParams, context: CreateContext, options: CallOptions = {}): Promise<RemoteRef> {
    try {
      return await this.create(params, context, options);
    } catch (error) {
      const failure = this.classifyCreateFailure(error);
      if (failure.kind === 'refused') throw new RemoteRefusedError(this.describeRef(ref), failure.reason, { cause: error });
      throw error;
    }
  }

  /**
   * Finds the task a lost submit created, by the marker in its `source`: the history of this user's tasks
   * of the request's engine and creator, since a minute before the submit, newest first. "Absent" only when
   * every task of the window was read.
   */
  async findCreated(params: LinkisSubmitParams, context: CreateContext, options: CallOptions = {}): Promise<LookupResult> {
    const signal = this.#bounded(options.signal, this.timing.commandMs);
    const window = {
      startDate: context.startedAt - clockSkewMs,
      endDate: this.#clock.now() + clockSkewMs,
      executeApplicationName: engineOf(params),
      creator: creatorOf(params),
    };
    let seen = 0;
    for (let page = 1; page <= lookupPages; page++) {
      const { tasks, total } = await this.client.listTasks({ ...window, pageNow: page, pageSize: 50 }, signal);
      const found = tasks.find((t) => t.source[markerKey] === context.marker);
      if (found) return { found: { taskID: found.taskID, ...(found.execID ? { execID: found.execID } : {}) } };
      seen += tasks.length;
      if (tasks.length === 0 || seen >= total)
        return {
          absent: true,
          reason: `none of the ${seen} tasks of ${this.client.user} since ${new Date(window.startDate).toISOString()} carries ${context.marker}`,
        };
    }
    return { unknown: `more than ${lookupPages * 50} tasks in the window; the marker was not among the newest` };
  }

  async inspect(ref: RemoteRef, options: CallOptions = {}): Promise<RemoteDetails> {
    const signal = this.#bounded(options.signal, this.timing.commandMs);
    const task = await this.#jobInfo(ref, signal);
    const details: RemoteDetails = {};
    if (task.progress !== undefined) details.progress = task.progress;
    if (task.logPath) details.logLocation = task.logPath;
    const execID = execIDOf(ref) ?? task.execID;
    if (execID && !isCompleted(task.status)) {
      const live = await this.client.progress(execID, signal).catch(() => undefined);
      if (live) {
        details.progress = live.progress;
        details.parts = live.parts.map((p) => ({ name: p.id, done: p.succeeded, failed: p.failed, running: p.running, total: p.total }));
      }
    }
    return details;
  }

  /** The log through its cursor while the entrance has the job; once it has ended, where the whole log is. */
  async readLog(ref: RemoteRef, from: number, options: CallOptions = {}): Promise<LogChunk> {
    const signal = this.#bounded(options.signal, this.timing.commandMs);
    const execID = execIDOf(ref);
    if (execID) {
      try {
        const { text, next } = await this.client.log(execID, from, 500, signal);
        return { text, next, ended: false };
      } catch (error) {
        // The entrance answers so for a job it no longer holds: the log now lives at the task's logPath.
        if (!(error instanceof LinkisApiError) || error.isRoutingFailure || error.isNotLoggedIn) throw error;
      }
    }
    const task = await this.#jobInfo(ref, signal);
    return { text: '', next: from, ended: true, ...(task.logPath ? { location: task.logPath } : {}) };
  }

  describeRef(ref: RemoteRef): string {
    return String(taskIDOf(ref));
  }

  parseRef(text: string): RemoteRef {
    const trimmed = text.trim();
    if (!/^\d{1,15}$/.test(trimmed)) throw new TypeError(`a Linkis job id is the taskID jobhistory shows (a number), got ${JSON.stringify(text)}`);
    return { taskID: Number(trimmed) };
  }

  close(): Promise<void> {
    return this.client.close();
  }

  async #jobInfo(ref: RemoteRef, signal: AbortSignal | undefined): Promise<LinkisQueryTask> {
    const taskID = taskIDOf(ref);
    try {
      return await this.client.jobInfo(taskID, this.#bounded(signal, this.timing.statusMs));
    } catch (error) {
      // QueryRestfulApi: "not found, or no permission to view it" — the same answer for both.
      if (error instanceof LinkisApiError && /not found|no permission to view/i.test(error.apiMessage)) {
        throw new RemoteTaskNotFoundError(String(taskID), error.apiMessage, { cause: error });
      }
      throw error;
    }
  }

  #bounded(signal: AbortSignal | undefined, ms: number): AbortSignal {
    const bound = AbortSignal.timeout(ms);
    return signal ? AbortSignal.any([signal, bound]) : bound;
  }
}

function taskIDOf(ref: RemoteRef): number {
  const taskID = Number(ref.taskID);
  if (!Number.isSafeInteger(taskID) || taskID <= 0) throw new TypeError(`not a Linkis reference (no taskID): ${JSON.stringify(ref)}`);
  return taskID;
}

function execIDOf(ref: RemoteRef): string | undefined {
  return typeof ref.execID === 'string' && ref.execID ? ref.execID : undefined;
}

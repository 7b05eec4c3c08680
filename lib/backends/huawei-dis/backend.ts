import { type Clock, systemClock } from '../../clock.ts';
import { SecretUnavailableError } from '../../targets/secrets.ts';
import {
  type Backend,
  BackendCallError,
  type BackendTiming,
  type CallOptions,
  type CreateContext,
  type CreateFailure,
  type LookupResult,
  type RemoteRef,
  RemoteRefusedError,
  type RemoteStatus,
  RemoteTaskNotFoundError,
  type RemoteWarning,
  type StatusOptions,
} from '../backend.ts';
import { disCapabilities } from './capabilities.ts';
import type { DisClient } from './client.ts';
import { type DisTaskDetail, describesSameTask } from './detail.ts';
import { DisApiError, DisHttpError, DisTaskTakenError, DisTimeoutError } from './errors.ts';
import { createBody, type DisParams, descriptorOf, taskNameOfParams } from './request.ts';
import { disPhase } from './status.ts';

/** DIS's clock and ours may differ: a task created up to a minute before the create began is still ours. */
/** How long a create waits for the task's detail (its id, or whether an existing task is this request's). */
const readAfterCreateMs = 5_000;
const clockSkewMs = 60_000;
/** A task of this request's name found on "exists" is adopted only if created this recently: an older one is someone's else. */
const adoptWithinMs = 15 * 60_000;
/** Refusals of a create: the request is wrong for DIS, or the stream cannot take the task (fix it, send it again). */
const refusedCodes = new Set([
  'DIS.4117',
  'DIS.4200',
  'DIS.4208',
  'DIS.4300',
  'DIS.4301',
  'DIS.4306',
  'DIS.4310',
  'DIS.4335',
  'DIS.4336',
  'DIS.4337',
  'DIS.4338',
  'DIS.4350',
  'DIS.4351',
  'DIS.4357',
  'DIS.4116',
]);
/** Answers that prove nothing was made: traffic control, too many requests, throttled at the gateway. */
const notCreatedCodes = new Set(['DIS.4303', 'DIS.4305', 'APIG.0308', 'APIGW.0308']);

/**
 * One DIS project behind the port. A dump task is the reference `{ streamName, taskName, taskId }`: the name
 * for create, detail and delete, the id for start and stop. It never succeeds: RUNNING is healthy, and the
 * backend says when it is not doing its work (records discarded since the last check, nothing transferred for
 * too long). The name is the idempotency lever: a create answered "exists" is this request's task when DIS
 * describes the same destination, created just now.
 */
export class DisBackend implements Backend<DisParams> {
  readonly id = 'huawei-dis';
  readonly target: string;
  readonly capabilities = disCapabilities;
  readonly client: DisClient;
  readonly #staleAfterMs: number;
  readonly #clock: Clock;
  readonly #release: (() => Promise<void>) | undefined;

  constructor(client: DisClient, options: { target?: string; staleAfterMs?: number; clock?: Clock; release?: () => Promise<void> } = {}) {
    this.client = client;
    this.target = options.target ?? 'huawei-dis';
    this.#staleAfterMs = options.staleAfterMs ?? 60 * 60_000;
    this.#clock = options.clock ?? systemClock;
    this.#release = options.release;
  }

  /**
   * A create is the call and a short read (the task's id, or the check of an "exists"; what it cannot tell,
   * status reads); a status one read; a command a read (the id, when the reference lacks it) and a call.
   */
  get timing(): BackendTiming {
    return {
      createMs: this.client.maxCallMs + readAfterCreateMs + 2_000,
      statusMs: this.client.maxReadMs + 2_000,
      commandMs: this.client.maxCallMs + this.client.maxReadMs + 2_000,
    };
  }

  async create(params: DisParams, context: CreateContext, options: CallOptions = {}): Promise<RemoteRef> {
    const signal = bounded(options.signal, this.timing.createMs);
    const { streamName } = params;
    const taskName = taskNameOfParams(params);
    try {
      await this.client.createTask(streamName, createBody(params), signal);
    } catch (error) {
      if (!(error instanceof DisApiError && error.isTaskExists)) throw error;
      // DIS.4355: a replay of a create that took effect, or someone else's task of that name.
      const detail = await this.client.showTask(streamName, taskName, bounded(signal, readAfterCreateMs));
      if (!this.#isOurs(detail, params, context.startedAt - adoptWithinMs)) {
        throw new DisTaskTakenError({
          method: 'POST',
          url: `stream ${streamName}`,
          problem: `a dump task named ${taskName} already exists on stream ${streamName}${detail.createdAt ? ` (created ${new Date(detail.createdAt).toISOString()})` : ''} with another destination or from another request: choose another task_name`,
        });
      }
    }
    // 201 carries no body: the id start and stop need comes from the detail (status reads it if this fails).
    const detail = await this.client.showTask(streamName, taskName, bounded(signal, readAfterCreateMs)).catch(() => undefined);
    return { streamName, taskName, ...(detail?.taskId ? { taskId: detail.taskId } : {}) };
  }

  classifyCreateFailure(error: unknown): CreateFailure {
    const reason = error instanceof Error ? error.message : String(error);
    if (error instanceof DisTaskTakenError) return { kind: 'refused', reason };
    if (error instanceof DisApiError) {
      if (refusedCodes.has(error.code)) return { kind: 'refused', reason: `${error.code}: ${error.apiMessage}` };
      if (notCreatedCodes.has(error.code) || error.isAuthRefusal || error.status === 503 || error.status === 429) return { kind: 'not-created', reason };
      return { kind: error.status >= 500 ? 'ambiguous' : 'refused', reason: `${error.code}: ${error.apiMessage}` };
    }
    if (error instanceof DisHttpError) {
      if (error.status === 503 || error.status === 429) return { kind: 'not-created', reason };
      if (error.status >= 500 || error.status < 300) return { kind: 'ambiguous', reason };
      return { kind: 'refused', reason };
    }
    if (error instanceof DisTimeoutError) return { kind: error.phase === 'connect' ? 'not-created' : 'ambiguous', reason };
    if (error instanceof BackendCallError) return { kind: error.mayHaveReachedBackend ? 'ambiguous' : 'not-created', reason };
    if (error instanceof SecretUnavailableError) return { kind: 'not-created', reason };
    return { kind: 'ambiguous', reason };
  }

  async status(ref: RemoteRef, options: StatusOptions = {}): Promise<RemoteStatus> {
    const { streamName, taskName } = namesOf(ref);
    const detail = await this.#detail(ref, bounded(options.signal, this.timing.statusMs));
    const phase = disPhase(detail.state);
    const counters = { discarded: detail.discarded, transferred: detail.transferred, partitions: detail.partitions };
    const status: RemoteStatus = { state: detail.state, phase, counters };
    if (phase === 'running') {
      const warnings = this.#judge(detail, options.previous?.counters);
      if (warnings.length) status.warnings = warnings;
    }
    if (detail.taskId && detail.taskId !== ref.taskId) status.ref = { streamName, taskName, taskId: detail.taskId };
    return status;
  }

  /** Stop: DIS pauses the task (its state becomes PAUSED). State-setting, sent once. */
  async abort(ref: RemoteRef, options: CallOptions = {}): Promise<void> {
    await this.#action(ref, 'stop', bounded(options.signal, this.timing.commandMs));
  }

  /** Starts the same task again: the same reference. */
  async rerun(ref: RemoteRef, _params: DisParams, _context: CreateContext, options: CallOptions = {}): Promise<RemoteRef> {
    const taskId = await this.#action(ref, 'start', bounded(options.signal, this.timing.commandMs));
    return { ...namesOf(ref), taskId };
  }

  async delete(ref: RemoteRef, options: CallOptions = {}): Promise<void> {
    const { streamName, taskName } = namesOf(ref);
    try {
      await this.client.deleteTask(streamName, taskName, bounded(options.signal, this.timing.commandMs));
    } catch (error) {
      if (error instanceof DisApiError && error.isTaskNotFound) throw new RemoteTaskNotFoundError(this.describeRef(ref), error.apiMessage, { cause: error });
      throw error;
    }
  }

  /** The task of a create whose answer was lost: its name on the stream, describing this request's destination. */
  async findCreated(params: DisParams, context: CreateContext, options: CallOptions = {}): Promise<LookupResult> {
    const { streamName } = params;
    const taskName = taskNameOfParams(params);
    let detail: DisTaskDetail;
    try {
      detail = await this.client.showTask(streamName, taskName, bounded(options.signal, this.timing.commandMs));
    } catch (error) {
      if (error instanceof DisApiError && error.isTaskNotFound) return { absent: true, reason: `stream ${streamName} has no dump task named ${taskName}` };
      // No such stream (DIS.4301) holds no task either: the create was refused, whatever its answer said.
      if (error instanceof DisApiError && error.code === 'DIS.4301') return { absent: true, reason: `stream ${streamName} does not exist` };
      return { unknown: error instanceof Error ? error.message : String(error) };
    }
    if (!this.#isOurs(detail, params, context.startedAt - clockSkewMs)) {
      return { absent: true, reason: `the dump task named ${taskName} on ${streamName} is older than this create, or describes another destination` };
    }
    return { found: { streamName, taskName, ...(detail.taskId ? { taskId: detail.taskId } : {}) } };
  }

  describeRef(ref: RemoteRef): string {
    const { streamName, taskName } = namesOf(ref);
    return `${streamName}/${taskName}`;
  }

  parseRef(text: string): RemoteRef {
    const match = /^([A-Za-z0-9_-]{1,60})\/([A-Za-z0-9_-]{1,64})$/.exec(text.trim());
    if (!match) throw new TypeError(`a DIS dump task id is <stream name>/<task name>, got ${JSON.stringify(text)}`);
    return { streamName: match[1]!, taskName: match[2]! };
  }

  async close(): Promise<void> {
    await this.client.close();
    await this.#release?.();
  }

  /**
   * What the backend says is wrong with a running task: records discarded since the task's stored counters
   * were written, or nothing transferred for longer than the target allows (since its creation, before any).
   */
  #judge(detail: DisTaskDetail, previous: Record<string, number> | undefined): RemoteWarning[] {
    const warnings: RemoteWarning[] = [];
    const before = previous?.discarded ?? 0;
    if (detail.discarded > before) {
      warnings.push({ code: 'discarding', message: `${detail.discarded - before} records discarded since the last check (${detail.discarded} in all)` });
    }
    const since = detail.lastTransferAt ?? detail.createdAt;
    const idleMs = since === undefined ? 0 : this.#clock.now() - since;
    if (this.#staleAfterMs > 0 && idleMs > this.#staleAfterMs) {
      warnings.push({
        code: 'stale',
        message: `nothing transferred for ${Math.round(idleMs / 60_000)} min${detail.lastTransferAt ? ` (last at ${new Date(detail.lastTransferAt).toISOString()})` : ' (nothing since its creation)'}`,
      });
    }
    return warnings;
  }

  #isOurs(detail: DisTaskDetail, params: DisParams, notBefore: number): boolean {
    if (detail.createdAt !== undefined && detail.createdAt < notBefore) return false;
    return describesSameTask(detail, params.destination_type, descriptorOf(params));
  }

  async #detail(ref: RemoteRef, signal: AbortSignal): Promise<DisTaskDetail> {
    try {
      return await this.client.showTask(namesOf(ref).streamName, namesOf(ref).taskName, signal);
    } catch (error) {
      if (error instanceof DisApiError && (error.isTaskNotFound || error.code === 'DIS.4301'))
        throw new RemoteTaskNotFoundError(this.describeRef(ref), error.apiMessage, { cause: error });
      throw error;
    }
  }

  /** Start or stop by the task's id (read from the detail when the reference lacks it). */
  async #action(ref: RemoteRef, action: 'start' | 'stop', signal: AbortSignal): Promise<string> {
    const { streamName } = namesOf(ref);
    const taskId = typeof ref.taskId === 'string' && ref.taskId ? ref.taskId : (await this.#detail(ref, signal)).taskId;
    if (!taskId) throw new RemoteRefusedError(this.describeRef(ref), 'DIS gave no task id for this task');
    try {
      await this.client.taskAction(streamName, action, taskId, signal);
    } catch (error) {
      if (error instanceof DisApiError && error.isTaskNotFound) throw new RemoteTaskNotFoundError(this.describeRef(ref), error.apiMessage, { cause: error });
      if (error instanceof DisApiError && refusedCodes.has(error.code))
        throw new RemoteRefusedError(this.describeRef(ref), `${error.code}: ${error.apiMessage}`, { cause: error });
      throw error;
    }
    return taskId;
  }
}

function namesOf(ref: RemoteRef): { streamName: string; taskName: string } {
  if (typeof ref.streamName !== 'string' || typeof ref.taskName !== 'string')
    throw new TypeError(`not a DIS reference (streamName and taskName): ${JSON.stringify(ref)}`);
  return { streamName: ref.streamName, taskName: ref.taskName };
}

function bounded(signal: AbortSignal | undefined, ms: number): AbortSignal {
  const bound = AbortSignal.timeout(ms);
  return signal ? AbortSignal.any([signal, bound]) : bound;
}

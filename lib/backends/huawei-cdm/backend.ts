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
  type StatusOptions,
} from '../backend.ts';
import { cdmCapabilities } from './capabilities.ts';
import type { CdmClient } from './client.ts';
import { CdmApiError, CdmHttpError, CdmProbeError, CdmTimeoutError, CdmValidationError } from './errors.ts';
import { type CdmParams, candidatesOf, jobNameOf } from './request.ts';
import { cdmPhase } from './status.ts';
import { type CdmSubmission, latestOf } from './submission.ts';

/** CDM's clock and ours may differ: a job created up to a minute before the create began is still ours. */
/** How long a create waits to learn its cluster before leaving the question to status. */
const probeAfterCreateMs = 5_000;
const clockSkewMs = 60_000;

/** Codes of a create CDM refused for good: the request is wrong for it (fix it, send it again). */
const refusedCodes = new Set([
  'Cdm.0001',
  'Cdm.0004',
  'Cdm.0009',
  'Cdm.0010',
  'Cdm.0011',
  'Cdm.0014',
  'Cdm.0085',
  'Cdm.0089',
  'Cdm.0101',
  'Cdm.0102',
  'Cdm.0104',
  'Cdm.0204',
]);
/** Codes that prove nothing was made: no running cluster among the candidates, throttled, refused at the gateway. */
const notCreatedCodes = new Set(['Cdm.0201', 'APIG.0308', 'APIGW.0308']);

/**
 * One CDM project behind the port. The reference is `{ jobName, clusterId, submissionId }`. The random
 * create does not say which cluster CDM chose: the job's name is looked up on each candidate, and every
 * later call (status, stop, start, delete) goes to the cluster that has it. A retry starts the same job
 * again there, never a new random create (a replay could land on another cluster and load twice).
 */
export class CdmBackend implements Backend<CdmParams> {
  readonly id = 'huawei-cdm';
  readonly target: string;
  readonly capabilities = cdmCapabilities;
  readonly client: CdmClient;
  readonly #stoppedPattern: RegExp;
  readonly #nearEndProgress: number;
  /** Candidate clusters a create may have landed on, per job name: probing them is the only way to find it. */
  readonly #candidates = new Map<string, string[]>();

  readonly #release: (() => Promise<void>) | undefined;

  constructor(client: CdmClient, options: { target?: string; stoppedPattern?: RegExp; nearEndProgress?: number; release?: () => Promise<void> } = {}) {
    this.client = client;
    this.#release = options.release;
    this.target = options.target ?? 'huawei-cdm';
    this.#stoppedPattern = options.stoppedPattern ?? /stopped by (the )?user/i;
    this.#nearEndProgress = options.nearEndProgress ?? 0.9;
  }

  /**
   * A create is the call and a short probe of the candidates (in parallel; what it cannot tell, status asks);
   * a status one read (the probe, or the status); a command one call; a lookup one probe and one read.
   */
  get timing(): BackendTiming {
    const call = this.client.maxCallMs;
    const read = this.client.maxReadMs;
    return { createMs: call + probeAfterCreateMs + 2_000, statusMs: read + 2_000, commandMs: Math.max(call, 2 * read) + 2_000 };
  }

  async create(params: CdmParams, context: CreateContext, options: CallOptions = {}): Promise<RemoteRef> {
    const signal = bounded(options.signal, this.timing.createMs);
    const submission = await this.client.randomCreateAndStart(params, signal);
    const jobName = submission.jobName || jobNameOf(params);
    this.#candidates.set(jobName, candidatesOf(params));
    const ref: Record<string, string | number> = { jobName };
    if (submission.submissionId !== undefined) ref.submissionId = submission.submissionId;
    // Where did it land? Asked now; if the probe cannot tell, the reference keeps the candidates for status to ask.
    const found = await this.#probe(jobName, candidatesOf(params), context.startedAt, bounded(signal, probeAfterCreateMs)).catch(() => undefined);
    if (found && 'clusterId' in found) ref.clusterId = found.clusterId;
    else ref.candidates = candidatesOf(params).join(',');
    return ref;
  }

  classifyCreateFailure(error: unknown): CreateFailure {
    const reason = error instanceof Error ? error.message : String(error);
    if (error instanceof CdmApiError) {
      if (error.code === 'Cdm.0104') {
        return {
          kind: 'refused',
          reason: `a job of that name already exists on the cluster CDM chose (names are unique per cluster): name each run, or let CDM delete finished jobs (schedulerConfig.disposableType); ${error.apiMessage}`,
        };
      }
      if (refusedCodes.has(error.code)) return { kind: 'refused', reason: `${error.code}: ${error.apiMessage}` };
      // A gateway timeout (504) may follow the work; "unavailable" (503), throttling and a refusal at the gateway do not.
      if (error.status === 504) return { kind: 'ambiguous', reason };
      if (notCreatedCodes.has(error.code) || error.isGatewayRefusal || error.status === 503 || error.status === 429) return { kind: 'not-created', reason };
      return { kind: error.status >= 500 ? 'ambiguous' : 'refused', reason: `${error.code}: ${error.apiMessage}` };
    }
    if (error instanceof CdmValidationError) return { kind: 'refused', reason: error.messages.join('; ') };
    if (error instanceof CdmHttpError) {
      if (error.status === 503 || error.status === 429) return { kind: 'not-created', reason };
      if (error.status >= 500 || error.status < 300) return { kind: 'ambiguous', reason };
      return { kind: 'refused', reason };
    }
    if (error instanceof CdmTimeoutError) return { kind: error.phase === 'connect' ? 'not-created' : 'ambiguous', reason };
    // The client's own errors, and the auth hook's (no IAM token): each says whether the call may have left.
    if (error instanceof BackendCallError) return { kind: error.mayHaveReachedBackend ? 'ambiguous' : 'not-created', reason };
    // A secret that cannot be read: the call was never made.
    if (error instanceof SecretUnavailableError) return { kind: 'not-created', reason };
    return { kind: 'ambiguous', reason };
  }

  async status(ref: RemoteRef, options: StatusOptions = {}): Promise<RemoteStatus> {
    const signal = bounded(options.signal, this.timing.statusMs);
    const jobName = jobNameOfRef(ref);
    const clusterId = clusterOf(ref);
    if (!clusterId) {
      const candidates = typeof ref.candidates === 'string' && ref.candidates ? ref.candidates.split(',') : this.#candidates.get(jobName);
      if (!candidates) throw new RemoteTaskNotFoundError(this.describeRef(ref), 'neither the cluster of this job nor its candidates are recorded');
      const found = await this.#probe(jobName, candidates, 0, signal);
      if ('absent' in found) throw new RemoteTaskNotFoundError(this.describeRef(ref), `no candidate cluster has a job named ${jobName}`);
      if ('unknown' in found) throw new CdmProbeError(jobName, found.unknown);
      // Found: the next check reads its status there (one read per check keeps within the bound).
      const { candidates: _, ...rest } = ref;
      return { state: 'NEW', phase: 'pending', ref: { ...rest, clusterId: found.clusterId } };
    }
    let submissions: CdmSubmission[];
    try {
      submissions = await this.client.jobStatus(clusterId, jobName, signal);
    } catch (error) {
      if (error instanceof CdmApiError && error.isJobNotFound) throw new RemoteTaskNotFoundError(this.describeRef(ref), error.apiMessage, { cause: error });
      throw error;
    }
    const latest = latestOf(submissions);
    const known = Number(ref.submissionId);
    // Right after a start, status may still show the run before it [I]: the new run is starting.
    if (!latest || (Number.isFinite(known) && latest.submissionId !== undefined && latest.submissionId < known)) {
      return { state: latest?.status ?? 'NEW', phase: 'pending' };
    }
    const phase = cdmPhase(latest, this.#stoppedPattern);
    const status: RemoteStatus = { state: latest.status, phase };
    if (latest.progress !== undefined && latest.progress >= 0) status.progress = Math.min(1, latest.progress / 100);
    if (phase === 'running' && (status.progress ?? 0) >= this.#nearEndProgress) status.nearEnd = true;
    if (latest.counters) status.counters = latest.counters;
    if ((phase === 'failed' || phase === 'aborted') && (latest.errorSummary || latest.errorDetails))
      status.message = latest.errorSummary ?? latest.errorDetails!;
    // An ended run's last update is its end.
    if ((phase === 'succeeded' || phase === 'failed' || phase === 'aborted') && latest.updatedAt !== undefined) status.endedAt = latest.updatedAt;
    const submissionId = latest.submissionId;
    if (submissionId !== undefined && submissionId !== ref.submissionId) status.ref = { ...ref, submissionId };
    return status;
  }

  /** Stop: CDM's stop of a job that no longer runs does nothing, but a stop it refuses says so. */
  async abort(ref: RemoteRef, options: CallOptions = {}): Promise<void> {
    const { clusterId, jobName } = this.#located(ref);
    try {
      await this.client.stopJob(clusterId, jobName, bounded(options.signal, this.timing.commandMs));
    } catch (error) {
      if (error instanceof CdmValidationError) throw new RemoteRefusedError(this.describeRef(ref), error.messages.join('; '), { cause: error });
      if (error instanceof CdmApiError && error.isJobNotFound) throw new RemoteTaskNotFoundError(this.describeRef(ref), error.apiMessage, { cause: error });
      throw error;
    }
  }

  /** Starts the same job again on the cluster that ran it: a new submission, the same job. */
  async rerun(ref: RemoteRef, _params: CdmParams, _context: CreateContext, options: CallOptions = {}): Promise<RemoteRef> {
    const { clusterId, jobName } = this.#located(ref);
    let submission: CdmSubmission;
    try {
      submission = await this.client.startJob(clusterId, jobName, bounded(options.signal, this.timing.commandMs));
    } catch (error) {
      if (error instanceof CdmApiError && error.isJobNotFound) throw new RemoteTaskNotFoundError(this.describeRef(ref), error.apiMessage, { cause: error });
      if (error instanceof CdmApiError && refusedCodes.has(error.code))
        throw new RemoteRefusedError(this.describeRef(ref), `${error.code}: ${error.apiMessage}`, { cause: error });
      throw error;
    }
    return { jobName, clusterId, ...(submission.submissionId === undefined ? {} : { submissionId: submission.submissionId }) };
  }

  async delete(ref: RemoteRef, options: CallOptions = {}): Promise<void> {
    const { clusterId, jobName } = this.#located(ref);
    try {
      await this.client.deleteJob(clusterId, jobName, bounded(options.signal, this.timing.commandMs));
    } catch (error) {
      if (error instanceof CdmApiError && error.isJobNotFound) throw new RemoteTaskNotFoundError(this.describeRef(ref), error.apiMessage, { cause: error });
      throw error;
    }
  }

  /**
   * The job of a create whose answer was lost: its name on each candidate cluster, created since the create
   * began. Absent only when every candidate answered that it has none.
   */
  async findCreated(params: CdmParams, context: CreateContext, options: CallOptions = {}): Promise<LookupResult> {
    const jobName = jobNameOf(params);
    this.#candidates.set(jobName, candidatesOf(params));
    const found = await this.#probe(jobName, candidatesOf(params), context.startedAt, bounded(options.signal, this.timing.commandMs));
    if ('clusterId' in found) {
      const submissions = await this.client.jobStatus(found.clusterId, jobName, options.signal).catch(() => []);
      const latest = latestOf(submissions);
      return { found: { jobName, clusterId: found.clusterId, ...(latest?.submissionId === undefined ? {} : { submissionId: latest.submissionId }) } };
    }
    return found;
  }

  describeRef(ref: RemoteRef): string {
    const clusterId = clusterOf(ref);
    return clusterId ? `${jobNameOfRef(ref)}@${clusterId}` : jobNameOfRef(ref);
  }

  parseRef(text: string): RemoteRef {
    const match = /^([A-Za-z0-9_.-]{1,240})(?:@([A-Za-z0-9-]{1,64}))?$/.exec(text.trim());
    if (!match) throw new TypeError(`a CDM job id is <job name>@<cluster id> (or the job name alone), got ${JSON.stringify(text)}`);
    return match[2] ? { jobName: match[1]!, clusterId: match[2] } : { jobName: match[1]! };
  }

  /** Closes the client and what the connection holds beside it (the IAM token source). */
  async close(): Promise<void> {
    await this.client.close();
    await this.#release?.();
  }

  #located(ref: RemoteRef): { clusterId: string; jobName: string } {
    const clusterId = clusterOf(ref);
    if (!clusterId) throw new RemoteRefusedError(this.describeRef(ref), 'the cluster that runs this job is not known yet (the next check finds it)');
    return { clusterId, jobName: jobNameOfRef(ref) };
  }

  /**
   * The candidate clusters that have a job of this name created since `since` (minus the skew): exactly one
   * is the answer; none, when every candidate said so, is absence; a candidate that did not answer leaves it
   * unknown. Two (a job of that name made on two clusters at once) cannot be told apart: unknown.
   */
  async #probe(
    jobName: string,
    candidates: string[],
    since: number,
    signal: AbortSignal,
  ): Promise<{ clusterId: string } | { absent: true; reason: string } | { unknown: string }> {
    const answers = await Promise.all(
      candidates.map(async (clusterId) => {
        try {
          const job = await this.client.showJob(clusterId, jobName, signal);
          return { clusterId, job };
        } catch (error) {
          return { clusterId, error: error instanceof Error ? error.message : String(error) };
        }
      }),
    );
    const fresh = answers.filter((a) => 'job' in a && a.job && (a.job.createdAt === undefined || a.job.createdAt >= since - clockSkewMs));
    if (fresh.length === 1) return { clusterId: fresh[0]!.clusterId };
    if (fresh.length > 1) return { unknown: `jobs named ${jobName} on ${fresh.map((a) => a.clusterId).join(', ')}: which is this request's cannot be told` };
    const failed = answers.filter((a) => 'error' in a);
    if (failed.length) return { unknown: `cluster ${failed[0]!.clusterId} could not be asked: ${(failed[0] as { error: string }).error}` };
    return { absent: true, reason: `no job named ${jobName} created since ${new Date(since - clockSkewMs).toISOString()} on ${candidates.join(', ')}` };
  }
}

function jobNameOfRef(ref: RemoteRef): string {
  if (typeof ref.jobName !== 'string' || !ref.jobName) throw new TypeError(`not a CDM reference (no jobName): ${JSON.stringify(ref)}`);
  return ref.jobName;
}

function clusterOf(ref: RemoteRef): string | undefined {
  return typeof ref.clusterId === 'string' && ref.clusterId ? ref.clusterId : undefined;
}

function bounded(signal: AbortSignal | undefined, ms: number): AbortSignal {
  const bound = AbortSignal.timeout(ms);
  return signal ? AbortSignal.any([signal, bound]) : bound;
}

import type { Account } from '../account.ts';
import type { Answer } from '../http.ts';
import { INVALID_JSON, isObject } from '../http.ts';
import type { IdSource } from '../ids.ts';
import type { ResolvedCdm, ResolvedCluster } from '../options.ts';
import type { CdmJobOperation, CdmJobView, Clock, ClusterView, SubmissionForce, SubmissionView } from '../types.ts';
import { cdmError } from './errors.ts';
import type { LifecycleNames, ResolvedRunPlan, SubmissionRecord, SubmissionState } from './lifecycle.ts';
import { resolveRunPlan, submissionState } from './lifecycle.ts';
import { configInput } from './plan.ts';
import { clusterJson, jobJson, neverExecutedJson, submissionJson } from './render.ts';
import type { JobCheck } from './validate-job.ts';
import { validateJob } from './validate-job.ts';

/** A CDM request after routing and authentication. */
export interface CdmCall {
  projectId: string;
  clusterId: string;
  jobName: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body, undefined when empty, INVALID_JSON when it does not parse. */
  body: unknown;
  user: string;
}

interface ClusterRecord extends ResolvedCluster {
  createdAt: number;
  updatedAt: number;
}

interface JobRecord {
  clusterId: string;
  name: string;
  jobType: string;
  config: Record<string, unknown>;
  id: number;
  user: string;
  updateUser: string;
  createdAt: number;
  updatedAt: number;
  submissions: SubmissionRecord[];
  /** schedulerConfig.disposableType: the job deletes itself after a (successful) run. */
  disposal: string;
}

type Valid = Extract<JobCheck, { ok: true }>;

/** A submission as saved: its plan without the progress curve, which is a function. */
type SavedSubmission = Omit<SubmissionRecord, 'plan'> & { plan: Omit<ResolvedRunPlan, 'progress'> };

/** What CDM keeps across a restart of the local stack (sim-kit/saved-state.ts). */
export interface CdmSnapshot {
  clusters: Array<Pick<ClusterRecord, 'id' | 'status' | 'createdAt' | 'updatedAt'>>;
  jobs: Array<Omit<JobRecord, 'submissions'> & { submissions: SavedSubmission[] }>;
  submissionSeq: Array<[string, number]>;
  jobSeq: number;
}

/**
 * The CDM clusters of the account and the jobs on each. Job names are unique per cluster only, so the
 * same name may exist on several clusters — the reason a replayed random-cluster create can start a
 * second migration elsewhere (§0.11).
 */
export class CdmState {
  readonly #config: ResolvedCdm;
  readonly #clock: Clock;
  readonly #account: Account;
  readonly #ids: IdSource;
  readonly #placement: IdSource;
  readonly #names: LifecycleNames;
  readonly #clusters = new Map<string, ClusterRecord>();
  readonly #jobs = new Map<string, Map<string, JobRecord>>();
  // Never reset with the jobs: a cluster's submission ids only grow (the seed shows id 13).
  readonly #submissionSeq = new Map<string, number>();
  #jobSeq = 0;

  constructor(config: ResolvedCdm, clock: Clock, account: Account, ids: IdSource, placement: IdSource) {
    this.#config = config;
    this.#clock = clock;
    this.#account = account;
    this.#ids = ids;
    this.#placement = placement;
    this.#names = { firstStatus: config.firstStatus, stoppedStatus: config.stoppedStatus, stoppedErrorSummary: config.stoppedErrorSummary };
    this.#restoreClusters();
  }

  // ---- clusters

  listClusters(call: CdmCall): Answer {
    const clusters = [...this.#clusters.values()].filter((c) => c.projectId === call.projectId).map((c) => this.#clusterJson(c));
    return { status: 200, body: { clusters } };
  }

  showCluster(call: CdmCall): Answer {
    const cluster = this.#cluster(call.projectId, call.clusterId);
    if (cluster === undefined) return unknownCluster(call.clusterId);
    return { status: 200, body: this.#clusterJson(cluster) };
  }

  // ---- jobs

  randomCreateAndStart(call: CdmCall): Answer {
    if (this.#config.requireXLanguage && (call.headers['x-language'] ?? '') === '') {
      return cdmError('Cdm.0014', { detail: 'the X-Language header is required' });
    }
    const body = call.body;
    if (body === INVALID_JSON || !isObject(body)) return cdmError('Cdm.0014', { detail: 'the body must be a JSON object' });
    const jobs = body['jobs'];
    const clusters = body['clusters'];
    if (!Array.isArray(jobs) || jobs.length === 0) return cdmError('Cdm.0014', { detail: 'jobs must be a non-empty array' });
    if (!Array.isArray(clusters) || clusters.length === 0 || !clusters.every((c) => typeof c === 'string')) {
      return cdmError('Cdm.0014', { detail: 'clusters must be a non-empty array of cluster ids' });
    }
    // [I] Candidates keep their duplicates, so a cluster listed twice is twice as likely; ids that are
    // unknown or not running simply do not qualify.
    const candidates = (clusters as string[]).filter((id) => this.#cluster(call.projectId, id)?.status === '200');
    if (candidates.length === 0) return this.#unavailable(`none of the clusters [${clusters.join(', ')}] is running`);
    const cluster = this.#clusters.get(candidates[this.#placement.int(candidates.length)]!)!;
    const checked = this.#checkNew(jobs, cluster);
    if ('answer' in checked) return checked.answer;
    const withErrors = checked.valid.find((v) => v.errors.length > 0);
    if (withErrors !== undefined) return cdmError('Cdm.0014', { detail: withErrors.errors.join('; ') });
    const now = this.#clock.now();
    const submissions = checked.valid.map((v) => {
      const job = this.#store(cluster.id, v, call.user, now);
      const sub = this.#start(job, call.user);
      return this.#submissionJson(job, sub, 'start');
    });
    // No cluster id in the answer (§2.5): the caller has to probe the candidates to find its job.
    return { status: 200, body: { submissions } };
  }

  createJob(call: CdmCall): Answer {
    const usable = this.#usableCluster(call);
    if ('answer' in usable) return usable.answer;
    const cluster = usable.cluster;
    const body = call.body;
    if (body === INVALID_JSON || !isObject(body) || !Array.isArray(body['jobs']) || body['jobs'].length === 0) {
      return cdmError('Cdm.0014', { detail: 'the body must be {"jobs":[Job]}' });
    }
    const checked = this.#checkNew(body['jobs'], cluster);
    if ('answer' in checked) return checked.answer;
    const first = checked.valid[0]!;
    const errors = checked.valid.flatMap((v) => v.errors);
    // [I] A validation ERROR is a 200 answer whose job was not created (§2.6d).
    if (errors.length > 0) return { status: 200, body: { name: first.name, 'validation-result': errors.map((message) => ({ status: 'ERROR', message })) } };
    const now = this.#clock.now();
    for (const v of checked.valid) this.#store(cluster.id, v, call.user, now);
    const warnings = checked.valid.flatMap((v) => v.warnings).map((message) => ({ status: 'WARNING', message }));
    return { status: 200, body: { name: first.name, 'validation-result': warnings } };
  }

  showJob(call: CdmCall): Answer {
    const usable = this.#usableCluster(call);
    if ('answer' in usable) return usable.answer;
    const cluster = usable.cluster;
    if (call.jobName === 'all') return this.#listJobs(cluster.id, call.query);
    const job = this.#job(cluster.id, call.jobName);
    if (job === undefined) return this.#notFound('showJob', call.jobName);
    return { status: 200, body: { total: 0, jobs: [this.#jobJson(job)], page_no: 1, page_size: 10 } };
  }

  updateJob(call: CdmCall): Answer {
    const usable = this.#usableCluster(call);
    if ('answer' in usable) return usable.answer;
    const cluster = usable.cluster;
    const job = this.#job(cluster.id, call.jobName);
    if (job === undefined) return this.#notFound('updateJob', call.jobName);
    const body = call.body;
    if (body === INVALID_JSON || !isObject(body) || !Array.isArray(body['jobs']) || body['jobs'].length !== 1) {
      return cdmError('Cdm.0014', { detail: 'the body must be {"jobs":[Job]} with one job' });
    }
    const check = validateJob(body['jobs'][0], cluster);
    if (!check.ok) return check.answer;
    // [I] Renaming through update is not documented; refusing it keeps the path name authoritative.
    if (check.name !== job.name) return cdmError('Cdm.0014', { detail: `the job name cannot change from ${job.name} to ${check.name}` });
    if (check.errors.length > 0) return { status: 200, body: { 'validation-result': check.errors.map((message) => ({ status: 'ERROR', message })) } };
    job.config = check.config;
    job.jobType = check.jobType;
    job.disposal = disposalOf(check.config);
    job.updateUser = call.user;
    job.updatedAt = this.#clock.now();
    return { status: 200, body: { 'validation-result': check.warnings.map((message) => ({ status: 'WARNING', message })) } };
  }

  deleteJob(call: CdmCall): Answer {
    const usable = this.#usableCluster(call);
    if ('answer' in usable) return usable.answer;
    const cluster = usable.cluster;
    if (this.#job(cluster.id, call.jobName) === undefined) return this.#notFound('deleteJob', call.jobName);
    this.#jobs.get(cluster.id)?.delete(call.jobName);
    // The DeleteJob response model has no fields: an empty 200 body.
    return { status: 200 };
  }

  startJob(call: CdmCall): Answer {
    const usable = this.#usableCluster(call);
    if ('answer' in usable) return usable.answer;
    const cluster = usable.cluster;
    const job = this.#job(cluster.id, call.jobName);
    if (job === undefined) return this.#notFound('startJob', call.jobName);
    const body = call.body;
    if (body === INVALID_JSON || (body !== undefined && !isObject(body)))
      return cdmError('Cdm.0014', { detail: 'the body must be {"variables":{…}} or empty' });
    // Every start is a new submission, even while one runs [I]; never retry a start blindly (§2.6b).
    const sub = this.#start(job, call.user);
    return { status: 200, body: { submissions: [this.#submissionJson(job, sub, 'start')] } };
  }

  stopJob(call: CdmCall): Answer {
    const usable = this.#usableCluster(call);
    if ('answer' in usable) return usable.answer;
    const cluster = usable.cluster;
    const job = this.#job(cluster.id, call.jobName);
    if (job === undefined) return this.#notFound('stopJob', call.jobName);
    const now = this.#clock.now();
    const latest = job.submissions.at(-1);
    const running = latest !== undefined && !this.#state(latest, now).terminal;
    if (running) {
      latest.override = { at: now, status: this.#config.stoppedStatus, by: call.user };
    } else if (this.#config.stopWhenIdle === 'validation-error') {
      return { status: 200, body: { 'validation-result': [{ status: 'ERROR', message: `Job[${job.name}] is not running.` }] } };
    }
    switch (this.#config.stopResponse) {
      case 'validation-result':
        return { status: 200, body: { 'validation-result': [] } };
      case 'submissions':
        return { status: 200, body: { submissions: latest === undefined ? [] : [this.#submissionJson(job, latest, 'start')] } };
      case 'empty':
        return { status: 200, body: {} };
    }
  }

  jobStatus(call: CdmCall): Answer {
    const usable = this.#usableCluster(call);
    if ('answer' in usable) return usable.answer;
    const cluster = usable.cluster;
    const job = this.#job(cluster.id, call.jobName);
    if (job === undefined) return this.#notFound('jobStatus', call.jobName);
    const latest = this.#visible(job).at(-1);
    if (latest !== undefined) return { status: 200, body: { submissions: [this.#submissionJson(job, latest, 'full')] } };
    if (this.#config.neverStarted === 'empty') return { status: 200, body: { submissions: [] } };
    return { status: 200, body: { submissions: [neverExecutedJson(job.name, job.user, job.createdAt, job.disposal !== 'NONE')] } };
  }

  submissions(call: CdmCall): Answer {
    const usable = this.#usableCluster(call);
    if ('answer' in usable) return usable.answer;
    const cluster = usable.cluster;
    const jname = call.query['jname'];
    const jobs = [...(this.#jobs.get(cluster.id)?.values() ?? [])].filter((j) => !this.#gone(j));
    let selected: JobRecord[];
    if (jname === undefined || jname === '') {
      selected = jobs;
    } else {
      const job = this.#job(cluster.id, jname);
      // [I] An unknown jname answers like the other per-job calls.
      if (job === undefined) return this.#notFound('submissions', jname);
      selected = [job];
    }
    const all = selected
      .flatMap((job) => this.#visible(job).map((sub) => ({ job, sub })))
      .sort((a, b) => b.sub.createdAt - a.sub.createdAt || b.sub.id - a.sub.id);
    const pageNo = positiveInt(call.query['page_no'], 1);
    const pageSize = positiveInt(call.query['page_size'], 10);
    const page = all.slice((pageNo - 1) * pageSize, pageNo * pageSize).map(({ job, sub }) => this.#submissionJson(job, sub, 'full'));
    return { status: 200, body: { submissions: page, total: all.length, page_no: pageNo, page_size: pageSize } };
  }

  // ---- helpers for tests

  clusterViews(): ClusterView[] {
    return [...this.#clusters.values()].map((c) => {
      const view: ClusterView = { id: c.id, name: c.name, status: c.status, projectId: c.projectId };
      if (c.links !== undefined) view.links = [...c.links];
      return view;
    });
  }

  jobViews(): CdmJobView[] {
    const out: CdmJobView[] = [];
    for (const jobs of this.#jobs.values()) {
      for (const job of jobs.values()) {
        if (this.#gone(job)) continue;
        out.push({
          clusterId: job.clusterId,
          name: job.name,
          jobType: job.jobType,
          status: this.#jobStatus(job),
          createdAt: job.createdAt,
          updatedAt: job.updatedAt,
          submissionCount: job.submissions.length,
          config: structuredClone(job.config),
        });
      }
    }
    return out;
  }

  submissionViews(): SubmissionView[] {
    const now = this.#clock.now();
    const out: SubmissionView[] = [];
    for (const jobs of this.#jobs.values()) {
      for (const job of jobs.values()) {
        for (const sub of job.submissions) {
          const state = this.#state(sub, now);
          out.push({
            clusterId: sub.clusterId,
            jobName: sub.jobName,
            submissionId: sub.id,
            status: state.status,
            progress: state.progress,
            createdAt: sub.createdAt,
            lastUpdateAt: state.lastUpdateAt,
            user: sub.user,
          });
        }
      }
    }
    return out;
  }

  setClusterStatus(clusterId: string, status: string): void {
    const cluster = this.#clusters.get(clusterId);
    if (cluster === undefined) throw new Error(`cdm: no cluster ${clusterId}`);
    if (!/^\d{3}$/.test(status)) throw new TypeError(`cdm: cluster status must be a three-digit code string, got "${status}"`);
    cluster.status = status;
    cluster.updatedAt = this.#clock.now();
  }

  forceSubmission(clusterId: string, jobName: string, force: SubmissionForce): void {
    const job = this.#jobs.get(clusterId)?.get(jobName);
    const latest = job?.submissions.at(-1);
    if (latest === undefined) throw new Error(`cdm: job ${jobName} on cluster ${clusterId} has no submission to force`);
    const override: SubmissionRecord['override'] = { at: this.#clock.now(), status: force.status };
    if (force.progress !== undefined) override.progress = force.progress;
    if (force.errorSummary !== undefined) override.errorSummary = force.errorSummary;
    if (force.errorDetails !== undefined) override.errorDetails = force.errorDetails;
    latest.override = override;
  }

  reset(): void {
    this.#jobs.clear();
    this.#restoreClusters();
  }

  snapshot(): CdmSnapshot {
    return {
      clusters: [...this.#clusters.values()].map(({ id, status, createdAt, updatedAt }) => ({ id, status, createdAt, updatedAt })),
      jobs: [...this.#jobs.values()].flatMap((jobs) =>
        [...jobs.values()].map((job) => ({
          ...job,
          submissions: job.submissions.map(({ plan: { progress: _curve, ...plan }, ...sub }) => ({ ...sub, plan })),
        })),
      ),
      submissionSeq: [...this.#submissionSeq],
      jobSeq: this.#jobSeq,
    };
  }

  /**
   * Submissions keep their clock start times, so a run that was RUNNING carries on, or has ended if its
   * time passed while the stack was stopped. A custom progress curve cannot be saved: a restored run
   * progresses linearly. Jobs of a cluster no longer configured are dropped with it.
   */
  restore(state: CdmSnapshot): void {
    for (const saved of state.clusters) {
      const cluster = this.#clusters.get(saved.id);
      if (cluster !== undefined) Object.assign(cluster, { status: saved.status, createdAt: saved.createdAt, updatedAt: saved.updatedAt });
    }
    this.#jobs.clear();
    for (const saved of state.jobs) {
      if (!this.#clusters.has(saved.clusterId)) continue;
      const submissions = saved.submissions.map((sub) => ({ ...sub, plan: { ...sub.plan, progress: (fraction: number) => fraction } }));
      this.#put({ ...saved, submissions });
    }
    this.#submissionSeq.clear();
    for (const [clusterId, seq] of state.submissionSeq) this.#submissionSeq.set(clusterId, seq);
    this.#jobSeq = Math.max(this.#jobSeq, state.jobSeq);
  }

  // ---- internals

  #restoreClusters(): void {
    const now = this.#clock.now();
    this.#clusters.clear();
    for (const c of this.#config.clusters) {
      const record: ClusterRecord = { ...c, createdAt: now, updatedAt: now };
      if (c.links !== undefined) record.links = [...c.links];
      this.#clusters.set(c.id, record);
    }
  }

  #cluster(projectId: string, clusterId: string): ClusterRecord | undefined {
    const cluster = this.#clusters.get(clusterId);
    return cluster?.projectId === projectId ? cluster : undefined;
  }

  /** The cluster of a per-cluster job call, or the answer that refuses it. */
  #usableCluster(call: CdmCall): { cluster: ClusterRecord } | { answer: Answer } {
    const cluster = this.#cluster(call.projectId, call.clusterId);
    if (cluster === undefined) return { answer: unknownCluster(call.clusterId) };
    // [I] A cluster that is not "200 normal" has no agent to serve job calls.
    if (cluster.status !== '200') return { answer: this.#unavailable(`cluster ${cluster.id} is in status ${cluster.status}`) };
    return { cluster };
  }

  #unavailable(detail: string): Answer {
    const { code, status, message } = this.#config.unavailableError;
    return cdmError(code, { status, message, detail });
  }

  #checkNew(jobs: unknown[], cluster: ClusterRecord): { valid: Valid[] } | { answer: Answer } {
    const valid: Valid[] = [];
    for (const job of jobs) {
      const check = validateJob(job, cluster);
      if (!check.ok) return { answer: check.answer };
      // Uniqueness is per cluster (and, [I], within one request).
      if (this.#job(cluster.id, check.name) !== undefined || valid.some((v) => v.name === check.name)) {
        return { answer: cdmError('Cdm.0104', { detail: check.name }) };
      }
      valid.push(check);
    }
    return { valid };
  }

  #store(clusterId: string, v: Valid, user: string, now: number): JobRecord {
    const job: JobRecord = {
      clusterId,
      name: v.name,
      jobType: v.jobType,
      config: v.config,
      id: ++this.#jobSeq,
      user,
      updateUser: user,
      createdAt: now,
      updatedAt: now,
      submissions: [],
      disposal: disposalOf(v.config),
    };
    this.#put(job);
    return job;
  }

  #put(job: JobRecord): void {
    const jobs = this.#jobs.get(job.clusterId) ?? new Map<string, JobRecord>();
    this.#jobs.set(job.clusterId, jobs);
    jobs.set(job.name, job);
  }

  #start(job: JobRecord, user: string): SubmissionRecord {
    const id = (this.#submissionSeq.get(job.clusterId) ?? 0) + 1;
    this.#submissionSeq.set(job.clusterId, id);
    const plan = this.#config.plan(structuredClone(job.config), {
      clusterId: job.clusterId,
      jobName: job.name,
      run: job.submissions.length + 1,
      submissionId: id,
    });
    const sub: SubmissionRecord = {
      id,
      clusterId: job.clusterId,
      jobName: job.name,
      createdAt: this.#clock.now(),
      user,
      externalId: `job_local${this.#ids.digits(10)}_${String(id).padStart(4, '0')}`,
      plan: resolveRunPlan(plan),
    };
    job.submissions.push(sub);
    return sub;
  }

  /** A job, unless it never existed or disposed of itself after its run. */
  #job(clusterId: string, name: string): JobRecord | undefined {
    const job = this.#jobs.get(clusterId)?.get(name);
    if (job === undefined) return undefined;
    if (this.#gone(job)) {
      this.#jobs.get(clusterId)?.delete(name);
      return undefined;
    }
    return job;
  }

  /**
   * [I] schedulerConfig.disposableType DELETE_AFTER_SUCCEED / DELETE: the job is deleted as soon as its
   * run succeeds / ends, so polling it afterwards answers Cdm.0100 — check the history first.
   */
  #gone(job: JobRecord): boolean {
    if (job.disposal === 'NONE') return false;
    const latest = job.submissions.at(-1);
    if (latest === undefined) return false;
    const state = this.#state(latest, this.#clock.now());
    return job.disposal === 'DELETE_AFTER_SUCCEED' ? state.status === 'SUCCEEDED' : state.terminal;
  }

  /** Submissions status and history can see: each becomes visible statusLagMs after its start. */
  #visible(job: JobRecord): SubmissionRecord[] {
    const now = this.#clock.now();
    return job.submissions.filter((s) => s.createdAt + s.plan.statusLagMs <= now);
  }

  #state(sub: SubmissionRecord, now: number): SubmissionState {
    return submissionState(sub, now, this.#names);
  }

  #submissionJson(job: JobRecord, sub: SubmissionRecord, kind: 'start' | 'full'): Record<string, unknown> {
    return submissionJson(sub, this.#state(sub, this.#clock.now()), { kind, userFieldName: this.#config.userFieldName, isDeleteJob: job.disposal !== 'NONE' });
  }

  /** [I] The job-level status is its latest submission's (NEW before the first start). */
  #jobStatus(job: JobRecord): string {
    const latest = job.submissions.at(-1);
    return latest === undefined ? 'NEW' : this.#state(latest, this.#clock.now()).status;
  }

  #jobJson(job: JobRecord): Record<string, unknown> {
    const latest = job.submissions.at(-1);
    const input: Parameters<typeof jobJson>[0] = {
      config: job.config,
      id: job.id,
      user: job.user,
      updateUser: job.updateUser,
      createdAt: job.createdAt,
      updatedAt: job.updatedAt,
      status: this.#jobStatus(job),
      encodeValues: this.#config.encodeConfigValues,
    };
    if (latest !== undefined) input.latest = { sub: latest, state: this.#state(latest, this.#clock.now()) };
    return jobJson(input);
  }

  #listJobs(clusterId: string, query: Record<string, string>): Answer {
    const filter = (query['filter'] ?? '').toLowerCase();
    // Without jobType only table/file jobs are listed (node3 doc comment): whole-DB jobs stay hidden.
    const jobType = query['jobType'] ?? 'NORMAL_JOB';
    const matching = [...(this.#jobs.get(clusterId)?.values() ?? [])]
      .filter((j) => !this.#gone(j) && j.jobType === jobType && j.name.toLowerCase().includes(filter))
      .sort((a, b) => a.createdAt - b.createdAt || a.id - b.id);
    const pageNo = positiveInt(query['page_no'], 1);
    const pageSize = Math.min(100, Math.max(10, positiveInt(query['page_size'], 10)));
    const jobs = matching.slice((pageNo - 1) * pageSize, pageNo * pageSize).map((j) => this.#jobJson(j));
    return { status: 200, body: { total: matching.length, jobs, page_no: pageNo, page_size: pageSize } };
  }

  #notFound(operation: CdmJobOperation, name: string): Answer {
    return cdmError('Cdm.0100', { status: this.#config.notFoundStatus[operation], subject: name });
  }

  #clusterJson(cluster: ClusterRecord): Record<string, unknown> {
    const region = this.#account.projectById(cluster.projectId)?.name ?? '';
    return clusterJson(cluster, cluster.createdAt, cluster.updatedAt, region);
  }
}

/** [I] The code for an unknown cluster id is not documented; Cdm.0001 is "resource missing or invalid". */
function unknownCluster(clusterId: string): Answer {
  return cdmError('Cdm.0001', { detail: `cluster ${clusterId} does not exist` });
}

function disposalOf(config: Record<string, unknown>): string {
  return configInput(config['driver-config-values'], 'schedulerConfig.disposableType') ?? 'NONE';
}

function positiveInt(text: string | undefined, fallback: number): number {
  return text !== undefined && /^[1-9]\d*$/.test(text) ? Number(text) : fallback;
}

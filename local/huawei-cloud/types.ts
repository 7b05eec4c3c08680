// Public types of the Huawei Cloud simulator (IAM token endpoint, CDM job API v1.1, DIS dump task API v2).
// Integration tests of the CDM and DIS clients depend on these shapes; change them only together with their users.
import type { IncomingHttpHeaders } from 'node:http';

export interface Clock {
  now(): number;
}

export type Service = 'iam' | 'cdm' | 'dis';

export type IamEndpoint = 'iam.token';
export type CdmEndpoint =
  | 'cdm.listClusters'
  | 'cdm.showCluster'
  | 'cdm.randomCreateAndStart'
  | 'cdm.createJob'
  | 'cdm.showJob'
  | 'cdm.updateJob'
  | 'cdm.deleteJob'
  | 'cdm.startJob'
  | 'cdm.stopJob'
  | 'cdm.jobStatus'
  | 'cdm.submissions';
export type DisEndpoint = 'dis.createTask' | 'dis.updateTask' | 'dis.listTasks' | 'dis.showTask' | 'dis.deleteTask' | 'dis.taskAction';
export type Endpoint = IamEndpoint | CdmEndpoint | DisEndpoint;

// ---------------------------------------------------------------------------------------------
// Account

export interface UserSpec {
  name: string;
  password: string;
  /** Default: derived from the name. */
  id?: string;
}

export interface ProjectSpec {
  /** 32 hex characters in real life. */
  id: string;
  /** The region name, e.g. cn-north-4; IAM token requests scope by it. */
  name: string;
}

export interface AccessKeySpec {
  ak: string;
  sk: string;
  /** Name of the IAM user the key belongs to. */
  user: string;
  /** Set for a temporary key: requests must carry it in X-Security-Token. */
  securityToken?: string;
  /** Clock time after which the (temporary) key is refused. */
  expiresAt?: number;
}

export interface AccountOptions {
  /** The account ("domain") name sent in IAM password bodies. Default 'bulkpilot-sim'. */
  domainName?: string;
  domainId?: string;
  users?: UserSpec[];
  projects?: ProjectSpec[];
  accessKeys?: AccessKeySpec[];
}

export interface IamOptions {
  /** Token lifetime on the clock. Default 24 h. */
  tokenTtlMs?: number;
}

export interface AuthOptions {
  /** Largest accepted |clock - X-Sdk-Date|. Default 15 min [D APIG FAQ]. */
  maxClockSkewMs?: number;
  /**
   * How a path segment outside [A-Za-z0-9_.~-] is canonicalised [I]. Both agree with the official signer
   * on unreserved paths.
   *  - 'gateway' (default): decode, then RFC 3986-encode each segment (the API gateway's documented rule).
   *    The v3 Node SDK signs such paths differently (space → %2520), so its requests are refused — as the
   *    consequence in backends-real.md §4 predicts.
   *  - 'node-sdk': decode, re-apply the auto-escaping of Node's legacy url.parse, then encode — reproduces
   *    @huaweicloud/huaweicloud-sdk-core's AKSKSigner for raw path parameters (as HcClient substitutes them).
   */
  pathCanonicalization?: 'gateway' | 'node-sdk';
  /** Prefix of API gateway error codes: 'APIGW.0301' (default, API signing docs) or 'APIG.0301' (newer FAQs). */
  apigErrorPrefix?: 'APIGW' | 'APIG';
  /**
   * Whether an AK/SK request must carry X-Project-Id [I]. Default false: when present it must match the
   * path's project either way.
   */
  requireProjectIdHeader?: boolean;
}

// ---------------------------------------------------------------------------------------------
// CDM

export interface ClusterSpec {
  id: string;
  name: string;
  /** Status code string: 100 creating, 200 normal, 300 failed, 303 create failed, 500 restarting, 800 frozen, 900 shut down, 910 shutting down, 920 starting. Default '200'. */
  status?: string;
  /** Default: the first project. */
  projectId?: string;
  /** Link names that exist on the cluster. Absent: every link name is accepted. */
  links?: string[];
}

export type CdmOutcome = 'SUCCEEDED' | 'FAILED' | 'FAILURE_ON_SUBMIT' | 'NEVER_EXECUTED' | 'UNKNOWN';

/** How one submission (one start) of a CDM job runs, on the clock. */
export interface CdmRunPlan {
  /** Time spent in the first status (PENDING by default). Default 1000 ms; 0 skips it. */
  queueMs?: number;
  /** Time spent BOOTING. Default 2000 ms. */
  bootMs?: number;
  /** Time spent RUNNING before SUCCEEDED (or UNKNOWN). Default 5000 ms. */
  runMs?: number;
  /** Default 'SUCCEEDED'. FAILURE_ON_SUBMIT and NEVER_EXECUTED are reported at once, in the start answer. */
  outcome?: CdmOutcome;
  /** For FAILED: time spent RUNNING before the failure. Default runMs / 2. */
  failAfterRunMs?: number;
  errorSummary?: string;
  errorDetails?: string;
  /** Rows read and written, reported in the SUCCEEDED counters. Default 1000. */
  rows?: number;
  /** Default 100. */
  bytesPerRow?: number;
  /** Files read/written; absent = -1 (n/a) in the counters, as for table migrations. */
  files?: number;
  /** Progress curve: fraction of RUNNING time elapsed (0..1) → fraction done (0..1). Default linear. */
  progress?: (fraction: number) => number;
  /** For this long after the start, status and history still show the previous submission [I]. Default 0. */
  statusLagMs?: number;
}

export type CdmPlanFn = (job: Record<string, unknown>, ctx: { clusterId: string; jobName: string; run: number; submissionId: number }) => CdmRunPlan;

export type CdmJobOperation = 'showJob' | 'updateJob' | 'deleteJob' | 'startJob' | 'stopJob' | 'jobStatus' | 'submissions';

export interface CdmErrorSpec {
  code: string;
  status: number;
  message: string;
}

export interface CdmOptions {
  clusters?: ClusterSpec[];
  /** Random-cluster create refuses a request without X-Language (seed 002 marks it mandatory). Default true. */
  requireXLanguage?: boolean;
  /** Status of a new submission before BOOTING: 'PENDING' (default, seed 002) or 'NEW' (old docs). */
  firstStatus?: 'PENDING' | 'NEW';
  /** Spelling of the submission's last-update user field (§0.9). Default 'last-udpate-user'. */
  userFieldName?: 'last-udpate-user' | 'last-update-user';
  /** Body of a stop answer (§0.8): {"validation-result":[]} (default), {submissions:[…]} or {}. */
  stopResponse?: 'validation-result' | 'submissions' | 'empty';
  /** Stop of a job with no running submission [I]: 'noop' (default) or a validation-result ERROR. */
  stopWhenIdle?: 'noop' | 'validation-error';
  /** Submission status after a user stop [I]. Default 'FAILED' (progress -1). */
  stoppedStatus?: string;
  /** error-summary of a stopped submission when stoppedStatus is FAILED. */
  stoppedErrorSummary?: string;
  /** HTTP status of Cdm.0100 per operation (§0.10). Default 400, deleteJob 500. */
  notFoundStatus?: Partial<Record<CdmJobOperation, 400 | 500>>;
  /** Answer when no candidate cluster is running, and for job calls on a cluster not in status 200 [I]. */
  unavailableError?: CdmErrorSpec;
  /** Show/list answers return config input values URL-encoded, as terraform's PathUnescape implies [I]. Default true. */
  encodeConfigValues?: boolean;
  /** Status answer of a job never started [I]: a NEVER_EXECUTED submission (default, Sqoop's behaviour) or an empty list. */
  neverStarted?: 'NEVER_EXECUTED' | 'empty';
  /** Decides each submission's timeline. Default: hints, see cdm/plan.ts. */
  plan?: CdmPlanFn;
}

// ---------------------------------------------------------------------------------------------
// DIS

export interface StreamSpec {
  name: string;
  /** Default 1. */
  partitions?: number;
  /** Default: the first project. */
  projectId?: string;
}

export type DisTaskState = 'STARTING' | 'RUNNING' | 'PAUSED' | 'ABNORMAL' | 'ERROR' | 'DELETE';

/** How one run (create or start) of a dump task behaves, on the clock. */
export interface DisRunPlan {
  /** Time spent STARTING. Default 3000 ms [I]. */
  startingMs?: number;
  /** Time spent RUNNING before the task turns failState. Default: never. */
  failAfterMs?: number;
  /** Default 'ABNORMAL'. */
  failState?: 'ABNORMAL' | 'ERROR';
  /** Records per partition written in each deliver_time_interval; 0 = an idle stream (no files, no progress). Default 100. */
  recordsPerInterval?: number;
  /** Records discarded per partition in each interval. Default 0. */
  discardPerInterval?: number;
}

export type DisPlanFn = (
  task: { streamName: string; taskName: string; destinationType: string; descriptor: Record<string, unknown> },
  ctx: { run: number },
) => DisRunPlan;

export interface DisOptions {
  streams?: StreamSpec[];
  /** Default 5 (DIS.4357). */
  maxTasksPerStream?: number;
  /** Detail key of DWS/CloudTable descriptors (§0.14): 'jdis' `…_description` (default) or 'go3' `…_descripton`. */
  detailKeySpelling?: 'jdis' | 'go3';
  /** `quota` in the list answer [I]: the per-stream maximum (default, EN doc wording) or what remains. */
  quota?: 'max' | 'remaining';
  /** List items carry task_id as in the doc example (absent from the go3/jdis models). Default true. */
  listIncludesTaskId?: boolean;
  /** HTTP status of a bad, expired or revoked X-Auth-Token [I]: 401 (default) or 441 (the DIS.4114 table row). */
  tokenErrorStatus?: 401 | 441;
  /** MRS clusters that exist; absent = any id/name accepted. A Kerberos cluster is refused (DIS.4208). */
  mrsClusters?: Array<{ id: string; name: string; kerberos?: boolean }>;
  /** IAM agencies that exist; absent = any name accepted (else DIS.4335). */
  agencies?: string[];
  /** Decides each run of a task. Default: hints, see dis/plan.ts. */
  plan?: DisPlanFn;
}

// ---------------------------------------------------------------------------------------------
// The simulator

export interface HuaweiCloudOptions {
  /** Default '127.0.0.1'. */
  host?: string;
  /**
   * Where CDM jobs and submissions, cluster statuses, DIS tasks, IAM tokens and the id streams' positions
   * are saved when the simulator closes and read back when it starts (the local stack's persistent mode).
   * Requests and faults are not saved.
   */
  stateFile?: string;
  /** Default 0 each = free ports. */
  ports?: { iam?: number; cdm?: number; dis?: number };
  /** Default Date.now. Tokens, signatures' dates and every lifecycle read this clock. */
  clock?: Clock;
  /** Seeds cluster placement, ids, tokens and fault draws. */
  seed?: number;
  account?: AccountOptions;
  iam?: IamOptions;
  auth?: AuthOptions;
  cdm?: CdmOptions;
  dis?: DisOptions;
}

export interface RouteParams {
  projectId?: string;
  clusterId?: string;
  jobName?: string;
  streamName?: string;
  taskName?: string;
}

export interface AuthRecord {
  method: 'token' | 'aksk' | 'none';
  user?: string;
  accessKey?: string;
  /** Why authentication failed, in more detail than the answer gives. */
  failure?: string;
}

export interface ReceivedRequest {
  service: Service;
  /** 'unknown' for paths (or methods) the service does not serve. */
  endpoint: Endpoint | 'unknown';
  method: string;
  /** The request target as sent (path and query string, not decoded). */
  path: string;
  /** Decoded query; the first value wins on duplicates. */
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** Exact bytes received. */
  rawBody: Buffer;
  /** Clock time at which the request arrived. */
  at: number;
  /** Also sent back in X-Request-Id and in error bodies. */
  requestId: string;
  /** Decoded path parameters. */
  params: RouteParams;
  /** Set once the request was authenticated (CDM and DIS). */
  auth?: AuthRecord;
}

export interface FaultRule {
  endpoint: Endpoint;
  /**
   * status: an HTTP error with the service's plausible body; error: one of the service's own error codes
   * (e.g. Cdm.0202, DIS.5000) with its usual HTTP status; slow: real-time delay; malformed: 200 with a body
   * that is not JSON; reset: TCP reset.
   */
  kind: 'status' | 'error' | 'slow' | 'malformed' | 'reset';
  /** status: default 503. error: overrides the code's usual status. */
  status?: number;
  /** error: the code, e.g. 'Cdm.0202' or 'DIS.5000'. */
  code?: string;
  /** error: overrides the code's usual message. */
  message?: string;
  /** slow: real time to wait. */
  delayMs?: number;
  /** Default 'before' for status/error, 'after' for slow/malformed/reset. 'after' = processed, answer lost. */
  phase?: 'before' | 'after';
  /** Fire this many times, then retire. Default unlimited. */
  times?: number;
  /** 0..1, default 1; drawn from the seeded RNG. */
  probability?: number;
  match?: (req: ReceivedRequest) => boolean;
}

export interface ClusterView {
  id: string;
  name: string;
  status: string;
  projectId: string;
  links?: string[];
}

export interface CdmJobView {
  clusterId: string;
  name: string;
  jobType: string;
  /** The job-level status CDM reports (NEW until started). */
  status: string;
  createdAt: number;
  updatedAt: number;
  submissionCount: number;
  /** The Job object as last submitted. */
  config: Record<string, unknown>;
}

export interface SubmissionView {
  clusterId: string;
  jobName: string;
  submissionId: number;
  status: string;
  progress: number;
  createdAt: number;
  lastUpdateAt: number;
  user: string;
}

export interface DisTaskView {
  projectId: string;
  streamName: string;
  taskName: string;
  taskId: string;
  destinationType: string;
  state: DisTaskState;
  createdAt: number;
  lastTransferTimestamp: number;
  /** Files delivered so far (per partition). */
  deliveries: number;
  discard: number;
  runs: number;
  descriptor: Record<string, unknown>;
}

export interface SubmissionForce {
  status: string;
  progress?: number;
  errorSummary?: string;
  errorDetails?: string;
}

export interface TaskForce {
  /** Any other name is shown verbatim, as a state a later DIS might add. */
  state?: Exclude<DisTaskState, 'DELETE'> | (string & {});
  /** Added to every partition's discard count. */
  discard?: number;
}

export interface HuaweiCloud {
  /** 'http://127.0.0.1:<port>' for each service, as three distinct endpoints in real life. */
  iamUrl: string;
  cdmUrl: string;
  disUrl: string;
  /** Every request to any of the three servers, in arrival order. */
  received: ReceivedRequest[];
  requests(filter?: { service?: Service; endpoint?: Endpoint | 'unknown' }): ReceivedRequest[];
  iam: {
    /** A token as POST /v3/auth/tokens would issue it, without a request. Default: first user, first project. */
    issueToken(options?: { user?: string; projectName?: string }): string;
    /** Revokes every token issued so far (e.g. a password change). */
    revokeTokens(): void;
    /** Number of POST /v3/auth/tokens requests received. */
    tokenRequests(): number;
  };
  cdm: {
    clusters(): ClusterView[];
    jobs(): CdmJobView[];
    submissions(): SubmissionView[];
    setClusterStatus(clusterId: string, status: string): void;
    /** Overrides the job's latest submission from now on (e.g. FAILED, UNKNOWN). */
    forceSubmission(clusterId: string, jobName: string, force: SubmissionForce): void;
  };
  dis: {
    tasks(): DisTaskView[];
    /** Moves a task to a state from now on (ABNORMAL, ERROR, …) and/or adds discarded records. */
    forceTask(streamName: string, taskName: string, force: TaskForce, projectId?: string): void;
  };
  faults: { add(rule: FaultRule): void; clear(): void };
  /** Forgets jobs, tasks, tokens, received requests and faults, restores the configured cluster statuses and restarts the seeded draws. */
  reset(): void;
  /** Closes the three servers and every open socket, and cancels pending delays. */
  close(): Promise<void>;
}

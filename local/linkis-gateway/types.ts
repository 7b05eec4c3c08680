// Public types of the Apache Linkis gateway + entrance + jobhistory simulator. Integration tests and the
// local stack depend on these shapes; change them only together with their users.

/** Operations the simulator tells apart, for faults and for `received`. */
export type Endpoint =
  | 'login'
  | 'logout'
  | 'heartbeat'
  | 'token-login'
  | 'user-other'
  | 'submit'
  | 'execute'
  | 'status'
  | 'progress'
  | 'progressWithResource'
  | 'log'
  | 'kill'
  | 'killJobs'
  | 'pause'
  | 'jobhistory-get'
  | 'jobhistory-list'
  | 'jobhistory-list-taskids';

/** Ordinal order matters: kill-after-finish and the jobhistory update guard compare ordinals (§0.4). */
export const TASK_STATUSES = ['Inited', 'WaitForRetry', 'Scheduled', 'Running', 'Succeed', 'Failed', 'Cancelled', 'Timeout'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export interface Clock {
  now(): number;
}

/** How one job runs. Durations are clock milliseconds. */
export interface JobPlan {
  /** Time spent Inited (queued in the entrance). */
  initedMs: number;
  /** Time spent Scheduled (waiting for an engine). */
  scheduledMs: number;
  /** Time spent Running when nothing cuts it short. */
  runningMs: number;
  /** false: succeeds. 'running': fails while Running. 'scheduled': fails before an engine is assigned (canRetry). */
  fail: false | 'running' | 'scheduled';
  /** For fail 'running': the fraction (0..1) of runningMs after which it fails. */
  failAtFraction: number;
  errCode: number;
  errDesc: string;
  /** progressInfo entries (engine jobs), run one after the other. */
  stages: number;
  /** Tasks per progressInfo entry. */
  totalTasks: number;
  /** Engine log lines spread over the Running phase. */
  logLines: number;
}

export interface PlanContext {
  taskID: number;
  instance: string;
  submitUser: string;
  executeUser: string;
  /** executionContent.code (or executionCode of a 0.x body); null when absent. */
  code: string | null;
  runType: string | null;
  /** The task's labels as persisted (key -> string value). */
  labels: Record<string, string>;
  /** params.configuration.startup, or {}. */
  startup: Record<string, unknown>;
  /** Tasks submitted before this one with the same code: a client's resubmits of one request. */
  earlierSameCode: number;
  /** What an empty plan resolves to (options.durations and the built-in defaults). */
  defaults: JobPlan;
}

/** Decides how a job runs. Unset fields take their defaults. Called once per accepted submit. */
export type PlanFn = (body: Record<string, unknown>, ctx: PlanContext) => Partial<JobPlan>;

export interface UserEntry {
  userName: string;
  password: string;
}

export interface TokenEntry {
  token: string;
  /** '*' or a comma-separated list of users this token may act as. */
  user: string;
  /** '*' (default) or a comma-separated list of client IPs. */
  hosts?: string;
  /** An expired token: every use fails with 15201. */
  stale?: boolean;
  /** An admin token may set executeUser in a submit body. */
  admin?: boolean;
}

export interface LinkisGatewayOptions {
  /** Default 0 = a free port (the real gateway listens on 9001). */
  port?: number;
  /**
   * Where tasks, entrance instances and sessions are saved when the gateway closes and read back when it
   * starts (the local stack's persistent mode). Requests, faults and kills-after-end are not saved.
   */
  stateFile?: string;
  /** Default '127.0.0.1'. */
  host?: string;
  /** Default Date.now. Job lifecycles, sessions and eviction all read this clock. */
  clock?: Clock;
  /** Seeds fault draws and the choice of entrance instance for a submit. */
  seed?: number;
  /** The host name services put in error payloads (`ip` of errorMsg, LinkisException texts). Default 'localhost'. */
  hostName?: string;
  /** Entrance instances behind the gateway, as host:port. Default ['localhost:9104']. */
  entranceInstances?: string[];
  /** The linkis-ps-publicservice instance that answers jobhistory. Default 'localhost:9105'. */
  publicServiceInstance?: string;
  /** Password logins. Default [{ userName: 'hadoop', password: 'hadoop' }]. */
  users?: UserEntry[];
  /** Job history admins (see every task, kill any job, isAdmin on login). Default ['hadoop']. */
  adminUsers?: string[];
  /** wds.linkis.gateway.conf.enable.token.auth; code default false, shipped conf true. Default true. */
  tokenAuth?: boolean;
  /** The gateway token table. Default [{ token: 'LINKIS-AUTH', user: '*' }]. */
  tokens?: TokenEntry[];
  /** wds.linkis.server.web.session.timeout; shipped conf 1h. Default 3_600_000. */
  sessionTimeoutMs?: number;
  /**
   * A request refreshes its session only once this fraction of the timeout has passed since the last
   * refresh (SSOUtils.isTimeoutOrNot uses 0.5), so an idle session can lapse after half the timeout.
   * 0 refreshes on every request. Default 0.5.
   */
  sessionTouchFraction?: number;
  /**
   * Message for an unknown or expired session ticket. 'expired' (default): backends-real.md §1.2
   * "You are not logged in, please login first!(您尚未登录，请先登录!)". 'not-logged-in': the same text as
   * for no cookie at all, which is what the pinned gateway code appears to send.
   */
  expiredSessionMessage?: 'expired' | 'not-logged-in';
  /** How long (clock ms) a finished job stays in entrance memory. Default 60_000. */
  evictAfterMs?: number;
  /** Default durations of the plan. */
  durations?: { initedMs?: number; scheduledMs?: number; runningMs?: number };
  /** Per-job plan. Default: hints in the code and params.configuration.startup (see plan.ts). */
  plan?: PlanFn;
  /** The state a jobQueuingTimeout/jobRunningTimeout label leads to. Default 'Timeout'. */
  timeoutStatus?: 'Timeout' | 'Cancelled';
  /** Kill of a finished job still in entrance memory: 'flip-to-cancelled' (default, §0.4) or 'keep'. */
  killAfterFinish?: 'flip-to-cancelled' | 'keep';
  /** On entrance restart, mark its unfinished tasks Cancelled (linkis.entrance.auto.clean.dirty.data.enable). Default true. */
  cleanUnfinishedOnRestart?: boolean;
  /** linkis.system.user.prohibit.login.switch: refuse web logins (header webLogin: true) of hduser/shduser/hadoop*. Default false. */
  prohibitSystemUserLogin?: boolean;
}

export interface ReceivedRequest {
  /** 'unknown' for paths the simulator does not serve. */
  endpoint: Endpoint | 'unknown';
  method: string;
  /** The request target as sent (path and query, not decoded). */
  path: string;
  /** The decoded path without the query. */
  pathname: string;
  /** Query parameters, first value wins. */
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  rawBody: Buffer;
  /** The body parsed as JSON, when it is JSON. */
  body?: unknown;
  /** Decoded {id} segment of /entrance/{id}/… and /jobhistory/{id}/get. */
  id?: string;
  /** Clock time at arrival. */
  at: number;
}

export type FaultKind = 'status' | 'slow' | 'malformed' | 'reset' | 'routing' | 'spring-500';

export interface FaultRule {
  endpoint: Endpoint;
  /**
   * status: that HTTP status with an HTML error page (a proxy in front of the gateway).
   * slow: wait delayMs of real time, then answer normally. malformed: HTTP 200, truncated JSON.
   * reset: TCP reset. routing: HTTP 200 + status 1 "Cannot find an instance in the routing chain…".
   * spring-500: Spring's default 500 body, not an envelope.
   */
  kind: FaultKind;
  /** For 'status'; default 503. */
  status?: number;
  /** For 'slow'. */
  delayMs?: number;
  /**
   * 'before': the request is not processed. 'after': it is processed (a submit persists its task) and
   * the answer is replaced. Default 'before' for status/routing/spring-500, 'after' for slow/malformed/reset.
   */
  phase?: 'before' | 'after';
  /** Fire this many times, then retire. Default unlimited. */
  times?: number;
  /** 0..1, default 1; drawn from the seeded RNG. */
  probability?: number;
  match?: (req: ReceivedRequest) => boolean;
}

/** A persisted task as jobhistory and (if still there) the entrance see it now. */
export interface TaskView {
  taskID: number;
  /** Null when the job never reached the scheduler (refused after persisting). */
  execID: string | null;
  /** The scheduler id <creator>_<user>_<engineType>_<index> (jobhistory execId). */
  shortId: string | null;
  instance: string;
  /** Status in the job history DB. */
  status: TaskStatus;
  /** Status the entrance reports, or null when the job is not in entrance memory. */
  entranceStatus: TaskStatus | null;
  inMemory: boolean;
  submitUser: string;
  executeUser: string;
  executionCode: string | null;
  runType: string | null;
  engineType: string | null;
  labels: Record<string, string>;
  params: Record<string, unknown> | null;
  /** sourceJson as persisted, and parsed. */
  sourceJson: string;
  source: Record<string, unknown>;
  progress: string;
  errCode: number | null;
  errDesc: string | null;
  createdAt: number;
  /** When the entrance job reached a terminal state, if it has. */
  completedAt: number | null;
}

/** A kill sent for a job the history already shows ended (what a client must never do). */
export interface KillAfterEnd {
  at: number;
  endpoint: Endpoint | 'unknown';
  taskID: number;
  status: TaskStatus;
}

export interface EntranceInstanceView {
  name: string;
  up: boolean;
}

export interface LinkisGateway {
  /** 'http://127.0.0.1:<port>' */
  url: string;
  /** url + '/api/rest_j/v1' */
  baseUrl: string;
  port: number;
  /** Every request, in arrival order. */
  received: ReceivedRequest[];
  /** Kills received for jobs that had already ended: violations a client must never commit. */
  killsAfterEnd(): KillAfterEnd[];
  /** Received submits (and 0.x executes). */
  submits(predicate?: (r: ReceivedRequest) => boolean): ReceivedRequest[];
  tasks(): TaskView[];
  task(taskID: number): TaskView | undefined;
  faults: { add(rule: FaultRule): void; clear(): void };
  instances(): EntranceInstanceView[];
  /** The instance stops answering (routing failure) and its unfinished jobs stop where they are. */
  instanceDown(name: string): void;
  /** Starts (or restarts) the instance with empty memory and fresh scheduler indexes. */
  instanceUp(name: string): void;
  /** Makes the entrance forget the job now (as if its loop-queue slot were reused). */
  evict(taskID: number): void;
  /** From now on the job (entrance and DB) has this status; a terminal one completes it. */
  forceStatus(taskID: number, status: TaskStatus): void;
  /** Forgets every session ticket, as a gateway restart does. Tokens keep working. */
  expireSessions(): void;
  /** Forgets tasks, requests, faults and sessions; restarts every instance; reseeds. taskIDs keep increasing. */
  reset(): void;
  /** Closes the server and every open socket, and cancels pending delays. */
  close(): Promise<void>;
}

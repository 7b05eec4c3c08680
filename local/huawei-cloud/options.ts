import { createHash, randomInt } from 'node:crypto';
import { defaultCdmPlan } from './cdm/plan.ts';
import { defaultDisPlan } from './dis/plan.ts';
import type {
  AccessKeySpec,
  AuthOptions,
  CdmErrorSpec,
  CdmJobOperation,
  CdmPlanFn,
  Clock,
  ClusterSpec,
  DisPlanFn,
  HuaweiCloudOptions,
  ProjectSpec,
  UserSpec,
} from './types.ts';

export interface ResolvedUser {
  name: string;
  password: string;
  id: string;
}

export interface ResolvedAccount {
  domainName: string;
  domainId: string;
  users: ResolvedUser[];
  projects: ProjectSpec[];
  accessKeys: AccessKeySpec[];
}

export interface ResolvedCluster {
  id: string;
  name: string;
  status: string;
  projectId: string;
  links?: string[];
}

export interface ResolvedCdm {
  clusters: ResolvedCluster[];
  requireXLanguage: boolean;
  firstStatus: 'PENDING' | 'NEW';
  userFieldName: 'last-udpate-user' | 'last-update-user';
  stopResponse: 'validation-result' | 'submissions' | 'empty';
  stopWhenIdle: 'noop' | 'validation-error';
  stoppedStatus: string;
  stoppedErrorSummary: string;
  notFoundStatus: Record<CdmJobOperation, 400 | 500>;
  unavailableError: CdmErrorSpec;
  neverStarted: 'NEVER_EXECUTED' | 'empty';
  encodeConfigValues: boolean;
  plan: CdmPlanFn;
}

export interface ResolvedStream {
  name: string;
  partitions: number;
  projectId: string;
}

export interface ResolvedDis {
  streams: ResolvedStream[];
  maxTasksPerStream: number;
  detailKeySpelling: 'jdis' | 'go3';
  quota: 'max' | 'remaining';
  listIncludesTaskId: boolean;
  tokenErrorStatus: 401 | 441;
  mrsClusters?: Array<{ id: string; name: string; kerberos?: boolean }>;
  agencies?: string[];
  plan: DisPlanFn;
}

export interface ResolvedOptions {
  host: string;
  ports: { iam: number; cdm: number; dis: number };
  clock: Clock;
  seed: number;
  account: ResolvedAccount;
  tokenTtlMs: number;
  auth: Required<AuthOptions>;
  cdm: ResolvedCdm;
  dis: ResolvedDis;
  stateFile: string | undefined;
}

/** The project of the seed 002 example, so copied request paths work unchanged. */
export const DEFAULT_PROJECT: ProjectSpec = { id: '1551c7f6c808414d8e9f3c514a170f2e', name: 'cn-north-4' };
export const DEFAULT_USER: UserSpec = { name: 'bulkpilot', password: 'Sim-Passw0rd!' };
/** Shaped like real keys: 20-character AK, 40-character SK. */
export const DEFAULT_ACCESS_KEY: AccessKeySpec = { ak: 'SIMAKBULKPILOT000001', sk: 'SimSecretKey0000000000000000000000000001', user: DEFAULT_USER.name };
export const DEFAULT_TEMPORARY_KEY: AccessKeySpec = {
  ak: 'SIMTMPBULKPILOT00001',
  sk: 'SimTemporarySecret0000000000000000000001',
  user: DEFAULT_USER.name,
  securityToken: 'gQpzaW0tc2VjdXJpdHktdG9rZW4tYnVsa3BpbG90LXRlbXBvcmFyeS1rZXk',
};
/** The two cluster ids of the seed 002 example. */
export const DEFAULT_CLUSTERS: ClusterSpec[] = [
  { id: 'b0791496-e111-4e75-b7ca-9277aeab9297', name: 'cdm-bulkpilot-a' },
  { id: 'c2db1191-eb6c-464a-a0d3-b434e6c6df26', name: 'cdm-bulkpilot-b' },
];
export const DEFAULT_STREAM = 'dis-bulkpilot';

const DEFAULT_NOT_FOUND: Record<CdmJobOperation, 400 | 500> = {
  showJob: 400,
  updateJob: 400,
  // The DeleteJob document's example shows Cdm.0100 with HTTP 500 (§0.10).
  deleteJob: 500,
  startJob: 400,
  stopJob: 400,
  jobStatus: 400,
  submissions: 400,
};

/** Fills in defaults; unknown keys (at any level) and impossible values fail loudly so typos do not go unnoticed. */
export function resolveOptions(options: HuaweiCloudOptions): ResolvedOptions {
  checkKeys(options, ['host', 'ports', 'clock', 'seed', 'account', 'iam', 'auth', 'cdm', 'dis', 'stateFile'], 'options');
  checkKeys(options.ports, ['iam', 'cdm', 'dis'], 'ports');
  checkKeys(options.iam, ['tokenTtlMs'], 'iam');
  checkKeys(options.auth, ['maxClockSkewMs', 'pathCanonicalization', 'apigErrorPrefix', 'requireProjectIdHeader'], 'auth');

  const account = resolveAccount(options);
  const tokenTtlMs = options.iam?.tokenTtlMs ?? 24 * 3_600_000;
  positive(tokenTtlMs, 'iam.tokenTtlMs');
  const maxClockSkewMs = options.auth?.maxClockSkewMs ?? 15 * 60_000;
  if (!(maxClockSkewMs >= 0)) fail('auth.maxClockSkewMs must be >= 0');
  const ports = { iam: options.ports?.iam ?? 0, cdm: options.ports?.cdm ?? 0, dis: options.ports?.dis ?? 0 };
  for (const [name, port] of Object.entries(ports)) {
    if (!Number.isInteger(port) || port < 0 || port > 65_535) fail(`ports.${name} must be a port number`);
  }
  if (options.stateFile !== undefined && (typeof options.stateFile !== 'string' || options.stateFile === '')) fail('stateFile must be a file path');
  return {
    host: options.host ?? '127.0.0.1',
    ports,
    clock: options.clock ?? { now: () => Date.now() },
    seed: options.seed ?? randomInt(0, 2 ** 32 - 1),
    account,
    tokenTtlMs,
    auth: {
      maxClockSkewMs,
      pathCanonicalization: oneOf(options.auth?.pathCanonicalization, ['gateway', 'node-sdk'], 'gateway', 'auth.pathCanonicalization'),
      apigErrorPrefix: oneOf(options.auth?.apigErrorPrefix, ['APIGW', 'APIG'], 'APIGW', 'auth.apigErrorPrefix'),
      requireProjectIdHeader: options.auth?.requireProjectIdHeader ?? false,
    },
    cdm: resolveCdm(options, account),
    dis: resolveDis(options, account),
    stateFile: options.stateFile,
  };
}

function resolveAccount(options: HuaweiCloudOptions): ResolvedAccount {
  const spec = options.account ?? {};
  checkKeys(spec, ['domainName', 'domainId', 'users', 'projects', 'accessKeys'], 'account');
  const users = (spec.users ?? [DEFAULT_USER]).map((u, i) => {
    checkKeys(u, ['name', 'password', 'id'], `account.users[${i}]`);
    if (!u.name || !u.password) fail(`account.users[${i}] needs a name and a password`);
    return { name: u.name, password: u.password, id: u.id ?? hashId('user', u.name) };
  });
  if (users.length === 0) fail('account.users must not be empty');
  unique(
    users.map((u) => u.name),
    'account.users names',
  );
  const projects = (spec.projects ?? [DEFAULT_PROJECT]).map((p, i) => {
    checkKeys(p, ['id', 'name'], `account.projects[${i}]`);
    if (!p.id || !p.name) fail(`account.projects[${i}] needs an id and a name`);
    return { id: p.id, name: p.name };
  });
  if (projects.length === 0) fail('account.projects must not be empty');
  unique(
    projects.map((p) => p.id),
    'account.projects ids',
  );
  unique(
    projects.map((p) => p.name),
    'account.projects names',
  );
  const accessKeys = (spec.accessKeys ?? [DEFAULT_ACCESS_KEY, DEFAULT_TEMPORARY_KEY]).map((k, i) => {
    checkKeys(k, ['ak', 'sk', 'user', 'securityToken', 'expiresAt'], `account.accessKeys[${i}]`);
    if (!k.ak || !k.sk) fail(`account.accessKeys[${i}] needs an ak and an sk`);
    if (!users.some((u) => u.name === k.user)) fail(`account.accessKeys[${i}]: unknown user "${k.user}"`);
    return { ...k };
  });
  unique(
    accessKeys.map((k) => k.ak),
    'account.accessKeys',
  );
  const domainName = spec.domainName ?? 'bulkpilot-sim';
  return { domainName, domainId: spec.domainId ?? hashId('domain', domainName), users, projects, accessKeys };
}

function resolveCdm(options: HuaweiCloudOptions, account: ResolvedAccount): ResolvedCdm {
  const spec = options.cdm ?? {};
  checkKeys(
    spec,
    [
      'clusters',
      'requireXLanguage',
      'firstStatus',
      'userFieldName',
      'stopResponse',
      'stopWhenIdle',
      'stoppedStatus',
      'stoppedErrorSummary',
      'notFoundStatus',
      'unavailableError',
      'neverStarted',
      'encodeConfigValues',
      'plan',
    ],
    'cdm',
  );
  const firstProject = account.projects[0]!.id;
  const clusters = (spec.clusters ?? DEFAULT_CLUSTERS).map((c, i) => {
    checkKeys(c, ['id', 'name', 'status', 'projectId', 'links'], `cdm.clusters[${i}]`);
    const status = c.status ?? '200';
    if (!/^\d{3}$/.test(status)) fail(`cdm.clusters[${i}].status must be a three-digit status code string, got "${status}"`);
    const projectId = c.projectId ?? firstProject;
    if (!account.projects.some((p) => p.id === projectId)) fail(`cdm.clusters[${i}]: unknown project "${projectId}"`);
    const cluster: ResolvedCluster = { id: c.id, name: c.name, status, projectId };
    if (c.links !== undefined) cluster.links = [...c.links];
    return cluster;
  });
  unique(
    clusters.map((c) => c.id),
    'cdm.clusters ids',
  );
  checkKeys(spec.notFoundStatus, Object.keys(DEFAULT_NOT_FOUND), 'cdm.notFoundStatus');
  for (const [op, status] of Object.entries(spec.notFoundStatus ?? {})) {
    if (status !== 400 && status !== 500) fail(`cdm.notFoundStatus.${op} must be 400 or 500`);
  }
  checkKeys(spec.unavailableError, ['code', 'status', 'message'], 'cdm.unavailableError');
  const stoppedStatus = spec.stoppedStatus ?? 'FAILED';
  return {
    clusters,
    requireXLanguage: spec.requireXLanguage ?? true,
    firstStatus: oneOf(spec.firstStatus, ['PENDING', 'NEW'], 'PENDING', 'cdm.firstStatus'),
    userFieldName: oneOf(spec.userFieldName, ['last-udpate-user', 'last-update-user'], 'last-udpate-user', 'cdm.userFieldName'),
    stopResponse: oneOf(spec.stopResponse, ['validation-result', 'submissions', 'empty'], 'validation-result', 'cdm.stopResponse'),
    stopWhenIdle: oneOf(spec.stopWhenIdle, ['noop', 'validation-error'], 'noop', 'cdm.stopWhenIdle'),
    stoppedStatus,
    stoppedErrorSummary: spec.stoppedErrorSummary ?? 'The job was stopped by the user.',
    notFoundStatus: { ...DEFAULT_NOT_FOUND, ...spec.notFoundStatus },
    // [I] "获取实例失败" (failed to get the instance) is the closest documented code.
    unavailableError: spec.unavailableError ?? { code: 'Cdm.0201', status: 400, message: 'Failed to get the instance.' },
    neverStarted: oneOf(spec.neverStarted, ['NEVER_EXECUTED', 'empty'], 'NEVER_EXECUTED', 'cdm.neverStarted'),
    encodeConfigValues: spec.encodeConfigValues ?? true,
    plan: spec.plan ?? defaultCdmPlan,
  };
}

function resolveDis(options: HuaweiCloudOptions, account: ResolvedAccount): ResolvedDis {
  const spec = options.dis ?? {};
  checkKeys(
    spec,
    ['streams', 'maxTasksPerStream', 'detailKeySpelling', 'quota', 'listIncludesTaskId', 'tokenErrorStatus', 'mrsClusters', 'agencies', 'plan'],
    'dis',
  );
  const firstProject = account.projects[0]!.id;
  const streams = (spec.streams ?? [{ name: DEFAULT_STREAM }]).map((s, i) => {
    checkKeys(s, ['name', 'partitions', 'projectId'], `dis.streams[${i}]`);
    const partitions = s.partitions ?? 1;
    if (!Number.isInteger(partitions) || partitions < 1) fail(`dis.streams[${i}].partitions must be a positive integer`);
    const projectId = s.projectId ?? firstProject;
    if (!account.projects.some((p) => p.id === projectId)) fail(`dis.streams[${i}]: unknown project "${projectId}"`);
    return { name: s.name, partitions, projectId };
  });
  unique(
    streams.map((s) => `${s.projectId}/${s.name}`),
    'dis.streams names per project',
  );
  const maxTasksPerStream = spec.maxTasksPerStream ?? 5;
  if (!Number.isInteger(maxTasksPerStream) || maxTasksPerStream < 1) fail('dis.maxTasksPerStream must be a positive integer');
  const tokenErrorStatus = spec.tokenErrorStatus ?? 401;
  if (tokenErrorStatus !== 401 && tokenErrorStatus !== 441) fail('dis.tokenErrorStatus must be 401 or 441');
  for (const [i, c] of (spec.mrsClusters ?? []).entries()) checkKeys(c, ['id', 'name', 'kerberos'], `dis.mrsClusters[${i}]`);
  const resolved: ResolvedDis = {
    streams,
    maxTasksPerStream,
    detailKeySpelling: oneOf(spec.detailKeySpelling, ['jdis', 'go3'], 'jdis', 'dis.detailKeySpelling'),
    quota: oneOf(spec.quota, ['max', 'remaining'], 'max', 'dis.quota'),
    listIncludesTaskId: spec.listIncludesTaskId ?? true,
    tokenErrorStatus,
    plan: spec.plan ?? defaultDisPlan,
  };
  if (spec.mrsClusters !== undefined) resolved.mrsClusters = spec.mrsClusters.map((c) => ({ ...c }));
  if (spec.agencies !== undefined) resolved.agencies = [...spec.agencies];
  return resolved;
}

function checkKeys(value: object | undefined, known: readonly string[], where: string): void {
  if (value === undefined) return;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(`${where} must be an object`);
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) fail(`unknown option "${where === 'options' ? key : `${where}.${key}`}"`);
  }
}

function oneOf<T extends string>(value: T | undefined, allowed: readonly T[], fallback: T, where: string): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value)) fail(`${where} must be one of ${allowed.join(', ')}, got "${value}"`);
  return value;
}

function positive(value: number, where: string): void {
  if (!(value > 0)) fail(`${where} must be > 0`);
}

function unique(values: string[], what: string): void {
  const seen = new Set<string>();
  for (const v of values) {
    if (seen.has(v)) fail(`${what} must be unique: "${v}" appears twice`);
    seen.add(v);
  }
}

function hashId(kind: string, name: string): string {
  return createHash('sha256').update(`${kind}:${name}`).digest('hex').slice(0, 32);
}

function fail(message: string): never {
  throw new TypeError(`huawei-cloud: ${message}`);
}

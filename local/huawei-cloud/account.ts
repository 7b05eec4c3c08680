import type { IdSource } from './ids.ts';
import type { ResolvedAccount, ResolvedUser } from './options.ts';
import type { AccessKeySpec, Clock, ProjectSpec } from './types.ts';

export interface TokenRecord {
  token: string;
  user: ResolvedUser;
  /** Absent for a domain-scoped token, which no project-level service (CDM, DIS) accepts. */
  project?: ProjectSpec;
  issuedAt: number;
  expiresAt: number;
  revoked: boolean;
}

/** A token as saved: user and project by name and id, as the options define them (no password in the file). */
export interface SavedToken extends Omit<TokenRecord, 'user' | 'project'> {
  user: string;
  projectId?: string;
}

/**
 * The one account all three services share: IAM issues tokens from it, CDM and DIS check tokens and
 * AK/SK pairs against it, so a revoked token is refused everywhere at once.
 */
export class Account {
  readonly #spec: ResolvedAccount;
  readonly #clock: Clock;
  readonly #ids: IdSource;
  readonly #ttlMs: number;
  readonly #tokens = new Map<string, TokenRecord>();

  constructor(spec: ResolvedAccount, clock: Clock, ids: IdSource, ttlMs: number) {
    this.#spec = spec;
    this.#clock = clock;
    this.#ids = ids;
    this.#ttlMs = ttlMs;
  }

  get domainName(): string {
    return this.#spec.domainName;
  }

  get domainId(): string {
    return this.#spec.domainId;
  }

  get users(): readonly ResolvedUser[] {
    return this.#spec.users;
  }

  get projects(): readonly ProjectSpec[] {
    return this.#spec.projects;
  }

  user(name: string): ResolvedUser | undefined {
    return this.#spec.users.find((u) => u.name === name);
  }

  projectById(id: string): ProjectSpec | undefined {
    return this.#spec.projects.find((p) => p.id === id);
  }

  projectByName(name: string): ProjectSpec | undefined {
    return this.#spec.projects.find((p) => p.name === name);
  }

  accessKey(ak: string): AccessKeySpec | undefined {
    return this.#spec.accessKeys.find((k) => k.ak === ak);
  }

  issueToken(user: ResolvedUser, project: ProjectSpec | undefined): TokenRecord {
    const now = this.#clock.now();
    // Real tokens are PKI blobs starting "MII…" and several kilobytes long; clients must not assume a short header.
    const token = `MII${this.#ids.base64(1_021)}`;
    const record: TokenRecord = { token, user, issuedAt: now, expiresAt: now + this.#ttlMs, revoked: false };
    if (project !== undefined) record.project = project;
    this.#tokens.set(token, record);
    return record;
  }

  token(value: string): TokenRecord | undefined {
    return this.#tokens.get(value);
  }

  revokeAll(): void {
    for (const record of this.#tokens.values()) record.revoked = true;
  }

  clearTokens(): void {
    this.#tokens.clear();
  }

  snapshot(): SavedToken[] {
    return [...this.#tokens.values()].map(({ user, project, ...rest }) =>
      project === undefined ? { ...rest, user: user.name } : { ...rest, user: user.name, projectId: project.id },
    );
  }

  /** A token whose user or project is no longer configured is dropped: this IAM would not have issued it. */
  restore(tokens: SavedToken[]): void {
    this.#tokens.clear();
    for (const { user: name, projectId, ...rest } of tokens) {
      const user = this.user(name);
      const project = projectId === undefined ? undefined : this.projectById(projectId);
      if (user === undefined || (projectId !== undefined && project === undefined)) continue;
      const record: TokenRecord = { ...rest, user };
      if (project !== undefined) record.project = project;
      this.#tokens.set(record.token, record);
    }
  }
}

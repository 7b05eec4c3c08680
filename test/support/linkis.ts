// Linkis for tests: the seed's submit body, the simulated gateway, and targets of it loaded the way a
// deployment loads a targets file (the catalogue validates them), with the token or password in the env.
import type { LinkisBackend } from '../../lib/backends/linkis/backend.ts';
import type { BackendRegistry } from '../../lib/backends/registry.ts';
import type { Clock } from '../../lib/clock.ts';
import { connectTargets } from '../../lib/runtime/connect-targets.ts';
import type { Targets } from '../../lib/targets/targets.ts';
import { type LinkisGateway, type LinkisGatewayOptions, startLinkisGateway } from '../../local/linkis-gateway/simulator.ts';
import { targetsOf } from './targets.ts';

/** Seed 003's `/entrance/submit` example, as written (its comments aside). */
export const linkisSeedBody = {
  executionContent: { code: 'show tables', runType: 'sql' },
  params: {
    variable: { testvar: 'hello' },
    configuration: { runtime: { 'jdbc.url': 'XX' }, startup: { 'spark.executor.cores': '4' } },
  },
  source: { scriptPath: 'file:///tmp/hadoop/test.sql' },
  labels: { engineType: 'spark-2.4.3', userCreator: 'hadoop-IDE' },
};

/** The seed's request with simulator hints in its code (a comment): e.g. `sim.fail=true sim.failTimes=1`. */
export function linkisRequest(hints = '', overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const code = hints ? `show tables -- ${hints}` : linkisSeedBody.executionContent.code;
  return { ...structuredClone(linkisSeedBody), executionContent: { code, runType: 'sql' }, ...overrides };
}

export const linkisToken = 'LINKIS-AUTH-7f3c9e1d';
export const linkisPassword = 'h@doop-Pa55-91';

export type LinkisAuthKind = 'token' | 'password';

/** What the functions' environment holds for the targets below. */
export const linkisEnv = { LINKIS_TOKEN: linkisToken, LINKIS_PASSWORD: linkisPassword };

/** The gateway's users and tokens matching `linkisEnv`. */
export function linkisGatewayAuth(): Pick<LinkisGatewayOptions, 'users' | 'tokens' | 'adminUsers'> {
  return { users: [{ userName: 'hadoop', password: linkisPassword }], tokens: [{ token: linkisToken, user: 'hadoop' }], adminUsers: [] };
}

export function linkisTargetEntry(url: string, auth: LinkisAuthKind = 'token'): Record<string, unknown> {
  return {
    backend: 'linkis',
    url,
    timeouts: { connectMs: 1_000, headersMs: 2_000, bodyMs: 2_000 },
    auth:
      auth === 'token'
        ? { type: 'token', user: 'hadoop', token: { env: 'LINKIS_TOKEN' } }
        : { type: 'password', user: 'hadoop', password: { env: 'LINKIS_PASSWORD' } },
  };
}

export interface LinkisFixture {
  gateway: LinkisGateway;
  targets: Targets;
  registry: BackendRegistry;
  backend: LinkisBackend;
  close(): Promise<void>;
}

/** A simulated gateway on `clock`, one target `linkis` (the default) of it, connected as the functions connect. */
export async function startLinkisFixture(
  clock: Clock & { now(): number },
  options: { gateway?: LinkisGatewayOptions; auth?: LinkisAuthKind; env?: Record<string, string> } = {},
): Promise<LinkisFixture> {
  const gateway = await startLinkisGateway({ clock, ...linkisGatewayAuth(), ...options.gateway });
  const targets = targetsOf({ default: 'linkis', targets: { linkis: linkisTargetEntry(gateway.url, options.auth) } });
  const registry = await connectTargets(targets, { env: { ...linkisEnv, ...options.env }, clock });
  return {
    gateway,
    targets,
    registry,
    backend: registry.get('linkis') as unknown as LinkisBackend,
    async close() {
      await registry.close();
      await gateway.close();
    },
  };
}

// The tracking harness with a simulated Linkis gateway as its target.
import { connectTargets } from '../../lib/runtime/connect-targets.ts';
import type { TrackingSettings } from '../../lib/tracking/tracking-deps.ts';
import { type LinkisGateway, type LinkisGatewayOptions, startLinkisGateway } from '../../local/linkis-gateway/simulator.ts';
import { FakeClock } from './fake-clock.ts';
import { type LinkisAuthKind, linkisEnv, linkisGatewayAuth, linkisTargetEntry } from './linkis.ts';
import type { TestAws } from './stack.ts';
import { targetsOf } from './targets.ts';
import { createTrackingHarness, type TrackingHarness } from './tracking-harness.ts';

/**
 * The tracking harness (queue, submit path, poller, streams on one clock) with a simulated Linkis gateway
 * as its only target. The harness closes the connection; `close` also stops the gateway.
 */
export async function createLinkisHarness(
  aws: TestAws,
  options: { auth?: LinkisAuthKind; gateway?: LinkisGatewayOptions; settings?: Partial<TrackingSettings>; env?: Record<string, string> } = {},
): Promise<{ h: TrackingHarness; gateway: LinkisGateway; close(): Promise<void> }> {
  const clock = new FakeClock();
  const gateway = await startLinkisGateway({ clock, ...linkisGatewayAuth(), ...options.gateway });
  const targets = targetsOf({ default: 'linkis', targets: { linkis: linkisTargetEntry(gateway.url, options.auth) } });
  const registry = await connectTargets(targets, { env: { ...linkisEnv, ...options.env }, clock });
  const h = await createTrackingHarness(aws, {
    clock,
    targets: { backends: registry.all(), targets },
    ...(options.settings ? { settings: options.settings } : {}),
  });
  return {
    h,
    gateway,
    async close() {
      await h.close();
      await gateway.close();
    },
  };
}

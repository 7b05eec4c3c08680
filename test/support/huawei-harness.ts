// The tracking harness with the simulated Huawei Cloud as its targets: `cdm` and `dis`.
import { connectTargets } from '../../lib/runtime/connect-targets.ts';
import type { TrackingSettings } from '../../lib/tracking/tracking-deps.ts';
import { type HuaweiCloud, type HuaweiCloudOptions, startHuaweiCloud } from '../../local/huawei-cloud/simulator.ts';
import { FakeClock } from './fake-clock.ts';
import { cdmTargetEntry, disTargetEntry, type HuaweiAuthKind, huaweiEnv } from './huawei.ts';
import type { TestAws } from './stack.ts';
import { targetsOf } from './targets.ts';
import { createTrackingHarness, type TrackingHarness } from './tracking-harness.ts';

/**
 * The tracking harness (queue, submit path, poller, streams on one clock) with a simulated Huawei Cloud as its
 * targets `cdm` and `dis` (no default: a request names its target). `close` also stops the cloud.
 */
export async function createHuaweiHarness(
  aws: TestAws,
  options: { auth?: HuaweiAuthKind; cloud?: HuaweiCloudOptions; settings?: Partial<TrackingSettings>; env?: Record<string, string> } = {},
): Promise<{ h: TrackingHarness; cloud: HuaweiCloud; close(): Promise<void> }> {
  const clock = new FakeClock();
  const cloud = await startHuaweiCloud({ clock, seed: 7, ...options.cloud });
  const targets = targetsOf({ targets: { cdm: cdmTargetEntry(cloud, options.auth), dis: disTargetEntry(cloud, options.auth) } });
  const registry = await connectTargets(targets, { env: { ...huaweiEnv, ...options.env }, clock });
  const h = await createTrackingHarness(aws, {
    clock,
    targets: { backends: registry.all(), targets },
    ...(options.settings ? { settings: options.settings } : {}),
  });
  return {
    h,
    cloud,
    async close() {
      await h.close();
      await cloud.close();
    },
  };
}

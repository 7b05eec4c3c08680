import { ConfigError, integerVar, numberVar, patternsVar } from '../config.ts';
import { defaultTaskPolicy } from '../task/task.ts';
import { defaultPollPolicy } from '../tracking/poll-policy.ts';
import { defaultRetryPolicy } from '../tracking/retry-policy.ts';
import type { TrackingSettings } from '../tracking/tracking-deps.ts';

type Env = Record<string, string | undefined>;
const s = 1000;

/** The polling rule, retry policy and task policy, each default overridable from the environment. */
export function trackingSettingsFromEnv(env: Env): TrackingSettings {
  const p = defaultPollPolicy;
  const r = defaultRetryPolicy;
  const settings: TrackingSettings = {
    taskPolicy: {
      ...defaultTaskPolicy,
      retentionDays: integerVar(env, 'TASK_RETENTION_DAYS', defaultTaskPolicy.retentionDays, 1, 3650),
      shards: integerVar(env, 'TASK_INDEX_SHARDS', defaultTaskPolicy.shards, 1, 64),
    },
    poll: {
      ...p,
      firstCheckDelayMs: integerVar(env, 'FIRST_CHECK_DELAY_MS', p.firstCheckDelayMs, 0, 3_600_000),
      minIntervalMs: integerVar(env, 'POLL_MIN_INTERVAL_S', p.minIntervalMs / s, 1, 86_400) * s,
      maxIntervalMs: integerVar(env, 'POLL_MAX_INTERVAL_S', p.maxIntervalMs / s, 1, 86_400) * s,
      ageFraction: numberVar(env, 'POLL_AGE_FRACTION', p.ageFraction, 0, 10),
      nearEndIntervalMs: integerVar(env, 'POLL_NEAR_END_INTERVAL_S', p.nearEndIntervalMs / s, 1, 86_400) * s,
      predictedGapShare: numberVar(env, 'POLL_PREDICTED_GAP_SHARE', p.predictedGapShare, 0.05, 1),
      // The handler cuts the window at run time so the last pass's checks end before the function's timeout.
      passWindowMs: integerVar(env, 'POLL_PASS_WINDOW_SECONDS', p.passWindowMs / s, 0, 900) * s,
      jitter: numberVar(env, 'POLL_JITTER', p.jitter, 0, 0.9),
      lostConfirmations: integerVar(env, 'LOST_CONFIRMATIONS', p.lostConfirmations, 1, 100),
      lostMinSpanMs: integerVar(env, 'LOST_MIN_SPAN_S', p.lostMinSpanMs / s, 0, 7 * 86_400) * s,
      defaultMaxDurationMs: integerVar(env, 'DEFAULT_MAX_DURATION_MINUTES', p.defaultMaxDurationMs / 60_000, 1, 10_080) * 60_000,
    },
    retry: {
      maxAttempts: integerVar(env, 'RETRY_MAX_ATTEMPTS', r.maxAttempts, 1, 20),
      baseDelayMs: integerVar(env, 'RETRY_BASE_DELAY_S', r.baseDelayMs / s, 1, 86_400) * s,
      multiplier: numberVar(env, 'RETRY_MULTIPLIER', r.multiplier, 1, 10),
      maxDelayMs: integerVar(env, 'RETRY_MAX_DELAY_S', r.maxDelayMs / s, 1, 7 * 86_400) * s,
      nonRetryablePatterns: patternsVar(env, 'RETRY_NON_RETRYABLE_PATTERNS', r.nonRetryablePatterns),
    },
  };
  // Bounds that contradict each other would silently make one of them meaningless.
  if (settings.poll.minIntervalMs > settings.poll.maxIntervalMs)
    throw new ConfigError(
      'POLL_MIN_INTERVAL_S',
      `must not exceed POLL_MAX_INTERVAL_S (${settings.poll.minIntervalMs / s} > ${settings.poll.maxIntervalMs / s})`,
    );
  return settings;
}

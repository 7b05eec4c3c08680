import type { PollPolicy } from './poll-policy.ts';

/**
 * When a run will end, from what its backend reports while it runs, so the poller checks sparsely while the
 * end is far and densely around it. Two signals:
 *  - a progress share (0–1, as a backend module reports it): the end is where the rate reaches 1. The rate
 *    drifts and stalls, so two estimates are made — the whole run's average and the rate since the last
 *    check — and the earlier end is kept: an early guess costs a few checks, a late one costs detection time.
 *  - a stage sequence without a number: the end is extrapolated from when the current stage was
 *    first seen and the share of a run that stages before it took in this target's past runs (learned
 *    below, an exponential average kept in the shard checkpoint: no write of its own).
 * Everything here is pure; the poller keeps the result in its shard checkpoint, written once per tick, so a
 * check without news still writes nothing.
 */

/** What one shard remembers of a run between checks: [last check time, progress then (or -1), predicted end (or -1)]. */
export type RunMemory = {
  at: number;
  progress?: number;
  end?: number;
  /** When each stage was first seen, for learning stage shares once the run ends. */
  stages?: Record<string, number>;
};

/** Per target: the share of a run that had passed when each stage was first seen (0–1), and how many runs taught it. */
export type StageProfile = Record<string, { share: number; runs: number }>;

/** Progress below this (or a run younger than this) says too little about the rate. */
const minProgress = 0.02;
const minAgeMs = 20_000;

/** The predicted end of a run that reports progress, or undefined when it says too little yet. */
export function endFromProgress(start: number, now: number, progress: number, previous?: { at: number; progress?: number }): number | undefined {
  const age = now - start;
  if (!(progress >= minProgress) || age < minAgeMs) return undefined;
  if (progress >= 1) return now;
  const average = progress / age;
  let end = now + (1 - progress) / average;
  if (previous?.progress !== undefined && now > previous.at && progress > previous.progress) {
    const recent = (progress - previous.progress) / (now - previous.at);
    end = Math.min(end, now + (1 - progress) / recent);
  }
  return Math.round(end);
}

/** The predicted end of a staged run (no progress number): from the first sighting of its current stage and the target's profile. */
export function endFromStage(start: number, stage: string, firstSeen: number, profile: StageProfile | undefined, minRuns = 3): number | undefined {
  const learned = profile?.[stage];
  if (!learned || learned.runs < minRuns || learned.share < 0.02) return undefined;
  return Math.round(start + (firstSeen - start) / learned.share);
}

/** After a run ended at `end`: the target's profile with this run's stage sightings averaged in. */
export function learnStages(profile: StageProfile | undefined, start: number, end: number, stages: Record<string, number>, weight = 0.2): StageProfile {
  const next: StageProfile = { ...profile };
  const length = end - start;
  if (length <= 0) return next;
  for (const [stage, seen] of Object.entries(stages)) {
    const share = Math.min(1, Math.max(0, (seen - start) / length));
    const old = next[stage];
    // The first runs are averaged plainly, then exponentially: a target's runs change slowly.
    const w = old ? Math.max(weight, 1 / (old.runs + 1)) : 1;
    next[stage] = { share: old ? old.share + w * (share - old.share) : share, runs: (old?.runs ?? 0) + 1 };
  }
  return next;
}

/**
 * The gap before the next check of a run predicted to end at `end`, checked at `at`: a share of the time left
 * (`predictedGapShare`, so checks close in on the end and a failure part-way is not missed for long), never shorter than the near-end interval nor longer than the maximum;
 * around and after the predicted end, the near-end interval, growing again if the run is late (its next
 * progress will have moved the prediction).
 */
export function predictedGapMs(at: number, end: number, policy: PollPolicy): number {
  const left = end - at;
  if (left > policy.nearEndIntervalMs) return Math.min(policy.maxIntervalMs, Math.max(policy.nearEndIntervalMs, left * policy.predictedGapShare));
  const late = at - end;
  return Math.min(policy.maxIntervalMs, Math.max(policy.nearEndIntervalMs, late / 2));
}

/** What a status check tells the run's memory: a running run's new memory, or a finished run's lesson for its target. */
export interface ObservedRun {
  /** The run's memory after the check; undefined once it is no longer running. */
  memory: RunMemory | undefined;
  /** The target's stage profile with this run learned, when it has just succeeded. */
  profile?: StageProfile;
}

export function observeRun(
  memory: RunMemory | undefined,
  start: number,
  at: number,
  status: { phase: string; progress?: number; stage?: string },
  profile: StageProfile | undefined,
): ObservedRun {
  // A memory from before the run's start is of an earlier run (retried since): it says nothing of this one.
  if (memory && memory.at < start) memory = undefined;
  if (status.phase !== 'running') {
    if (status.phase === 'succeeded' && memory?.stages && Object.keys(memory.stages).length > 0)
      return { memory: undefined, profile: learnStages(profile, start, at, memory.stages) };
    return { memory: undefined };
  }
  if (status.progress !== undefined) {
    const end = endFromProgress(start, at, status.progress, memory);
    return { memory: { at, progress: status.progress, ...(end !== undefined ? { end } : {}) } };
  }
  if (status.stage === undefined) return { memory: undefined };
  const stages = { ...memory?.stages };
  stages[status.stage] ??= at;
  const end = endFromStage(start, status.stage, stages[status.stage]!, profile);
  return { memory: { at, stages, ...(end !== undefined ? { end } : {}) } };
}

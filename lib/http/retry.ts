import type { Clock } from '../clock.ts';

export interface RetryBudget {
  /** Total time allowed for all attempts and waits, measured from the first attempt. */
  budgetMs: number;
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/**
 * Runs `attempt` until it succeeds, `isRetryable` says no, attempts run out, or the next wait would
 * overrun the budget — with `attemptMs`, the next wait and a whole attempt, so the budget is a true bound
 * of the call (the poller's and the submit path's time margins rest on it). Waits use full jitter (AWS architecture blog), or the server's Retry-After when
 * it asks for longer. The last error is rethrown untouched so callers see the client's own error class.
 */
export async function withRetries<T>(
  attempt: (attemptNumber: number) => Promise<T>,
  options: {
    budget: RetryBudget;
    /** The longest one attempt can take; an attempt that could not finish within the budget is not started. */
    attemptMs?: number;
    clock: Clock;
    random: () => number;
    isRetryable: (error: unknown) => boolean;
    retryAfterMs?: (error: unknown) => number | undefined;
    signal?: AbortSignal;
    onRetry?: (error: unknown, attemptNumber: number, delayMs: number) => void;
  },
): Promise<T> {
  const { budget, clock } = options;
  const startedAt = clock.now();
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      if (n >= budget.maxAttempts || !options.isRetryable(error) || options.signal?.aborted) throw error;
      const jittered = Math.floor(options.random() * Math.min(budget.maxDelayMs, budget.baseDelayMs * 2 ** (n - 1)));
      const delay = Math.max(jittered, options.retryAfterMs?.(error) ?? 0);
      if (clock.now() - startedAt + delay + (options.attemptMs ?? 0) >= budget.budgetMs) throw error;
      options.onRetry?.(error, n, delay);
      await clock.sleep(delay, options.signal);
    }
  }
}

/** Retry-After as seconds or an HTTP date, in milliseconds from now; undefined when absent or unparseable. */
export function parseRetryAfter(value: string | string[] | undefined, now: number): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (!raw) return undefined;
  if (/^\d+$/.test(raw.trim())) return Number(raw.trim()) * 1000;
  const at = Date.parse(raw);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

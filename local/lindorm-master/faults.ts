import { seededRandom } from '../../lib/random.ts';
import type { FaultRule, ReceivedRequest } from './types.ts';

/** A fault chosen for one request, with its defaults filled in. */
export interface FiringFault {
  kind: FaultRule['kind'];
  phase: 'before' | 'after';
  status: number;
  delayMs: number;
}

interface ArmedRule {
  rule: FaultRule;
  remaining: number;
}

const ENDPOINTS = new Set(['create', 'info', 'abort', 'retry', 'delete']);
const KINDS = new Set(['status', 'slow', 'malformed', 'reset']);

/**
 * Fault rules in the order they were added. For each request the first rule whose endpoint and
 * match fit and whose probability draw succeeds fires; only a firing rule uses up one of its times.
 */
export class FaultRegistry {
  readonly #seed: number;
  #rules: ArmedRule[] = [];
  #random: () => number;

  constructor(seed: number) {
    this.#seed = seed;
    this.#random = seededRandom(seed);
  }

  add(rule: FaultRule): void {
    if (!ENDPOINTS.has(rule.endpoint)) throw new TypeError(`fault: unknown endpoint "${rule.endpoint}"`);
    if (!KINDS.has(rule.kind)) throw new TypeError(`fault: unknown kind "${rule.kind}"`);
    if (rule.probability !== undefined && !(rule.probability >= 0 && rule.probability <= 1)) {
      throw new TypeError('fault: probability must be within 0..1');
    }
    if (rule.times !== undefined && !(rule.times >= 0)) throw new TypeError('fault: times must be >= 0');
    this.#rules.push({ rule, remaining: rule.times ?? Number.POSITIVE_INFINITY });
  }

  clear(): void {
    this.#rules = [];
  }

  /** Forgets all rules and restarts the RNG, so a reset master repeats a fresh one's draws. */
  reset(): void {
    this.clear();
    this.#random = seededRandom(this.#seed);
  }

  pick(req: ReceivedRequest): FiringFault | undefined {
    for (const armed of this.#rules) {
      const { rule } = armed;
      if (armed.remaining <= 0 || rule.endpoint !== req.endpoint) continue;
      if (rule.match !== undefined && !rule.match(req)) continue;
      const probability = rule.probability ?? 1;
      if (probability < 1 && !(this.#random() < probability)) continue;
      armed.remaining -= 1;
      return {
        kind: rule.kind,
        phase: rule.phase ?? (rule.kind === 'status' ? 'before' : 'after'),
        status: rule.status ?? 503,
        delayMs: rule.delayMs ?? 0,
      };
    }
    return undefined;
  }
}

import { seededRandom } from '../../lib/random.ts';
import type { Endpoint, FaultKind, FaultRule, ReceivedRequest } from './types.ts';

/** A fault chosen for one request, with its defaults filled in. */
export interface FiringFault {
  kind: FaultKind;
  phase: 'before' | 'after';
  status: number;
  delayMs: number;
}

interface ArmedRule {
  rule: FaultRule;
  remaining: number;
}

const ENDPOINTS = new Set<Endpoint>([
  'login',
  'logout',
  'heartbeat',
  'token-login',
  'user-other',
  'submit',
  'execute',
  'status',
  'progress',
  'progressWithResource',
  'log',
  'kill',
  'killJobs',
  'pause',
  'jobhistory-get',
  'jobhistory-list',
  'jobhistory-list-taskids',
]);
const KINDS = new Set<FaultKind>(['status', 'slow', 'malformed', 'reset', 'routing', 'spring-500']);
const KNOWN_KEYS = new Set(['endpoint', 'kind', 'status', 'delayMs', 'phase', 'times', 'probability', 'match']);

/**
 * Fault rules in the order they were added. For each request the first rule whose endpoint and match
 * fit and whose probability draw succeeds fires; only a firing rule uses up one of its times.
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
    for (const key of Object.keys(rule)) if (!KNOWN_KEYS.has(key)) throw new TypeError(`fault: unknown key "${key}"`);
    if (!ENDPOINTS.has(rule.endpoint)) throw new TypeError(`fault: unknown endpoint "${rule.endpoint}"`);
    if (!KINDS.has(rule.kind)) throw new TypeError(`fault: unknown kind "${rule.kind}"`);
    if (rule.phase !== undefined && rule.phase !== 'before' && rule.phase !== 'after') {
      throw new TypeError('fault: phase must be before or after');
    }
    if (rule.probability !== undefined && !(rule.probability >= 0 && rule.probability <= 1)) {
      throw new TypeError('fault: probability must be within 0..1');
    }
    if (rule.times !== undefined && !(rule.times >= 0)) throw new TypeError('fault: times must be >= 0');
    this.#rules.push({ rule, remaining: rule.times ?? Number.POSITIVE_INFINITY });
  }

  clear(): void {
    this.#rules = [];
  }

  /** Forgets all rules and restarts the RNG, so a reset simulator repeats a fresh one's draws. */
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
      const answersAfter = rule.kind === 'slow' || rule.kind === 'malformed' || rule.kind === 'reset';
      return {
        kind: rule.kind,
        phase: rule.phase ?? (answersAfter ? 'after' : 'before'),
        status: rule.status ?? 503,
        delayMs: rule.delayMs ?? 0,
      };
    }
    return undefined;
  }
}

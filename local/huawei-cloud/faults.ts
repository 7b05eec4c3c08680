import { seededRandom } from '../../lib/random.ts';
import type { Endpoint, FaultRule, ReceivedRequest } from './types.ts';

/** A fault chosen for one request, with its defaults filled in. */
export interface FiringFault {
  kind: FaultRule['kind'];
  phase: 'before' | 'after';
  status: number | undefined;
  code: string | undefined;
  message: string | undefined;
  delayMs: number;
}

export const ENDPOINTS: readonly Endpoint[] = [
  'iam.token',
  'cdm.listClusters',
  'cdm.showCluster',
  'cdm.randomCreateAndStart',
  'cdm.createJob',
  'cdm.showJob',
  'cdm.updateJob',
  'cdm.deleteJob',
  'cdm.startJob',
  'cdm.stopJob',
  'cdm.jobStatus',
  'cdm.submissions',
  'dis.createTask',
  'dis.updateTask',
  'dis.listTasks',
  'dis.showTask',
  'dis.deleteTask',
  'dis.taskAction',
];
const KINDS = new Set(['status', 'error', 'slow', 'malformed', 'reset']);

interface ArmedRule {
  rule: FaultRule;
  remaining: number;
}

/**
 * Fault rules in the order they were added, shared by the three servers. For each request the first
 * rule whose endpoint and match fit and whose probability draw succeeds fires; only a firing rule uses
 * up one of its times.
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
    if (!ENDPOINTS.includes(rule.endpoint)) throw new TypeError(`fault: unknown endpoint "${rule.endpoint}"`);
    if (!KINDS.has(rule.kind)) throw new TypeError(`fault: unknown kind "${rule.kind}"`);
    if (rule.kind === 'error') {
      if (rule.code === undefined) throw new TypeError('fault: kind "error" needs a code, e.g. Cdm.0202 or DIS.5000');
      if (rule.endpoint === 'iam.token') throw new TypeError('fault: IAM has no error codes here; use kind "status"');
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
      const answersAtOnce = rule.kind === 'status' || rule.kind === 'error';
      return {
        kind: rule.kind,
        phase: rule.phase ?? (answersAtOnce ? 'before' : 'after'),
        status: rule.kind === 'status' ? (rule.status ?? 503) : rule.status,
        code: rule.code,
        message: rule.message,
        delayMs: rule.delayMs ?? 0,
      };
    }
    return undefined;
  }
}

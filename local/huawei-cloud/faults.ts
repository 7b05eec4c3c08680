import { RuleRegistry } from '../sim-kit/rule-registry.ts';
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

/** Fault rules shared by the three servers: the shared registry, with their kinds and defaults. */
export class FaultRegistry {
  readonly #rules: RuleRegistry<FaultRule, ReceivedRequest>;

  constructor(seed: number) {
    this.#rules = new RuleRegistry(seed);
  }

  add(rule: FaultRule): void {
    if (!KINDS.has(rule.kind)) throw new TypeError(`fault: unknown kind "${rule.kind}"`);
    if (rule.kind === 'error') {
      if (rule.code === undefined) throw new TypeError('fault: kind "error" needs a code, e.g. Cdm.0202 or DIS.5000');
      if (rule.endpoint === 'iam.token') throw new TypeError('fault: IAM has no error codes here; use kind "status"');
    }
    this.#rules.add(rule, ENDPOINTS);
  }

  clear(): void {
    this.#rules.clear();
  }

  /** Forgets all rules and restarts the RNG, so a reset simulator repeats a fresh one's draws. */
  reset(): void {
    this.#rules.reset();
  }

  pick(req: ReceivedRequest): FiringFault | undefined {
    const rule = this.#rules.pick(req);
    if (!rule) return undefined;
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
}

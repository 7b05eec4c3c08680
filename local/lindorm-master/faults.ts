import { RuleRegistry } from '../sim-kit/rule-registry.ts';
import type { FaultRule, ReceivedRequest } from './types.ts';

/** A fault chosen for one request, with its defaults filled in. */
export interface FiringFault {
  kind: FaultRule['kind'];
  phase: 'before' | 'after';
  status: number;
  delayMs: number;
}

const ENDPOINTS = new Set(['create', 'info', 'abort', 'retry', 'delete']);
const KINDS = new Set(['status', 'slow', 'malformed', 'reset']);

/** The master's fault rules: the shared registry, with its kinds and defaults. */
export class FaultRegistry {
  readonly #rules: RuleRegistry<FaultRule, ReceivedRequest>;

  constructor(seed: number) {
    this.#rules = new RuleRegistry(seed);
  }

  add(rule: FaultRule): void {
    if (!KINDS.has(rule.kind)) throw new TypeError(`fault: unknown kind "${rule.kind}"`);
    this.#rules.add(rule, ENDPOINTS);
  }

  clear(): void {
    this.#rules.clear();
  }

  /** Forgets all rules and restarts the RNG, so a reset master repeats a fresh one's draws. */
  reset(): void {
    this.#rules.reset();
  }

  pick(req: ReceivedRequest): FiringFault | undefined {
    const rule = this.#rules.pick(req);
    if (!rule) return undefined;
    return { kind: rule.kind, phase: rule.phase ?? (rule.kind === 'status' ? 'before' : 'after'), status: rule.status ?? 503, delayMs: rule.delayMs ?? 0 };
  }
}

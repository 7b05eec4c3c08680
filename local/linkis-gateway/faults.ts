import { RuleRegistry } from '../sim-kit/rule-registry.ts';
import type { Endpoint, FaultKind, FaultRule, ReceivedRequest } from './types.ts';

/** A fault chosen for one request, with its defaults filled in. */
export interface FiringFault {
  kind: FaultKind;
  phase: 'before' | 'after';
  status: number;
  delayMs: number;
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

/** The gateway's fault rules: the shared registry, with its kinds and defaults. */
export class FaultRegistry {
  readonly #rules: RuleRegistry<FaultRule, ReceivedRequest>;

  constructor(seed: number) {
    this.#rules = new RuleRegistry(seed);
  }

  add(rule: FaultRule): void {
    for (const key of Object.keys(rule)) if (!KNOWN_KEYS.has(key)) throw new TypeError(`fault: unknown key "${key}"`);
    if (!KINDS.has(rule.kind)) throw new TypeError(`fault: unknown kind "${rule.kind}"`);
    if (rule.phase !== undefined && rule.phase !== 'before' && rule.phase !== 'after') throw new TypeError('fault: phase must be before or after');
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
    const answersAfter = rule.kind === 'slow' || rule.kind === 'malformed' || rule.kind === 'reset';
    return { kind: rule.kind, phase: rule.phase ?? (answersAfter ? 'after' : 'before'), status: rule.status ?? 503, delayMs: rule.delayMs ?? 0 };
  }
}

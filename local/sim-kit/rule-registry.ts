import { seededRandom } from '../../lib/random.ts';

/** What every simulator's fault rule has: where it applies, how often, and for which requests. */
export interface BaseRule<Request> {
  endpoint: string;
  /** Fire this many times, then retire. Default unlimited. */
  times?: number;
  /** 0..1, default 1; drawn from the seeded RNG. */
  probability?: number;
  match?: (request: Request) => boolean;
}

/**
 * Fault rules in the order they were added. For each request the first rule whose endpoint and match fit
 * and whose probability draw succeeds fires; only a firing rule uses up one of its times. Each simulator
 * checks its own kinds and fills in its own defaults around this.
 */
export class RuleRegistry<Rule extends BaseRule<Request>, Request extends { endpoint: string }> {
  readonly #seed: number;
  #rules: Array<{ rule: Rule; remaining: number }> = [];
  #random: () => number;

  constructor(seed: number) {
    this.#seed = seed;
    this.#random = seededRandom(seed);
  }

  /** Adds a rule after checking the parts every simulator shares; `endpoints` are the simulator's own. */
  add(rule: Rule, endpoints: ReadonlySet<string> | readonly string[]): void {
    const known = endpoints instanceof Set ? endpoints : new Set(endpoints);
    if (!known.has(rule.endpoint)) throw new TypeError(`fault: unknown endpoint "${rule.endpoint}"`);
    if (rule.probability !== undefined && !(rule.probability >= 0 && rule.probability <= 1)) throw new TypeError('fault: probability must be within 0..1');
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

  /** The rule that fires for this request, if any (its use counted). */
  pick(request: Request): Rule | undefined {
    for (const armed of this.#rules) {
      const { rule } = armed;
      if (armed.remaining <= 0 || rule.endpoint !== request.endpoint) continue;
      if (rule.match !== undefined && !rule.match(request)) continue;
      const probability = rule.probability ?? 1;
      if (probability < 1 && !(this.#random() < probability)) continue;
      armed.remaining -= 1;
      return rule;
    }
    return undefined;
  }
}

// The faults of a fault-mix scenario: one seeded draw per request decides its fault or none, so the faults
// injected are known exactly (a simulator's own probabilistic rules would fire unseen). Each option becomes
// one rule of the simulator whose match asks that draw.
import { seededRandom } from '../../lib/random.ts';

export interface FaultOption<Rule> {
  label: string;
  /** Its share of the requests of its endpoint. */
  p: number;
  rule: Rule;
}

/**
 * Decides each request's fault once. Slow faults cost real time, so those (labels starting `slow`) are
 * bounded per endpoint by `slowBudget`; `onFire` hears of every fault decided.
 */
export function faultDraw<Request extends object, Endpoint extends string>(options: {
  seed: number;
  slowBudget: Partial<Record<Endpoint, number>>;
  onFire: (request: Request, endpoint: Endpoint, label: string) => void;
}) {
  const random = seededRandom(options.seed);
  const decided = new WeakMap<Request, string | null>();
  const budget: Partial<Record<Endpoint, number>> = { ...options.slowBudget };
  return {
    decide(request: Request, endpoint: Endpoint, choices: Array<FaultOption<unknown>>): string | null {
      if (decided.has(request)) return decided.get(request)!;
      const draw = random();
      let label: string | null = null;
      let acc = 0;
      for (const option of choices) {
        acc += option.p;
        if (draw < acc) {
          label = option.label;
          break;
        }
      }
      if (label?.startsWith('slow')) {
        const left = budget[endpoint] ?? 0;
        if (left > 0) budget[endpoint] = left - 1;
        else label = null;
      }
      decided.set(request, label);
      if (label !== null) options.onFire(request, endpoint, label);
      return label;
    },
    /** Records a fault decided outside the draw (a rule of the scenario's own). */
    force(request: Request, endpoint: Endpoint, label: string): void {
      decided.set(request, label);
      options.onFire(request, endpoint, label);
    },
    decidedFor: (request: Request): string | null => decided.get(request) ?? null,
  };
}

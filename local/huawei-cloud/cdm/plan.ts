import type { CdmOutcome, CdmRunPlan } from '../types.ts';

const OUTCOMES: readonly CdmOutcome[] = ['SUCCEEDED', 'FAILED', 'FAILURE_ON_SUBMIT', 'NEVER_EXECUTED', 'UNKNOWN'];

/**
 * The default plan reads simulator hints from the job itself, so a client under test can ask for a
 * failure without the simulator being configured. Hints live in `driver-config-values`, either as an
 * input named `sim.<key>` (`{"name":"sim.fail","value":"true"}`) or as `sim.<key>=<value>` tokens inside
 * any input value (separated by whitespace, commas or semicolons):
 *   sim.fail=true              the run FAILS (error-summary from sim.error)
 *   sim.failTimes=<n>          only runs 1..n fail; later starts succeed. Absent: every run fails.
 *   sim.outcome=<STATUS>       SUCCEEDED | FAILED | FAILURE_ON_SUBMIT | NEVER_EXECUTED | UNKNOWN
 *   sim.failAfterMs=<ms>       time RUNNING before the failure
 *   sim.queueMs / sim.bootMs / sim.runMs=<ms>   phase durations
 *   sim.rows=<n>, sim.files=<n>                  SUCCEEDED counters
 *   sim.error=<text>           error-summary (no spaces; use _ )
 *   sim.statusLagMs=<ms>       status/history lag behind a start
 *   sim.validationError=<text> / sim.validationWarning=<text>   (create) validation-result entries
 * The job name works too: a name containing `sim-fail` fails, `sim-unknown` ends UNKNOWN,
 * `sim-submit-fail` ends FAILURE_ON_SUBMIT.
 */
export function defaultCdmPlan(job: Record<string, unknown>, ctx: { jobName: string; run: number }): CdmRunPlan {
  const hints = jobHints(job);
  const plan: CdmRunPlan = {};
  const name = ctx.jobName;
  let outcome: CdmOutcome | undefined;
  if (name.includes('sim-submit-fail')) outcome = 'FAILURE_ON_SUBMIT';
  else if (name.includes('sim-fail')) outcome = 'FAILED';
  else if (name.includes('sim-unknown')) outcome = 'UNKNOWN';
  if (hints.get('sim.fail') === 'true') outcome = 'FAILED';
  const named = hints.get('sim.outcome');
  if (named !== undefined && (OUTCOMES as readonly string[]).includes(named)) outcome = named as CdmOutcome;

  const failTimes = integer(hints.get('sim.failTimes'));
  const failing = outcome !== undefined && outcome !== 'SUCCEEDED';
  if (failing && failTimes !== undefined && ctx.run > failTimes) outcome = undefined;
  if (outcome !== undefined) plan.outcome = outcome;

  assignNumber(plan, 'queueMs', hints.get('sim.queueMs'));
  assignNumber(plan, 'bootMs', hints.get('sim.bootMs'));
  assignNumber(plan, 'runMs', hints.get('sim.runMs'));
  assignNumber(plan, 'failAfterRunMs', hints.get('sim.failAfterMs'));
  assignNumber(plan, 'rows', hints.get('sim.rows'));
  assignNumber(plan, 'files', hints.get('sim.files'));
  assignNumber(plan, 'statusLagMs', hints.get('sim.statusLagMs'));
  const error = hints.get('sim.error');
  if (error !== undefined) plan.errorSummary = error.replaceAll('_', ' ');
  return plan;
}

/** `sim.*` hints of a Job object (see defaultCdmPlan); the first occurrence of a key wins. */
export function jobHints(job: Record<string, unknown>): Map<string, string> {
  const hints = new Map<string, string>();
  for (const input of inputs(job['driver-config-values'])) {
    if (input.name.startsWith('sim.')) {
      if (!hints.has(input.name)) hints.set(input.name, input.value);
      continue;
    }
    for (const token of input.value.split(/[\s,;]+/)) {
      const eq = token.indexOf('=');
      if (eq <= 0) continue;
      const key = token.slice(0, eq);
      if (key.startsWith('sim.') && !hints.has(key)) hints.set(key, token.slice(eq + 1));
    }
  }
  return hints;
}

/** The value of a named input in a ConfigValues object (`{configs:[{name, inputs:[{name, value}]}]}`). */
export function configInput(configValues: unknown, name: string): string | undefined {
  return inputs(configValues).find((i) => i.name === name)?.value;
}

function inputs(configValues: unknown): Array<{ name: string; value: string }> {
  const out: Array<{ name: string; value: string }> = [];
  if (typeof configValues !== 'object' || configValues === null) return out;
  const configs = (configValues as Record<string, unknown>)['configs'];
  if (!Array.isArray(configs)) return out;
  for (const config of configs) {
    const list = typeof config === 'object' && config !== null ? (config as Record<string, unknown>)['inputs'] : undefined;
    if (!Array.isArray(list)) continue;
    for (const input of list) {
      if (typeof input !== 'object' || input === null) continue;
      const { name, value } = input as Record<string, unknown>;
      if (typeof name === 'string') out.push({ name, value: typeof value === 'string' ? value : String(value ?? '') });
    }
  }
  return out;
}

function integer(text: string | undefined): number | undefined {
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : undefined;
}

function assignNumber(
  plan: CdmRunPlan,
  key: 'queueMs' | 'bootMs' | 'runMs' | 'failAfterRunMs' | 'rows' | 'files' | 'statusLagMs',
  text: string | undefined,
): void {
  const value = integer(text);
  if (value !== undefined) plan[key] = value;
}

import type { JobPlan, PlanContext } from './types.ts';

export const BUILT_IN_PLAN: Readonly<JobPlan> = {
  initedMs: 1_000,
  scheduledMs: 2_000,
  runningMs: 10_000,
  fail: false,
  failAtFraction: 0.5,
  // [I] Linkis maps engine errors to codes from linkis_ps_error_code; any stable code serves a client test.
  errCode: 40001,
  errDesc: 'Simulated engine failure (sim.fail)',
  stages: 2,
  totalTasks: 10,
  logLines: 4,
};

/**
 * The default plan reads simulator hints, so a client under test can ask for an outcome without the
 * simulator being configured. Hints are `sim.<key>=<value>` tokens anywhere in the code (usually in a
 * comment, e.g. `-- sim.fail=true sim.runMs=30000`; quote values with spaces: sim.errDesc="Table not
 * found"), or keys `sim.<key>` in params.configuration.startup, which win over the code:
 *   sim.fail=true|running     fails while Running (after sim.failAt of the run time)
 *   sim.fail=scheduled        fails before an engine is assigned (jobhistory canRetry=true)
 *   sim.failTimes=<n>         only the first n submits of the same code fail (a resubmit then succeeds)
 *   sim.failAt=<0..1>         fraction of the run time at which it fails (default 0.5)
 *   sim.errCode=<int>         errCode of the failure (default 40001)
 *   sim.errDesc=<text>        errDesc of the failure
 *   sim.initedMs / sim.scheduledMs / sim.runMs=<ms>   phase durations
 *   sim.stages=<n> / sim.totalTasks=<n>               shape of progressInfo
 *   sim.logLines=<n>                                  engine log lines while Running
 * Hints that do not parse are ignored. Remember that the entrance strips SQL comments before it runs a
 * job: SQL code made of comments only is refused (30010) after the task is persisted.
 */
export function defaultPlan(_body: Record<string, unknown>, ctx: PlanContext): Partial<JobPlan> {
  const hints = new Map<string, string>();
  if (ctx.code !== null) {
    for (const match of ctx.code.matchAll(/\bsim\.([A-Za-z]+)=(?:"([^"]*)"|([^\s,;"]+))/g)) {
      hints.set(match[1]!, match[2] ?? match[3] ?? '');
    }
  }
  for (const [key, value] of Object.entries(ctx.startup)) {
    if (key.startsWith('sim.') && value !== null && typeof value !== 'object') hints.set(key.slice(4), String(value));
  }
  const plan: Partial<JobPlan> = {};
  const fail = hints.get('fail');
  if (fail === 'true' || fail === 'running') plan.fail = 'running';
  else if (fail === 'scheduled') plan.fail = 'scheduled';
  else if (fail === 'false') plan.fail = false;
  const failTimes = integer(hints.get('failTimes'));
  if (plan.fail && failTimes !== undefined && ctx.earlierSameCode >= failTimes) plan.fail = false;
  const failAt = fraction(hints.get('failAt'));
  if (failAt !== undefined) plan.failAtFraction = failAt;
  const errCode = integer(hints.get('errCode'));
  if (errCode !== undefined) plan.errCode = errCode;
  const errDesc = hints.get('errDesc');
  if (errDesc !== undefined && errDesc !== '') plan.errDesc = errDesc;
  for (const [hint, key] of [
    ['initedMs', 'initedMs'],
    ['scheduledMs', 'scheduledMs'],
    ['runMs', 'runningMs'],
    ['stages', 'stages'],
    ['totalTasks', 'totalTasks'],
    ['logLines', 'logLines'],
  ] as const) {
    const value = integer(hints.get(hint));
    if (value !== undefined && value >= 0) plan[key] = value;
  }
  return plan;
}

/** Fills a partial plan with defaults and clamps what would break the timeline. */
export function resolvePlan(partial: Partial<JobPlan>, defaults: JobPlan): JobPlan {
  const plan: JobPlan = { ...defaults };
  for (const key of Object.keys(defaults) as (keyof JobPlan)[]) {
    const value = partial[key];
    if (value !== undefined) Object.assign(plan, { [key]: value });
  }
  for (const key of ['initedMs', 'scheduledMs', 'runningMs', 'errCode'] as const) {
    if (!Number.isFinite(plan[key]) || plan[key] < 0) plan[key] = defaults[key];
  }
  plan.stages = Math.max(1, Math.floor(plan.stages));
  plan.totalTasks = Math.max(1, Math.floor(plan.totalTasks));
  plan.logLines = Math.max(0, Math.floor(plan.logLines));
  plan.failAtFraction = Math.min(1, Math.max(0, plan.failAtFraction));
  if (plan.fail !== false && plan.fail !== 'running' && plan.fail !== 'scheduled') plan.fail = defaults.fail;
  return plan;
}

function integer(text: string | undefined): number | undefined {
  return text !== undefined && /^-?\d+$/.test(text) ? Number(text) : undefined;
}

function fraction(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d*\.?\d+$/.test(text)) return undefined;
  const value = Number(text);
  return value >= 0 && value <= 1 ? value : undefined;
}

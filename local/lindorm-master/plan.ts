import type { RunPlan } from './types.ts';

/**
 * The default run plan reads simulator hints hidden among the Spark parameters, so a client
 * under test can ask for a failure without the simulator being configured:
 *   sim.failAt=<STAGE>    the run fails when it reaches that stage
 *   sim.failTimes=<n>     only runs 1..n fail; later runs (after retry) succeed. Absent: every run fails.
 * Tokens may be separated by whitespace, commas or semicolons, e.g.
 * `--conf spark.executor.memory=4g sim.failAt=MERGE;sim.failTimes=1`.
 */
export function defaultPlan(form: Record<string, string>, ctx: { procId: string; run: number }): RunPlan {
  const hints = readHints(form['sparkAdditionalParams'] ?? '');
  const failAt = hints.get('sim.failAt');
  if (failAt === undefined || failAt === '') return {};
  const failTimesText = hints.get('sim.failTimes');
  const failTimes = failTimesText !== undefined && /^\d+$/.test(failTimesText) ? Number(failTimesText) : undefined;
  if (failTimes !== undefined && ctx.run > failTimes) return {};
  return { failAtStage: failAt };
}

function readHints(params: string): Map<string, string> {
  const hints = new Map<string, string>();
  for (const token of params.split(/[\s,;]+/)) {
    const eq = token.indexOf('=');
    if (eq <= 0) continue;
    const key = token.slice(0, eq);
    if (key.startsWith('sim.') && !hints.has(key)) hints.set(key, token.slice(eq + 1));
  }
  return hints;
}

/**
 * Scenario sizes. `npm run test:chaos` sets CHAOS_SCALE=full (the sizes the reliability claims are made at);
 * `npm test` runs the same scenarios at a size that fits a 2-core CI machine.
 */
export const fullScale = process.env.CHAOS_SCALE === 'full';

export function sized(full: number, ci: number): number {
  return fullScale ? full : ci;
}

/** One line per figure, so a run's output can be pasted into the README's Reliability section. */
export function reportFigures(scenario: string, figures: Record<string, number | string | boolean>): void {
  const parts = Object.entries(figures).map(([key, value]) => `${key}=${value}`);
  console.log(`[chaos] ${scenario} (${fullScale ? 'full' : 'ci'} size): ${parts.join(', ')}`);
}

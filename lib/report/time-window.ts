/** The report's `--since` / `--until`: a time ago (`90s`, `30m`, `1h`, `2d`, `1w`) or an ISO 8601 time. */

const units: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

export class TimeBoundError extends Error {}

/** Epoch ms of a bound given as an age before `now` or an ISO time; throws TimeBoundError naming the flag. */
export function parseTimeBound(flag: string, text: string, now: number): number {
  const trimmed = text.trim();
  const age = /^(\d+(?:\.\d+)?)\s*([smhdw])$/i.exec(trimmed);
  if (age) return now - Math.round(Number(age[1]) * units[age[2]!.toLowerCase()]!);
  // A date alone or a date and time; without a zone an ISO time would be local, which differs per machine.
  if (/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2}))?$/.test(trimmed)) {
    const at = Date.parse(trimmed);
    if (Number.isFinite(at)) return at;
  }
  throw new TimeBoundError(
    `--${flag}: ${JSON.stringify(text)} is neither an age (e.g. 30m, 1h, 2d) nor an ISO time with its zone (e.g. 2026-12-01T08:00:00Z, or a date 2026-12-01)`,
  );
}

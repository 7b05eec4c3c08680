/**
 * Replaces `{name}` placeholders in every string of a template (object keys untouched); unknown names stay.
 * `${name}` is left alone: it is the backend's own variable (a backend may substitute `${run_date}`, `${path}`… itself).
 */
export function fillTemplate<T>(template: T, values: Record<string, string>): T {
  const fill = (value: unknown): unknown => {
    if (typeof value === 'string') return value.replace(/(?<!\$)\{([A-Za-z]+)\}/g, (whole, name: string) => values[name] ?? whole);
    if (Array.isArray(value)) return value.map(fill);
    if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fill(v)]));
    return value;
  };
  return fill(template) as T;
}

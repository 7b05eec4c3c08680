// Reads a CloudWatch dashboard's body as CloudFormation will hand it to CloudWatch (its Fn::Sub evaluated),
// and lists what each widget plots: plain metrics with their dimensions, and the SEARCH expressions with
// their schema and filters.

export interface DashboardWidget {
  type: string;
  properties: { title?: string; region?: string; metrics?: unknown[][]; annotations?: { horizontal?: Array<{ value: unknown }> } };
}

export interface PlainMetric {
  widget: string;
  namespace: string;
  name: string;
  dimensions: Record<string, string>;
}

export interface SearchQuery {
  widget: string;
  expression: string;
  namespace: string;
  /** The schema's dimension names: a metric matches only with exactly these. */
  schema: string[];
  /** The quoted `Key="value"` terms other than MetricName. */
  filters: Record<string, string>;
  metricNames: string[];
}

/**
 * Evaluates `{ 'Fn::Sub': [text, vars] }` (or `{ 'Fn::Sub': text }`): `${!X}` is the literal `${X}`, a
 * variable of the map its value, anything else (`AWS::Region`, a resource's `Ref` or `X.Attr`) what
 * `outside` gives, which throws for a name CloudFormation would not know.
 */
export function evaluateSub(sub: unknown, outside: (name: string) => string): string {
  const argument = (sub as { 'Fn::Sub'?: unknown })['Fn::Sub'];
  const [text, vars] = typeof argument === 'string' ? [argument, {}] : (argument as [string, Record<string, unknown>]);
  if (typeof text !== 'string') throw new Error(`not an Fn::Sub: ${JSON.stringify(sub)}`);
  return text.replace(/\$\{([^}]*)\}/g, (_, name: string) => {
    if (name.startsWith('!')) return `\${${name.slice(1)}}`;
    if (name in vars) {
      const value = vars[name];
      if (typeof value !== 'string') throw new Error(`Fn::Sub variable ${name} is not a string: ${JSON.stringify(value)}`);
      return value;
    }
    return outside(name);
  });
}

export function widgetsOf(body: string): DashboardWidget[] {
  return (JSON.parse(body) as { widgets: DashboardWidget[] }).widgets;
}

/** A metric array's dimensions: `[namespace, name, key, value, …, options?]`. */
export function plainMetrics(widgets: DashboardWidget[]): PlainMetric[] {
  return widgets.flatMap((widget) =>
    (widget.properties.metrics ?? [])
      .filter((entry) => typeof entry[0] === 'string')
      .map((entry) => {
        const parts = entry.filter((part) => typeof part === 'string') as string[];
        const [namespace, name, ...pairs] = parts;
        const dimensions: Record<string, string> = {};
        for (let k = 0; k + 1 < pairs.length; k += 2) dimensions[pairs[k]!] = pairs[k + 1]!;
        return { widget: widget.properties.title ?? widget.type, namespace: namespace!, name: name!, dimensions };
      }),
  );
}

export function expressionsOf(widgets: DashboardWidget[]): Array<{ widget: string; expression: string }> {
  return widgets.flatMap((widget) =>
    (widget.properties.metrics ?? [])
      .map((entry) => entry[0])
      .filter((first): first is { expression: string } => typeof first === 'object' && first !== null && 'expression' in first)
      .map((first) => ({ widget: widget.properties.title ?? widget.type, expression: first.expression })),
  );
}

/** `SEARCH('{Namespace,Dim,…} Key="v" (MetricName="A" OR MetricName="B")', 'Stat', period)`. */
export function searchQueries(widgets: DashboardWidget[]): SearchQuery[] {
  return expressionsOf(widgets).flatMap(({ widget, expression }) => {
    const search = /^SEARCH\('(.*)', '[^']+', \d+\)$/.exec(expression);
    if (!search) return [];
    const query = search[1]!;
    const schema = /^\{([^}]*)\}/.exec(query);
    if (!schema) throw new Error(`${widget}: a SEARCH without a schema matches any dimension set: ${expression}`);
    const [namespace, ...dimensionNames] = schema[1]!.split(',').map((part) => part.trim());
    const filters: Record<string, string> = {};
    const metricNames: string[] = [];
    for (const [, key, value] of query.matchAll(/(\w+)="([^"]*)"/g)) {
      if (key === 'MetricName') metricNames.push(value!);
      else filters[key!] = value!;
    }
    return [{ widget, expression, namespace: namespace!, schema: dimensionNames, filters, metricNames }];
  });
}

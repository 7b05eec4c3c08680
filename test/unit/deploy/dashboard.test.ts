// The stage's CloudWatch dashboard in serverless.yml, as CloudFormation will hand it to CloudWatch: one per
// stage, a body CloudWatch can take, and widgets that plot only what the functions really publish — names
// read from the code, dimensions from the publisher's own EMF output — so a widget cannot stay empty
// because it names a metric nobody emits or a dimension set nobody writes.
import { describe, expect, it } from 'vitest';
import { createLambdaObservability } from '../../../lib/observability/lambda-observability.ts';
import { transitionMetric } from '../../../lib/observability/metrics.ts';
import { type CfnResource, readServerlessConfig, type ServerlessConfig } from '../../../local/provision/serverless-resources.ts';
import { captureOutput } from '../../support/capture-output.ts';
import { evaluateSub, expressionsOf, plainMetrics, searchQueries, widgetsOf } from '../../support/dashboard-body.ts';
import { emittedMetrics } from '../../support/emitted-metrics.ts';

const config = readServerlessConfig();
const region = 'eu-central-1';

/** serverless.yml's own variables (`${sls:stage}`, `${self:…}`, `${param:…}`) as `serverless package --stage` resolves them. */
function resolveServerless<T>(value: T, stage: string): T {
  const lookup = (source: string, address: string): unknown => {
    if (source === 'sls' && address === 'stage') return stage;
    if (source === 'param') return config.params?.[stage]?.[address] ?? config.params?.default?.[address];
    if (source === 'self') return address.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], config);
    throw new Error(`unknown variable \${${source}:${address}}`);
  };
  const text = (s: string): unknown => {
    const whole = /^\$\{(sls|self|param):([^}]+)\}$/.exec(s);
    if (whole) return resolveServerless(lookup(whole[1]!, whole[2]!), stage);
    return s.replace(/\$\{(sls|self|param):([^}]+)\}/g, (_, source: string, address: string) => String(resolveServerless(lookup(source, address), stage)));
  };
  if (typeof value === 'string') return text(value) as T;
  if (Array.isArray(value)) return value.map((v) => resolveServerless(v, stage)) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveServerless(v, stage)])) as T;
  return value;
}

const resources = config.resources!.Resources!;
const dashboards = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::CloudWatch::Dashboard');
/** Serverless's logical id of a function (`onFile` → `OnFileLambdaFunction`). */
const functionLogicalId = (name: string) => `${name[0]!.toUpperCase()}${name.slice(1)}LambdaFunction`;
const functionName = (name: string, stage: string) => `${config.service}-${stage}-${name}`;

/** What Fn::Sub's references become: the region, a function's name, a placeholder naming any other resource. */
function outside(stage: string) {
  return (name: string): string => {
    if (name === 'AWS::Region') return region;
    const fn = Object.keys(config.functions).find((f) => functionLogicalId(f) === name);
    if (fn) return functionName(fn, stage);
    const [id, attribute] = name.split('.');
    const resource = resources[id!];
    if (!resource) throw new Error(`the dashboard refers to \${${name}}, which serverless.yml does not define`);
    if (attribute !== undefined && !(resource.Type === 'AWS::SQS::Queue' && attribute === 'QueueName')) throw new Error(`no attribute ${name}`);
    return `<${name}>`;
  };
}

function dashboardFor(stage: string) {
  const [, dashboard] = dashboards[0]!;
  const resolved = resolveServerless(dashboard, stage) as CfnResource;
  const body = evaluateSub(resolved.Properties.DashboardBody, outside(stage));
  const widgets = widgetsOf(body);
  return { name: resolved.Properties.DashboardName, body, widgets, plain: plainMetrics(widgets), searches: searchQueries(widgets) };
}

const env = (stage: string) =>
  resolveServerless((config as ServerlessConfig & { provider: { environment: Record<string, string> } }).provider.environment, stage);
const namespace = env('prod').POWERTOOLS_METRICS_NAMESPACE!;
const emitted = emittedMetrics();
const emittedNames = new Set(emitted.metrics.map((m) => m.name));
const emittedPerTarget = new Set(emitted.metrics.filter((m) => m.perTarget).map((m) => m.name));

describe('the stage dashboard in serverless.yml', () => {
  it('is one dashboard, named after the service and the stage, so each stage has its own', () => {
    expect(dashboards).toHaveLength(1);
    expect(dashboardFor('prod').name).toBe('bulkpilot-prod');
    expect(dashboardFor('dev').name).toBe('bulkpilot-dev');
  });

  it('has a body that is JSON once CloudFormation substitutes it, every widget with a region and every SEARCH within its length', () => {
    const { body, widgets } = dashboardFor('prod');
    // Only SEARCH's dynamic labels remain as ${…}: any other is a reference CloudFormation would not resolve.
    expect(body.match(/\$\{(?!PROP\(')[^}]*\}/g)).toBeNull();
    expect(widgets.length).toBeGreaterThan(10);
    for (const widget of widgets.filter((w) => w.type === 'metric')) {
      expect(widget.properties.region, widget.properties.title).toBe(region);
      expect(widget.properties.metrics?.length, widget.properties.title).toBeGreaterThan(0);
    }
    // CloudWatch refuses a metric math expression over 1024 characters (PutDashboard fails the deploy).
    for (const { widget, expression } of expressionsOf(widgets)) expect(expression.length, widget).toBeLessThanOrEqual(1024);
  });

  it("names in bulkpilot's namespace only metrics the code emits, and by target only those it emits with a target", () => {
    // Every call the scan cannot name would be a metric this test cannot vouch for.
    expect(emitted.unresolved).toEqual([]);
    expect([...emittedNames]).toEqual(expect.arrayContaining(['PollLag', 'BackendStatusLatency', 'BackendCreateErrors', 'TasksSucceeded', 'FilesUnmatched']));
    const { plain, searches } = dashboardFor('prod');
    const ours = plain.filter((m) => m.namespace === namespace);
    expect(ours.length).toBeGreaterThan(0);
    for (const metric of ours) expect(emittedNames, `${metric.widget}: ${metric.name}`).toContain(metric.name);
    const byTarget = searches.filter((s) => s.namespace === namespace);
    expect(byTarget.length).toBeGreaterThan(0);
    for (const search of byTarget) {
      expect(search.metricNames.length, search.widget).toBeGreaterThan(0);
      for (const name of search.metricNames) expect(emittedPerTarget, `${search.widget}: ${name}`).toContain(name);
    }
  });

  it('shows every metric the code emits, and each one emitted with a target also by target', () => {
    const { plain, searches } = dashboardFor('prod');
    const shown = new Set([...plain.filter((m) => m.namespace === namespace).map((m) => m.name), ...searches.flatMap((s) => s.metricNames)]);
    const shownByTarget = new Set(searches.filter((s) => s.namespace === namespace).flatMap((s) => s.metricNames));
    expect([...emittedNames].filter((name) => !shown.has(name))).toEqual([]);
    expect([...emittedPerTarget].filter((name) => !shownByTarget.has(name))).toEqual([]);
  });

  it('covers tasks by state, poll lag, backend errors and latency, the waiting line, the dead letters and the cost', () => {
    const { plain, searches, widgets } = dashboardFor('prod');
    const stageWide = new Set(plain.filter((m) => m.namespace === namespace).map((m) => m.name));
    const byTarget = new Set(searches.filter((s) => s.namespace === namespace).flatMap((s) => s.metricNames));
    const states = Object.values(transitionMetric) as string[];
    expect(states.filter((name) => !stageWide.has(name) || !byTarget.has(name))).toEqual([]);
    expect(stageWide).toContain('PollLag');
    expect(byTarget).toContain('PollLag');
    const backendErrors = [...emittedNames].filter((name) => /^Backend\w+Errors$/.test(name));
    const backendLatency = [...emittedNames].filter((name) => /^Backend\w+Latency$/.test(name));
    expect(backendErrors.length).toBeGreaterThanOrEqual(5);
    expect(backendLatency.length).toBe(backendErrors.length);
    expect([...backendErrors, ...backendLatency].filter((name) => !byTarget.has(name))).toEqual([]);
    for (const name of ['WaitingLineAge', 'TasksWaiting', 'TasksQueued', 'TaskWaitDuration']) expect(byTarget).toContain(name);

    // Every queue serverless.yml dead-letters into, by the depth its alarm watches.
    const deadLetterQueues = Object.values(resources)
      .map(
        (r) => (r.Properties.RedrivePolicy as { deadLetterTargetArn?: { 'Fn::GetAtt': [string, string] } } | undefined)?.deadLetterTargetArn?.['Fn::GetAtt'][0],
      )
      .filter((id) => id !== undefined);
    expect(deadLetterQueues.sort()).toEqual(['FileEventsDeadLetterQueue', 'ImportDeadLetterQueue']);
    const depths = plain.filter((m) => m.namespace === 'AWS/SQS' && m.name === 'ApproximateNumberOfMessagesVisible').map((m) => m.dimensions.QueueName);
    expect(depths.sort()).toEqual(deadLetterQueues.map((id) => `<${id}.QueueName>`));

    // Cost, as AWS bills it: each function's time and invocations, the table's and its indexes' request units.
    const stage = 'prod';
    for (const fn of Object.keys(config.functions)) {
      for (const metric of ['Duration', 'Invocations'])
        expect(
          plain.some((m) => m.namespace === 'AWS/Lambda' && m.name === metric && m.dimensions.FunctionName === functionName(fn, stage)),
          `${fn} ${metric}`,
        ).toBe(true);
    }
    for (const metric of ['ConsumedReadCapacityUnits', 'ConsumedWriteCapacityUnits']) {
      expect(
        plain.some((m) => m.namespace === 'AWS/DynamoDB' && m.name === metric && m.dimensions.TableName === '<TasksTable>'),
        metric,
      ).toBe(true);
      expect(
        searches.some((s) => s.namespace === 'AWS/DynamoDB' && s.filters.TableName === '<TasksTable>' && s.metricNames.includes(metric)),
        `indexes ${metric}`,
      ).toBe(true);
    }
    // GB-seconds: every function's time at the memory serverless.yml gives it.
    const memoryMb = (config.provider as { memorySize: number }).memorySize;
    expect(expressionsOf(widgets).map((e) => e.expression)).toContain(`SUM([${Object.keys(config.functions).join(', ')}]) / 1000 * ${memoryMb} / 1024`);
  });

  it("draws the poll-lag and waiting-line alarms' thresholds where the alarms sit", () => {
    const { widgets } = dashboardFor('prod');
    const lines = widgets.flatMap((w) => (w.properties.annotations?.horizontal ?? []).map((a) => ({ ...a, title: w.properties.title })));
    const threshold = (alarm: string) => resolveServerless(resources[alarm]!.Properties.Threshold, 'prod');
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ label: 'PollLagAlarm', value: threshold('PollLagAlarm') }),
        expect.objectContaining({ label: 'WaitingLineAlarm', value: threshold('WaitingLineAlarm') }),
      ]),
    );
  });
});

describe("the dashboard's dimensions", () => {
  it('are the names and values the functions publish with: {service, stage} for the stage, {service, stage, target} by target', () => {
    const stage = 'prod';
    const lines: string[] = [];
    const output = captureOutput(lines);
    try {
      // The publisher as the functions run it, with the environment serverless.yml gives them on this stage.
      const observability = createLambdaObservability(env(stage), 'dashboard-check');
      observability.metrics.count('TasksSubmitted', 1, { target: 'lindorm' });
      observability.metrics.count('FilesUnmatched', 1);
      observability.endInvocation();
    } finally {
      output.restore();
    }
    type Emf = Record<string, unknown> & { _aws: { CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][] }> } };
    const documents = lines.map((l) => JSON.parse(l) as Emf).filter((d) => '_aws' in d);
    const published = documents.map((d) => {
      const [directive] = d._aws.CloudWatchMetrics;
      const names = directive!.Dimensions[0]!;
      return { namespace: directive!.Namespace, dimensions: Object.fromEntries(names.map((n) => [n, d[n] as string])) };
    });
    const wide = published.find((p) => !('target' in p.dimensions))!;
    const perTarget = published.find((p) => 'target' in p.dimensions)!;
    expect(wide.dimensions).toEqual({ service: 'bulkpilot', stage });
    expect(perTarget.namespace).toBe(wide.namespace);

    const { plain, searches } = dashboardFor(stage);
    for (const metric of plain.filter((m) => !m.namespace.startsWith('AWS/'))) {
      expect(metric.namespace, metric.widget).toBe(wide.namespace);
      expect(metric.dimensions, `${metric.widget}: ${metric.name}`).toEqual(wide.dimensions);
    }
    const { target: _, ...perTargetFilters } = perTarget.dimensions;
    for (const search of searches.filter((s) => !s.namespace.startsWith('AWS/'))) {
      expect(search.namespace, search.widget).toBe(perTarget.namespace);
      expect([...search.schema].sort(), search.widget).toEqual(Object.keys(perTarget.dimensions).sort());
      // Filtered to this stage's values, so two stages in one account do not mix.
      expect(search.filters, search.widget).toEqual(perTargetFilters);
    }
  });
});

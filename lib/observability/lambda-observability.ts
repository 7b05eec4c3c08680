import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { logLevelVar } from '../config.ts';
import { CostLedger } from '../cost/cost-ledger.ts';
import { errorReplacer, type LogFields, type Logger } from '../logger.ts';
import type { MetricDimensions, MetricsSink } from './metrics.ts';
import { createRedactor, secretValuesFromEnv } from './redact.ts';

type Env = Record<string, string | undefined>;

export interface LambdaObservability {
  logger: Logger;
  metrics: MetricsSink;
  /** What each task consumes, recorded with its writes. */
  ledger: CostLedger;
  /** Per invocation: adds the Lambda context (request id, cold start) to the log lines. */
  startInvocation(context: Context | undefined): void;
  /** Per invocation: writes the metrics gathered as one EMF document (or a few, past 100 values). */
  endInvocation(): void;
  /** One invocation's work between the two: what every handler does around its call into lib/. */
  invoke<T>(context: Context | undefined, work: () => Promise<T>): Promise<T>;
}

/**
 * Powertools for AWS Lambda behind bulkpilot's own Logger and MetricsSink interfaces, so lib/ stays free
 * of it: JSON log lines with the Lambda context, the task's ids on every line about a task (child
 * loggers), secrets redacted; metrics in the embedded metric format with service and stage dimensions.
 */
export function createLambdaObservability(env: Env, functionName: string): LambdaObservability {
  const redact = createRedactor(secretValuesFromEnv(env));
  const powertools = new PowertoolsLogger({
    serviceName: env.POWERTOOLS_SERVICE_NAME ?? 'bulkpilot',
    logLevel: logLevelVar(env).toUpperCase() as 'INFO',
    persistentKeys: { function: functionName },
    jsonReplacerFn: (key, value) => redact(key, errorReplacer(key, value)),
  });
  const namespace = env.POWERTOOLS_METRICS_NAMESPACE ?? 'bulkpilot';
  const serviceName = env.POWERTOOLS_SERVICE_NAME ?? 'bulkpilot';
  const stage = env.BULKPILOT_STAGE ?? 'dev';
  const metrics = new Metrics({ namespace, serviceName, defaultDimensions: { stage } });
  // One EMF document per target per invocation: values with a target also go to its own dimension set.
  const byTarget = new Map<string, Metrics>();
  const forTarget = (target: string) => {
    let instance = byTarget.get(target);
    if (!instance) {
      instance = new Metrics({ namespace, serviceName, defaultDimensions: { stage, target } });
      byTarget.set(target, instance);
    }
    return instance;
  };
  const add = (name: string, unit: (typeof MetricUnit)[keyof typeof MetricUnit], value: number, dimensions: MetricDimensions | undefined) => {
    metrics.addMetric(name, unit, value);
    if (dimensions?.target) forTarget(dimensions.target).addMetric(name, unit, value);
  };
  const ledger = new CostLedger();
  const observability: LambdaObservability = {
    logger: adapt(powertools),
    ledger,
    metrics: {
      count: (name, value = 1, dimensions) => add(name, MetricUnit.Count, value, dimensions),
      milliseconds: (name, value, dimensions) => add(name, MetricUnit.Milliseconds, value, dimensions),
    },
    startInvocation: (context) => {
      if (context) powertools.addContext(context);
    },
    endInvocation: () => {
      for (const instance of [metrics, ...byTarget.values()]) if (instance.hasStoredMetrics()) instance.publishStoredMetrics();
      ledger.reset();
    },
    invoke: async (context, work) => {
      observability.startInvocation(context);
      try {
        return await work();
      } finally {
        observability.endInvocation();
      }
    },
  };
  return observability;
}

function adapt(logger: PowertoolsLogger): Logger {
  const fields = (extra?: LogFields) => (extra ? [extra] : []);
  return {
    debug: (message, extra) => logger.debug(message, ...fields(extra)),
    info: (message, extra) => logger.info(message, ...fields(extra)),
    warn: (message, extra) => logger.warn(message, ...fields(extra)),
    error: (message, extra) => logger.error(message, ...fields(extra)),
    child: (keys) => adapt(logger.createChild({ persistentKeys: keys as Record<string, string> })),
  };
}

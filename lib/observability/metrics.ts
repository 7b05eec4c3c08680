/** What a value is about beyond the stage: the target it concerns, when it concerns one. */
export interface MetricDimensions {
  target?: string;
}

/**
 * Counters and timings, published as CloudWatch embedded metric format by the Lambda adapter. A value with
 * a target is published twice: for the whole stage (what the alarms watch) and for its target.
 */
export interface MetricsSink {
  count(name: string, value?: number, dimensions?: MetricDimensions): void;
  milliseconds(name: string, value: number, dimensions?: MetricDimensions): void;
}

export const noMetrics: MetricsSink = { count: () => {}, milliseconds: () => {} };

/** Metric names of the transitions worth counting (alarms use some of them). */
export const transitionMetric: Partial<Record<string, string>> = {
  SUBMITTED: 'TasksSubmitted',
  REJECTED: 'TasksRejected',
  SUCCEEDED: 'TasksSucceeded',
  FAILED: 'TasksFailed',
  FAILED_FINAL: 'TasksFailedFinal',
  ABORTED: 'TasksAborted',
  LOST: 'TasksLost',
  UNCERTAIN: 'TasksUncertain',
};

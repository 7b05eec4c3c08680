/** Counters and timings, published as CloudWatch embedded metric format by the Lambda adapter. */
export interface MetricsSink {
  count(name: string, value?: number): void;
  milliseconds(name: string, value: number): void;
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

/**
 * A submission (one run of a job) as status, history, create and start answers hold it (go3
 * model_submission.go): read leniently, since field spellings differ by version (`last-udpate-user`).
 */
export interface CdmSubmission {
  jobName: string;
  submissionId?: number;
  status: string;
  /** 0–100, or -1 when the run failed. */
  progress?: number;
  createdAt?: number;
  /** `last-update-date`: for a run that ended, when it ended. */
  updatedAt?: number;
  /** Sqoop's counters, only when SUCCEEDED; -1 (not applicable) left out. */
  counters?: Record<string, number>;
  errorSummary?: string;
  errorDetails?: string;
}

const counterKey = 'org.apache.sqoop.submission.counter.SqoopCounters';

export function readSubmission(value: unknown): CdmSubmission | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'a submission is not an object';
  const s = value as Record<string, unknown>;
  if (typeof s.status !== 'string' || !s.status) return 'a submission without status';
  const submission: CdmSubmission = { jobName: typeof s['job-name'] === 'string' ? s['job-name'] : '', status: s.status };
  const id = Number(s['submission-id']);
  if (Number.isSafeInteger(id) && s['submission-id'] !== null && s['submission-id'] !== undefined) submission.submissionId = id;
  const progress = Number(s.progress);
  if (s.progress !== undefined && s.progress !== null && Number.isFinite(progress)) submission.progress = progress;
  const created = Number(s['creation-date']);
  if (Number.isFinite(created) && created > 0) submission.createdAt = created;
  const updated = Number(s['last-update-date']);
  if (Number.isFinite(updated) && updated > 0) submission.updatedAt = updated;
  const counters = (s.counters as Record<string, unknown> | undefined)?.[counterKey];
  if (typeof counters === 'object' && counters !== null) {
    const kept = Object.fromEntries(Object.entries(counters as Record<string, unknown>).filter(([, v]) => typeof v === 'number' && v >= 0)) as Record<
      string,
      number
    >;
    if (Object.keys(kept).length) submission.counters = kept;
  }
  if (typeof s['error-summary'] === 'string' && s['error-summary']) submission.errorSummary = s['error-summary'];
  if (typeof s['error-details'] === 'string' && s['error-details']) submission.errorDetails = s['error-details'];
  return submission;
}

/** The newest of a list (the highest submission id; status lists only the latest anyway). */
export function latestOf(submissions: CdmSubmission[]): CdmSubmission | undefined {
  return submissions.reduce<CdmSubmission | undefined>(
    (best, s) => (best === undefined || (s.submissionId ?? -1) > (best.submissionId ?? -1) ? s : best),
    undefined,
  );
}

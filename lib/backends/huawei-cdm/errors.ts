import { scrubSecrets } from '../../observability/redact.ts';
import { BackendCallError } from '../backend.ts';

/**
 * The CDM client's error tree. Every error names the method and URL, never a credential. CDM answers its
 * own errors as `{errCode, externalMessage}`; the API gateway in front of it as `{error_code, error_msg}`.
 */
export class CdmError extends BackendCallError {
  constructor(message: string, details: { method: string; url: string; mayHaveReachedBackend: boolean; cause?: unknown }) {
    super(message, details);
    this.name = 'CdmError';
  }
}

export class CdmNetworkError extends CdmError {
  readonly code: string | undefined;

  constructor(details: { method: string; url: string; code: string | undefined; mayHaveReachedBackend: boolean; cause: unknown }) {
    super(`network error${details.code ? ` ${details.code}` : ''}: ${details.cause instanceof Error ? details.cause.message : String(details.cause)}`, details);
    this.name = 'CdmNetworkError';
    this.code = details.code;
  }
}

export class CdmTimeoutError extends CdmError {
  readonly phase: 'connect' | 'headers' | 'body' | 'deadline';

  constructor(details: { method: string; url: string; phase: CdmTimeoutError['phase']; cause?: unknown }) {
    super(`timed out waiting for ${details.phase === 'deadline' ? 'the call deadline' : details.phase}`, {
      ...details,
      mayHaveReachedBackend: details.phase !== 'connect',
    });
    this.name = 'CdmTimeoutError';
    this.phase = details.phase;
  }
}

/** An answer in neither error shape, or a success whose body is not what the API returns. */
export class CdmHttpError extends CdmError {
  readonly status: number;
  readonly bodySnippet: string;

  constructor(details: { method: string; url: string; status: number; bodySnippet: string; problem: string }) {
    super(`HTTP ${details.status}, ${details.problem}${details.bodySnippet ? ` (${scrubSecrets(details.bodySnippet)})` : ''}`, {
      ...details,
      mayHaveReachedBackend: true,
    });
    this.name = 'CdmHttpError';
    this.status = details.status;
    this.bodySnippet = scrubSecrets(details.bodySnippet);
  }
}

/** An error answer with a code: CDM's (`Cdm.0100`) or the gateway's (`APIGW.0301`). */
export class CdmApiError extends CdmError {
  readonly status: number;
  readonly code: string;
  readonly apiMessage: string;

  constructor(details: { method: string; url: string; status: number; code: string; apiMessage: string }) {
    super(`HTTP ${details.status} ${details.code}: ${scrubSecrets(details.apiMessage)}`, { ...details, mayHaveReachedBackend: true });
    this.name = 'CdmApiError';
    this.status = details.status;
    this.code = details.code;
    this.apiMessage = scrubSecrets(details.apiMessage);
  }

  /** `Cdm.0100` job does not exist, whether it comes as 400 or 500 (backends-real §0.10); `Cdm.0054` as terraform treats it. */
  get isJobNotFound(): boolean {
    return this.code === 'Cdm.0100' || this.code === 'Cdm.0054';
  }

  /** The API gateway (or IAM behind it) refused the call before CDM saw it. */
  get isGatewayRefusal(): boolean {
    return /^APIGW?\./.test(this.code);
  }
}

/** A 200 whose `validation-result` holds an ERROR (create, stop): CDM did not do it. */
export class CdmValidationError extends CdmError {
  readonly messages: string[];

  constructor(details: { method: string; url: string; messages: string[] }) {
    super(`CDM refused: ${details.messages.map(scrubSecrets).join('; ')}`, { ...details, mayHaveReachedBackend: true });
    this.name = 'CdmValidationError';
    this.messages = details.messages.map(scrubSecrets);
  }
}

/** The candidate clusters could not all be asked where a job is (one did not answer, or two have the name). */
export class CdmProbeError extends CdmError {
  constructor(jobName: string, problem: string) {
    super(`cannot tell which cluster runs ${jobName}: ${problem}`, { method: 'GET', url: `(candidate clusters of ${jobName})`, mayHaveReachedBackend: true });
    this.name = 'CdmProbeError';
  }
}

/** A request that can never succeed as written: names the field (a dotted path) and the reason. */
export class RequestValidationError extends Error {
  readonly field: string;
  readonly reason: string;

  constructor(field: string, reason: string) {
    super(`${field}: ${reason}`);
    this.name = 'RequestValidationError';
    this.field = field;
    this.reason = reason;
  }
}

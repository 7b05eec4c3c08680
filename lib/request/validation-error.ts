/** One mistake of a request: the field at fault (a dotted path) and what is wrong with it. */
export interface ValidationIssue {
  field: string;
  reason: string;
}

/** Most errors the message spells out; `errors` keeps them all. */
const maxErrorsInMessage = 20;

/**
 * A request that can never succeed as written. `errors` holds every mistake found, in the order the request's
 * fields are checked; `field` and `reason` are the first of them (what callers that name one field read).
 */
export class RequestValidationError extends Error {
  readonly field: string;
  readonly reason: string;
  readonly errors: readonly ValidationIssue[];

  /** One error (`field`, `reason`), or a non-empty list of them. */
  constructor(field: string, reason: string);
  constructor(errors: readonly ValidationIssue[]);
  constructor(fieldOrErrors: string | readonly ValidationIssue[], reason?: string) {
    const errors = typeof fieldOrErrors === 'string' ? [{ field: fieldOrErrors, reason: reason ?? '' }] : fieldOrErrors.map((e) => ({ ...e }));
    if (errors.length === 0) throw new TypeError('a RequestValidationError needs at least one error');
    super(messageOf(errors));
    this.name = 'RequestValidationError';
    this.field = errors[0]!.field;
    this.reason = errors[0]!.reason;
    this.errors = errors;
  }
}

/** `dst: is required; srcType: must be one of …`, the first 20 of them and the count of the rest. */
function messageOf(errors: readonly ValidationIssue[]): string {
  // A field may be a key the request made up: a long one is cut short here (`field` keeps it whole).
  const shown = errors.slice(0, maxErrorsInMessage).map((e) => `${e.field.length > 200 ? `${e.field.slice(0, 200)}…` : e.field}: ${e.reason}`);
  const rest = errors.length - shown.length;
  return `${shown.join('; ')}${rest > 0 ? `; and ${rest} more error${rest === 1 ? '' : 's'}` : ''}`;
}

/**
 * Collects the errors of a request's checks instead of stopping at the first:
 *
 *   const issues = new ValidationIssues();
 *   const src = issues.check(() => requireName(fields, 'src'));   // the value, or undefined if it failed
 *   issues.throwIfAny();                                          // every error found, in order
 *
 * A check that throws a RequestValidationError of several errors contributes them all; any other error
 * is not a validation result and goes through.
 */
export class ValidationIssues {
  readonly #errors: ValidationIssue[] = [];

  check<T>(read: () => T): T | undefined {
    try {
      return read();
    } catch (error) {
      if (!(error instanceof RequestValidationError)) throw error;
      this.#errors.push(...error.errors);
      return undefined;
    }
  }

  /** Runs a check that returns nothing: true when it passed (for checks that only make sense after it). */
  ok(run: () => void): boolean {
    const before = this.#errors.length;
    this.check(run);
    return this.#errors.length === before;
  }

  add(field: string, reason: string): void {
    this.#errors.push({ field, reason });
  }

  get count(): number {
    return this.#errors.length;
  }

  throwIfAny(): void {
    if (this.#errors.length > 0) throw new RequestValidationError(this.#errors);
  }
}

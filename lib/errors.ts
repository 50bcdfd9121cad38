/** An error whose message tells the user what to fix; actions return it as data. */
export class UserFacingError extends Error {
  /** The form field the message belongs next to, when one field is to blame. */
  readonly field?: string;

  constructor(message?: string, options: { field?: string } = {}) {
    super(message);
    if (options.field !== undefined) this.field = options.field;
  }
}

/**
 * A failed upstream sign-in. Its message is meant for the sign-in page (no stack, no token contents);
 * `reason` is a short code for the logs and the audit.
 */
export class UpstreamSignInError extends Error {
  constructor(
    message: string,
    readonly reason: string,
  ) {
    super(message);
    this.name = 'UpstreamSignInError';
  }
}

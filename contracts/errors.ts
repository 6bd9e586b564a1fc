// The platform's named failure types. Activities throw `ApplicationFailure`s with one of these
// types; retry policies list the non-retryable ones, so bad input fails fast and transient
// trouble (a service not up yet) retries with backoff.
export enum ErrorType {
  /** A setting is missing or wrong: retrying cannot help. */
  InvalidConfiguration = 'InvalidConfiguration',
  /** A service refused our credentials or our permissions. */
  AccessDenied = 'AccessDenied',
  /** An applied schema migration was edited afterwards: the database and the files disagree. */
  SchemaDrift = 'SchemaDrift',
  /** An external command (terraform, ansible-playbook) exited with an error. */
  CommandFailed = 'CommandFailed',
}

/** Failures retrying cannot fix, for `nonRetryableErrorTypes` of retry policies. */
export const NON_RETRYABLE_ERROR_TYPES: string[] = [
  ErrorType.InvalidConfiguration,
  ErrorType.AccessDenied,
  ErrorType.SchemaDrift,
];

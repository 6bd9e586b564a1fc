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
  /** An external command failed in a way it says a later run may not (MySQL down, archive behind). */
  CommandFailedTransiently = 'CommandFailedTransiently',
  /** A pet API answered with something that is not the documented shape. */
  MalformedResponse = 'MalformedResponse',
  /** A pet API or image URL answered 404/410: the thing is gone. */
  SourceNotFound = 'SourceNotFound',
  /** The downloaded bytes are not an image (content type or magic bytes). */
  NotAnImage = 'NotAnImage',
  /** The image is larger than MAX_IMAGE_BYTES. */
  ImageTooLarge = 'ImageTooLarge',
  /** A breed name with nothing usable left after slugging. */
  InvalidBreedName = 'InvalidBreedName',
  /** A pet API or image server answered 429: retried after its Retry-After. */
  RateLimited = 'RateLimited',
  /** A pet API or image server answered 5xx. */
  UpstreamUnavailable = 'UpstreamUnavailable',
  /** A pet API call or an image download took longer than PET_API_TIMEOUT_MS. */
  SourceTimedOut = 'SourceTimedOut',
  /** A pet API or image server could not be reached: refused, reset, unknown host, no route. */
  SourceUnreachable = 'SourceUnreachable',
}

/** Failures retrying cannot fix, for `nonRetryableErrorTypes` of retry policies. */
export const NON_RETRYABLE_ERROR_TYPES: string[] = [
  ErrorType.InvalidConfiguration,
  ErrorType.AccessDenied,
  ErrorType.SchemaDrift,
  ErrorType.CommandFailed,
];

/** Bad input from the internet: the image (or the API answer) is rejected, the cycle goes on. */
export const REJECTION_ERROR_TYPES: string[] = [
  ErrorType.MalformedResponse,
  ErrorType.SourceNotFound,
  ErrorType.NotAnImage,
  ErrorType.ImageTooLarge,
  ErrorType.InvalidBreedName,
];

/**
 * Something failing for a while: retried with backoff (a 429 after its Retry-After). For the
 * internet, when the last attempt fails too, the image or API answer is rejected with this type
 * and the cycle goes on.
 */
export const TRANSIENT_ERROR_TYPES: string[] = [
  ErrorType.RateLimited,
  ErrorType.UpstreamUnavailable,
  ErrorType.SourceTimedOut,
  ErrorType.SourceUnreachable,
  ErrorType.CommandFailedTransiently,
];

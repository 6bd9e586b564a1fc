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
}

/** Failures retrying cannot fix, for `nonRetryableErrorTypes` of retry policies. */
export const NON_RETRYABLE_ERROR_TYPES: string[] = [
  ErrorType.InvalidConfiguration,
  ErrorType.AccessDenied,
  ErrorType.SchemaDrift,
];

/** Bad input from the internet: the image (or the API answer) is rejected, the cycle goes on. */
export const REJECTION_ERROR_TYPES: string[] = [
  ErrorType.MalformedResponse,
  ErrorType.SourceNotFound,
  ErrorType.NotAnImage,
  ErrorType.ImageTooLarge,
  ErrorType.InvalidBreedName,
];

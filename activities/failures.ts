// Turning service errors into the platform's typed failures. Transient errors (a service not
// up yet, a dropped connection) are rethrown unchanged so that Temporal retries them.
import { ApplicationFailure } from '@temporalio/common';
import { ErrorType } from '../contracts/errors';

export function invalidConfiguration(message: string, cause?: Error): ApplicationFailure {
  return ApplicationFailure.create({
    type: ErrorType.InvalidConfiguration,
    nonRetryable: true,
    message,
    cause,
  });
}

const MYSQL_ACCESS_ERRORS = new Set([
  'ER_ACCESS_DENIED_ERROR',
  'ER_DBACCESS_DENIED_ERROR',
  'ER_TABLEACCESS_DENIED_ERROR',
  'ER_SPECIFIC_ACCESS_DENIED_ERROR',
]);

/** MySQL refused the account or the statement's privileges: non-retryable; anything else retries. */
export function fromMysqlError(error: unknown, doing: string): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (error instanceof Error && typeof code === 'string' && MYSQL_ACCESS_ERRORS.has(code)) {
    return ApplicationFailure.create({
      type: ErrorType.AccessDenied,
      nonRetryable: true,
      message: `MySQL refused ${doing}: ${error.message}`,
      cause: error,
    });
  }
  return error;
}

const S3_ACCESS_ERRORS = new Set([
  'AccessDenied',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'Forbidden',
]);

/** The S3 store refused our credentials or permissions: non-retryable; anything else retries. */
export function fromS3Error(error: unknown, doing: string): unknown {
  const name = (error as { name?: unknown } | null)?.name;
  const status = (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
  if (
    error instanceof Error &&
    ((typeof name === 'string' && S3_ACCESS_ERRORS.has(name)) || status === 403)
  ) {
    return ApplicationFailure.create({
      type: ErrorType.AccessDenied,
      nonRetryable: true,
      // A refused HEAD has no body to name the error: the SDK calls it Unknown.
      message: `S3 refused ${doing}: ${name === 'Unknown' ? `HTTP ${status}` : `${error.name}: ${error.message}`}`,
      cause: error,
    });
  }
  return error;
}

/**
 * Domain errors thrown by services. They carry no GraphQL or HTTP types; the GraphQL layer maps
 * each kind to an error code and the CLI prints the message. Their messages are safe to show to
 * the caller; any other error is treated as internal and masked.
 */
export abstract class DomainError extends Error {
  abstract readonly code: string;
}

/** The input is malformed or breaks a rule; `path` names the offending field. */
export class ValidationError extends DomainError {
  readonly code = 'BAD_USER_INPUT';
  constructor(
    message: string,
    readonly path?: string,
  ) {
    super(path ? `${path}: ${message}` : message);
  }
}

/** No valid credentials were presented. */
export class UnauthenticatedError extends DomainError {
  readonly code = 'UNAUTHENTICATED';
}

/** The principal is known but may not do this. */
export class ForbiddenError extends DomainError {
  readonly code = 'FORBIDDEN';
}

/** The object does not exist, or the principal may not know that it does. */
export class NotFoundError extends DomainError {
  readonly code = 'NOT_FOUND';
}

/** Too many failed attempts from this caller; it may try again after `retryAfterSeconds`. */
export class RateLimitedError extends DomainError {
  readonly code = 'RATE_LIMITED';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

/** The request conflicts with the current state (e.g. a duplicate email). */
export class ConflictError extends DomainError {
  readonly code = 'CONFLICT';
}

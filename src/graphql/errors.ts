import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { DomainError, ValidationError } from '../core/errors';
import { isDatabaseUnavailable } from '../core/unavailable';

/** Codes whose messages were written for clients: GraphQL's own request errors and ours. */
const clientFacingCodes = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'RATE_LIMITED',
  'SERVICE_UNAVAILABLE',
]);

const unavailableMessage = 'The service is temporarily unavailable; retry later';

/** True for errors the server did not expect: these are logged in full and masked for the client. */
export function isUnexpected(error: unknown): boolean {
  const original = unwrapResolverError(error);
  if (original instanceof DomainError || isDatabaseUnavailable(original)) return false;
  if (original instanceof GraphQLError) return !clientFacingCodes.has(String(original.extensions.code));
  return true;
}

/**
 * Shapes every error the client sees: domain errors keep their message and get their code (and
 * the offending input path as `field`); GraphQL's own request errors pass; anything else becomes
 * INTERNAL_SERVER_ERROR with no detail. Never a stack trace.
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  const { message, locations, path } = formatted;
  if (original instanceof DomainError) {
    const field = original instanceof ValidationError ? original.path : undefined;
    return { message: original.message, locations, path, extensions: { code: original.code, ...(field ? { field } : {}) } };
  }
  if (isDatabaseUnavailable(original)) {
    return { message: unavailableMessage, locations, path, extensions: { code: 'SERVICE_UNAVAILABLE' } };
  }
  if (!isUnexpected(error)) {
    const { stacktrace: _stacktrace, ...extensions } = formatted.extensions ?? {};
    return { message, locations, path, extensions };
  }
  return { message: 'Internal server error', locations, path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
}

const unsentNameRewrites: [RegExp, string][] = [
  [/ ?Did you mean [^?]*\?/g, ''],
  [/Field "[^"]+" of required type "[^"]+" was not provided\./g, 'A required input field was not provided.'],
  [/^(Field|Directive) ("[^"]+") argument "[^"]+" of type "[^"]+" is required, but it was not provided\./, '$1 $2 is missing a required argument.'],
];

/**
 * A client-facing message without the schema names the caller did not send: suggestions of
 * fields and enum values, and the names of required fields and arguments it left out. With
 * introspection off in production, those would reveal the schema one typo at a time.
 */
export function withoutUnsentNames(message: string): string {
  return unsentNameRewrites.reduce((text, [pattern, replacement]) => text.replace(pattern, replacement), message);
}

/** `formatError` for production: the same, with messages that name only what the caller sent. */
export function formatErrorForProduction(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const shaped = formatError(formatted, error);
  return { ...shaped, message: withoutUnsentNames(shaped.message) };
}

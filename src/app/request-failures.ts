import type { FastifyRequest } from 'fastify';
import { GraphQLError } from 'graphql';
import { DATABASE_RETRY_AFTER_SECONDS, isDatabaseUnavailable } from '../core/unavailable';

/**
 * Logs, once and with the request id, a context builder's unexpected failure (the database away
 * while a token or an uncached key is looked up): Apollo answers it without calling any plugin
 * hook that knows the request. Refusals it throws on purpose (GraphQL errors) are logged where
 * they are decided. A database that cannot be reached becomes 503 SERVICE_UNAVAILABLE with
 * `Retry-After`, not a masked 500.
 */
export function loggingContextFailures<T>(build: (request: FastifyRequest) => Promise<T>): (request: FastifyRequest) => Promise<T> {
  return async (request) => {
    try {
      return await build(request);
    } catch (error) {
      if (isDatabaseUnavailable(error)) {
        request.log.warn({ err: error }, 'database unavailable while authenticating');
        throw new GraphQLError('The service is temporarily unavailable; retry later', {
          extensions: {
            code: 'SERVICE_UNAVAILABLE',
            http: { status: 503, headers: new Map([['retry-after', String(DATABASE_RETRY_AFTER_SECONDS)]]) },
          },
        });
      }
      if (!(error instanceof GraphQLError)) request.log.error({ err: error }, 'building the request context failed');
      throw error;
    }
  };
}

import type { FastifyRequest } from 'fastify';
import { GraphQLError } from 'graphql';

/**
 * Logs, once and with the request id, a context builder's unexpected failure (the database away
 * while a token or an uncached key is looked up): Apollo answers it without calling any plugin
 * hook that knows the request. Refusals it throws on purpose (GraphQL errors) are logged where
 * they are decided.
 */
export function loggingContextFailures<T>(build: (request: FastifyRequest) => Promise<T>): (request: FastifyRequest) => Promise<T> {
  return async (request) => {
    try {
      return await build(request);
    } catch (error) {
      if (!(error instanceof GraphQLError)) request.log.error({ err: error }, 'building the request context failed');
      throw error;
    }
  };
}

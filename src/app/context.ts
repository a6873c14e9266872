import type { MikroORM } from '@mikro-orm/postgresql';
import type { FastifyRequest } from 'fastify';
import { GraphQLError } from 'graphql';
import { ProjectAccess } from '../auth/project-access';
import type { GatewayContext } from '../graphql/context';
import { authenticate, type AuthFailure } from './authenticate';
import { createLoaders } from './loaders';
import type { Services } from './services';

function authError(failure: AuthFailure): GraphQLError {
  if (failure.kind === 'rate-limited') {
    return new GraphQLError('Too many failed authentication attempts; retry later', {
      extensions: {
        code: 'RATE_LIMITED',
        http: { status: 429, headers: new Map([['retry-after', String(failure.retryAfterSeconds)]]) },
      },
    });
  }
  const message = failure.scheme === 'Api-Key' ? 'Invalid API key' : 'Invalid or expired credentials';
  return new GraphQLError(message, {
    extensions: {
      code: 'UNAUTHENTICATED',
      http: { status: 401, headers: new Map([['www-authenticate', `${failure.scheme} realm="ps-gateway"`]]) },
    },
  });
}

/**
 * Builds each request's context: resolves the caller from its Authorization header, forks the
 * EntityManager and creates the request's DataLoaders. Refused credentials end the request here.
 */
export function contextBuilder(orm: MikroORM, services: Services) {
  return async (request: FastifyRequest): Promise<GatewayContext> => {
    const em = orm.em.fork();
    const outcome = await authenticate(services, em, request.headers.authorization, request.ip);
    if (!outcome.ok) {
      request.log.info({ failure: outcome.failure.kind }, 'authentication refused');
      throw authError(outcome.failure);
    }
    const { principal } = outcome;
    const userAgent = request.headers['user-agent'];
    return {
      em,
      principal,
      access: new ProjectAccess(em, principal),
      services,
      loaders: createLoaders(em, services.settings),
      client: { ip: request.ip, userAgent: typeof userAgent === 'string' ? userAgent : null },
      log: request.log as unknown as GatewayContext['log'],
    };
  };
}

import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { ProjectAccess } from '../auth/project-access';
import type { Principal } from '../auth/principal';

/** What the server observed about the caller. */
export interface ClientAddress {
  ip: string;
  userAgent: string | null;
}

/**
 * The process-wide domain services a resolver may call. Each domain adds its own members by
 * declaration merging (`declare module '../graphql/context'`), and the application's
 * `createServices` must supply them all, so no domain imports the composition layer.
 */
export interface GatewayServices {}

/** The request's DataLoaders, added by each domain the same way; `createLoaders` builds them. */
export interface GatewayLoaders {}

/**
 * Per-request context: everything here is created for this request and dropped after it.
 * `P` narrows the principal for a resolver whose rule admits only that kind of caller.
 */
export interface GatewayContext<P extends Principal = Principal> {
  em: EntityManager;
  principal: P;
  access: ProjectAccess;
  services: GatewayServices;
  loaders: GatewayLoaders;
  client: ClientAddress;
  log: Logger;
}

/**
 * Makes the rest of this request act as `principal`: a request that signs in (login) sees its
 * own payload as the user it just became.
 */
export function actAs(context: GatewayContext, principal: Principal): void {
  context.principal = principal;
  context.access = new ProjectAccess(context.em, principal);
}

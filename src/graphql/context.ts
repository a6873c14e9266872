import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import type { AuthContext } from '../auth/auth.directive';
import type { Services } from '../services';
import type { Loaders } from './loaders';

/** What the server observed about the caller. */
export interface ClientAddress {
  ip: string;
  userAgent: string | null;
}

/** Per-request context: everything here is created for this request and dropped after it. */
export interface GatewayContext extends AuthContext {
  em: EntityManager;
  services: Services;
  loaders: Loaders;
  client: ClientAddress;
  /**
   * Set once a resolver has recorded this request's heartbeat with the worker's report (heartbeat,
   * registerPipelines), which covers the plain end-of-request beat every keyed request gets.
   */
  heartbeatRecorded: boolean;
  log: Logger;
}

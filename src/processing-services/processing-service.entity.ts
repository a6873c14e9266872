import { Entity, Index, Property } from '@mikro-orm/core';
import { BaseEntity } from '../core/base.entity';
import type { ClientInfo } from './client-info';

/**
 * One ML backend. Its mode (push/pull) and status (online/offline) are derived from
 * `endpointUrl` and the heartbeat fields, never stored.
 */
@Entity({ tableName: 'processing_services' })
@Index({
  name: 'processing_services_push_health_index',
  expression: `create index "processing_services_push_health_index" on "processing_services" ("health_check_claimed_at") where coalesce(endpoint_url, '') <> ''`,
})
export class ProcessingService extends BaseEntity<
  | 'description'
  | 'endpointUrl'
  | 'lastSeen'
  | 'lastSeenLive'
  | 'lastSeenLatency'
  | 'lastSeenClientInfo'
  | 'lastSeenReadyPipelines'
  | 'lastCheckError'
  | 'healthCheckClaimedAt'
> {
  @Property({ type: 'string', length: 255 })
  name!: string;

  @Property({ type: 'text', default: '' })
  description: string = '';

  @Property({ type: 'string', length: 1024, nullable: true })
  endpointUrl?: string | null;

  @Property({ type: 'datetime', columnType: 'timestamptz', nullable: true })
  lastSeen?: Date | null;

  @Property({ type: 'boolean', nullable: true })
  lastSeenLive?: boolean | null;

  @Property({ type: 'double', nullable: true })
  lastSeenLatency?: number | null;

  @Property({ type: 'json', nullable: true })
  lastSeenClientInfo?: ClientInfo | null;

  /** Push mode: the pipeline slugs its last health check found ready. */
  @Property({ type: 'json', nullable: true })
  lastSeenReadyPipelines?: string[] | null;

  /** Push mode: why its last health check failed; null when it succeeded. */
  @Property({ type: 'text', nullable: true })
  lastCheckError?: string | null;

  /** Push mode: when a replica last took its health check, so that one check runs per interval among all replicas. */
  @Property({ type: 'datetime', columnType: 'timestamptz', nullable: true })
  healthCheckClaimedAt?: Date | null;
}

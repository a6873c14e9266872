import { Entity, Property } from '@mikro-orm/core';
import { BaseEntity } from '../core/base.entity';
import type { ClientInfo } from './client-info';

/**
 * One ML backend. Its mode (push/pull) and status (online/offline) are derived from
 * `endpointUrl` and the heartbeat fields, never stored.
 */
@Entity({ tableName: 'processing_services' })
export class ProcessingService extends BaseEntity<
  'description' | 'endpointUrl' | 'lastSeen' | 'lastSeenLive' | 'lastSeenLatency' | 'lastSeenClientInfo'
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
}

import { Entity, ManyToOne, PrimaryKey, PrimaryKeyProp, Property, type Ref } from '@mikro-orm/core';
import { ProcessingService } from './processing-service.entity';

/**
 * One worker of a processing service, as its heartbeats describe it: written behind by the
 * heartbeat flush (raw SQL upserts), listed while its last beat is within the online window, and
 * pruned some time after. `identity` tells the service's workers apart: the pod name or hostname
 * it reports, else the address and user agent the server observes.
 */
@Entity({ tableName: 'processing_service_workers' })
export class ProcessingServiceWorker {
  [PrimaryKeyProp]?: ['processingService', 'identity'];

  @ManyToOne(() => ProcessingService, { primary: true, ref: true, deleteRule: 'cascade' })
  processingService!: Ref<ProcessingService>;

  @PrimaryKey({ type: 'text' })
  identity!: string;

  @Property({ type: 'text', nullable: true })
  hostname?: string | null;

  @Property({ type: 'text', nullable: true })
  podName?: string | null;

  @Property({ type: 'text', nullable: true })
  software?: string | null;

  @Property({ type: 'text', nullable: true })
  version?: string | null;

  @Property({ type: 'text', nullable: true })
  platform?: string | null;

  @Property({ type: 'text', nullable: true })
  ip?: string | null;

  @Property({ type: 'text', nullable: true })
  userAgent?: string | null;

  @Property({ type: 'datetime', columnType: 'timestamptz' })
  firstSeen!: Date;

  @Property({ type: 'datetime', columnType: 'timestamptz' })
  lastSeen!: Date;
}

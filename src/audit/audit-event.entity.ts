import { ArrayType, Entity, Enum, Index, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { actorKinds, auditActions, type ActorKind, type AuditAction } from './audit-action';

/**
 * One entry of the append-only audit trail. It names its actor and objects by id and by a label
 * copied when it was written, never by foreign key: deleting a user, a service or a project leaves
 * its history as it was. A trigger refuses every update and delete of a row.
 */
@Entity({ tableName: 'audit_events' })
@Index({ name: 'audit_events_project_ids_index', expression: 'create index "audit_events_project_ids_index" on "audit_events" using gin ("project_ids")' })
@Index({ name: 'audit_events_processing_service_index', properties: ['processingServiceId', 'id'] })
export class AuditEvent {
  [OptionalProps]?: 'occurredAt' | 'projectIds' | 'details';

  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: number;

  @Property({ type: 'datetime', columnType: 'timestamptz', defaultRaw: 'now()' })
  occurredAt: Date = new Date();

  @Enum({ items: () => [...auditActions], nativeEnumName: undefined })
  action!: AuditAction;

  @Enum({ items: () => [...actorKinds], nativeEnumName: undefined })
  actorKind!: ActorKind;

  @Property({ type: 'integer', nullable: true })
  actorUserId?: number | null;

  @Property({ type: 'integer', nullable: true })
  actorProcessingServiceId?: number | null;

  @Property({ type: 'text' })
  actorLabel!: string;

  @Property({ type: 'string', length: 64, nullable: true })
  clientIp?: string | null;

  @Property({ type: 'string', length: 500, nullable: true })
  clientUserAgent?: string | null;

  @Property({ type: new ArrayType<number>(Number), columnType: 'integer[]', defaultRaw: `'{}'` })
  projectIds: number[] = [];

  @Property({ type: 'integer', nullable: true })
  processingServiceId?: number | null;

  @Property({ type: 'text', nullable: true })
  processingServiceLabel?: string | null;

  @Property({ type: 'string', length: 32, nullable: true })
  apiKeyPrefix?: string | null;

  @Property({ type: 'integer', nullable: true })
  targetUserId?: number | null;

  @Property({ type: 'string', length: 254, nullable: true })
  targetUserLabel?: string | null;

  @Property({ type: 'json', defaultRaw: `'{}'` })
  details: Record<string, unknown> = {};
}

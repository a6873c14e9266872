import type { EntityManager } from '@mikro-orm/postgresql';
import type { Principal } from '../auth/principal';
import type { ActorKind, AuditAction } from './audit-action';
import type { AuditOrigin } from './audit-origin';

/** Values a details object may hold: names, ids, roles, times. Never a key, token or password. */
export type AuditDetail = string | number | boolean | null | readonly string[] | readonly number[];

export interface AuditEventInput {
  action: AuditAction;
  /** The projects the event concerns. Default: the projects its service is linked to as it is written. */
  projectIds?: readonly number[];
  processingServiceId?: number;
  /** Default: the service's name as the event is written. */
  processingServiceLabel?: string;
  apiKeyPrefix?: string;
  /** The user a membership or login event is about. */
  targetUserId?: number;
  /** Default: that user's email as the event is written. */
  targetUserLabel?: string;
  details?: Record<string, AuditDetail>;
}

/** The columns' sizes: what the client sends must never make the change it is recorded with fail. */
const USER_AGENT_MAX = 500;
const IP_MAX = 64;

const actorKindOf: Record<Principal['kind'], ActorKind> = {
  user: 'USER',
  service: 'PROCESSING_SERVICE',
  system: 'OPERATOR',
  anonymous: 'ANONYMOUS',
};

const fixedLabels: Partial<Record<ActorKind, string>> = { OPERATOR: 'operator (CLI)', ANONYMOUS: 'anonymous' };

const pgIntArray = (ids: readonly number[]) => `{${ids.join(',')}}`;

/**
 * Appends an event to the audit trail through `em`: pass the transaction's EntityManager, so the
 * event commits or rolls back with the change it records. One statement; the labels of the actor,
 * the service and the target user are read by it, as they are at that moment.
 */
export async function recordAuditEvent(em: EntityManager, origin: AuditOrigin, event: AuditEventInput): Promise<void> {
  const { principal } = origin;
  const actorKind = actorKindOf[principal.kind];
  const actorUserId = principal.kind === 'user' ? principal.userId : null;
  const actorServiceId = principal.kind === 'service' ? principal.processingServiceId : null;
  const serviceId = event.processingServiceId ?? null;
  const targetUserId = event.targetUserId ?? null;
  await em.execute(
    `insert into audit_events (action, actor_kind, actor_user_id, actor_processing_service_id, actor_label, client_ip,
                               client_user_agent, project_ids, processing_service_id, processing_service_label,
                               api_key_prefix, target_user_id, target_user_label, details)
     values (?, ?, ?, ?,
             coalesce((select email from users where id = ?), (select name from processing_services where id = ?), ?),
             ?, ?,
             coalesce(?::integer[], array(select project_id from processing_service_projects where processing_service_id = ? order by project_id)),
             ?, coalesce(?, (select name from processing_services where id = ?)),
             ?, ?, coalesce(?, (select email from users where id = ?)),
             ?::jsonb)`,
    [
      event.action,
      actorKind,
      actorUserId,
      actorServiceId,
      actorUserId,
      actorServiceId,
      fixedLabels[actorKind] ?? `${actorKind.toLowerCase()} #${actorUserId ?? actorServiceId}`,
      origin.ip?.slice(0, IP_MAX) ?? null,
      origin.userAgent?.slice(0, USER_AGENT_MAX) ?? null,
      event.projectIds ? pgIntArray(event.projectIds) : null,
      serviceId,
      serviceId,
      event.processingServiceLabel ?? null,
      serviceId,
      event.apiKeyPrefix ?? null,
      targetUserId,
      event.targetUserLabel ?? null,
      targetUserId,
      JSON.stringify(event.details ?? {}),
    ],
  );
}

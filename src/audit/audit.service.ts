import type { EntityManager } from '@mikro-orm/postgresql';
import { ValidationError } from '../core/errors';
import type { ActorKind, AuditAction } from './audit-action';
import type { AuditOrigin } from './audit-origin';
import { recordAuditEvent } from './audit-trail';

export const AUDIT_PAGE_MAX = 100;

/** An audit event as it is shown. */
export interface AuditEventView {
  id: number;
  occurredAt: Date;
  action: AuditAction;
  actorKind: ActorKind;
  /** The acting user's or service's id; null for the operator and for anonymous callers. */
  actorId: number | null;
  actorLabel: string;
  ip: string | null;
  userAgent: string | null;
  projectIds: number[];
  processingServiceId: number | null;
  processingServiceLabel: string | null;
  apiKeyPrefix: string | null;
  targetUserId: number | null;
  targetUserLabel: string | null;
  details: Record<string, unknown>;
}

export interface AuditPage {
  nodes: AuditEventView[];
  totalCount: number;
  hasNextPage: boolean;
}

const columns = `id, occurred_at as "occurredAt", action, actor_kind as "actorKind",
  coalesce(actor_user_id, actor_processing_service_id) as "actorId", actor_label as "actorLabel", client_ip as ip,
  client_user_agent as "userAgent", project_ids as "projectIds", processing_service_id as "processingServiceId",
  processing_service_label as "processingServiceLabel", api_key_prefix as "apiKeyPrefix", target_user_id as "targetUserId",
  target_user_label as "targetUserLabel", details`;

type AuditEventRow = Omit<AuditEventView, 'occurredAt'> & { occurredAt: string };

const fromRow = ({ occurredAt, ...row }: AuditEventRow): AuditEventView => ({ ...row, occurredAt: new Date(occurredAt) });

function checkPageSize(first: number, name = 'first'): void {
  if (!Number.isInteger(first) || first < 1 || first > AUDIT_PAGE_MAX) throw new ValidationError(`must be 1 to ${AUDIT_PAGE_MAX}`, name);
}

/**
 * Events of each of `serviceIds`, `first` at a time after the cursor id: two queries for any
 * number of services, so a page of services with their events costs no query per service.
 */
export async function servicePages(
  em: EntityManager,
  serviceIds: readonly number[],
  first: number,
  afterId: number | null,
): Promise<Map<number, AuditPage>> {
  checkPageSize(first);
  const after = afterId === null ? '' : 'and id < ?';
  const [rows, counts] = await Promise.all([
    em.execute<(AuditEventRow & { processingServiceId: number })[]>(
      `select ${columns} from (
         select *, row_number() over (partition by processing_service_id order by id desc) as place
           from audit_events where processing_service_id in (?) ${after}
       ) ranked where place <= ? order by id desc`,
      afterId === null ? [[...serviceIds], first + 1] : [[...serviceIds], afterId, first + 1],
    ),
    em.execute<{ id: number; count: string }[]>(
      'select processing_service_id as id, count(*) from audit_events where processing_service_id in (?) group by 1',
      [[...serviceIds]],
    ),
  ]);
  const totals = new Map(counts.map((row) => [row.id, Number(row.count)]));
  const pages = new Map<number, AuditPage>(serviceIds.map((id) => [id, { nodes: [], totalCount: totals.get(id) ?? 0, hasNextPage: false }]));
  for (const row of rows) {
    const page = pages.get(row.processingServiceId)!;
    if (page.nodes.length < first) page.nodes.push(fromRow(row));
    else page.hasNextPage = true;
  }
  return pages;
}

/** Which events to read: those of one project or one service, or every event when neither is given. */
export interface AuditFilter {
  projectId?: number;
  processingServiceId?: number;
}

/** The SQL condition (with its parameters) that selects a filter's events, with `extra` and-ed on. */
function conditionsOf(filter: AuditFilter, extra: { sql: string; params: unknown[] }[] = []): { where: string; params: unknown[] } {
  const conditions = [...extra];
  if (filter.projectId !== undefined) conditions.push({ sql: 'project_ids @> array[?]::integer[]', params: [filter.projectId] });
  if (filter.processingServiceId !== undefined) conditions.push({ sql: 'processing_service_id = ?', params: [filter.processingServiceId] });
  if (conditions.length === 0) return { where: '', params: [] };
  return { where: `where ${conditions.map((condition) => condition.sql).join(' and ')}`, params: conditions.flatMap((condition) => condition.params) };
}

/** Reads the audit trail, newest first. Who may read which events is the caller's rule to enforce. */
export class AuditService {
  /** A filter's events, `first` at a time after the cursor id. */
  async list(em: EntityManager, filter: AuditFilter, first: number, afterId: number | null): Promise<AuditPage> {
    checkPageSize(first);
    const page = conditionsOf(filter, afterId === null ? [] : [{ sql: 'id < ?', params: [afterId] }]);
    const all = conditionsOf(filter);
    const [rows, [count]] = await Promise.all([
      em.execute<AuditEventRow[]>(`select ${columns} from audit_events ${page.where} order by id desc limit ?`, [...page.params, first + 1]),
      em.execute<{ count: string }[]>(`select count(*) from audit_events ${all.where}`, all.params),
    ]);
    return { nodes: rows.slice(0, first).map(fromRow), totalCount: Number(count?.count ?? 0), hasNextPage: rows.length > first };
  }

  /**
   * Removes the events that occurred before `before`, and records that it did, in one transaction:
   * the trail's trigger lets a delete through only for events older than the cut-off set here.
   */
  async prune(em: EntityManager, origin: AuditOrigin, before: Date): Promise<number> {
    return em.transactional(async (tx) => {
      await tx.execute(`select set_config('psgw.audit_prune_before', ?, true)`, [before.toISOString()]);
      // Counted in the database: a long-unpruned trail can hold millions of rows to remove.
      const [{ count }] = await tx.execute<[{ count: string }]>(
        'with deleted as (delete from audit_events where occurred_at < ? returning 1) select count(*) from deleted',
        [before],
      );
      const deleted = Number(count);
      await recordAuditEvent(tx, origin, { action: 'AUDIT_PRUNED', projectIds: [], details: { before: before.toISOString(), deleted } });
      return deleted;
    });
  }

  /** The newest `limit` events of a filter (the operator's view). */
  async recent(em: EntityManager, filter: AuditFilter, limit: number): Promise<AuditEventView[]> {
    checkPageSize(limit, 'limit');
    const { where, params } = conditionsOf(filter);
    const rows = await em.execute<AuditEventRow[]>(`select ${columns} from audit_events ${where} order by id desc limit ?`, [...params, limit]);
    return rows.map(fromRow);
  }
}

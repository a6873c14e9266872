import { ValidationError } from '../core/errors';
import { parseId } from '../core/ids';
import type { AuditPage } from './audit.service';
import type { AuditEventConnection } from './audit.type';

/** The list a cursor was issued for: a project's events, a service's, or every event. */
export type AuditList = { of: 'project' | 'service'; id: number } | { of: 'all' };

const idOf = (list: AuditList) => (list.of === 'all' ? '' : String(list.id));

const CURSOR_TAG = 'audit';

/** A cursor names its list, so it cannot be replayed against another one. */
function encodeCursor(list: AuditList, eventId: number): string {
  return Buffer.from(`${CURSOR_TAG}:${list.of}:${idOf(list)}:${eventId}`).toString('base64url');
}

/** The event id after which the next page starts; null without a cursor. */
export function decodeAuditCursor(after: string | null | undefined, list: AuditList): number | null {
  if (after === null || after === undefined) return null;
  const parts = Buffer.from(after, 'base64url').toString().split(':');
  const [tag, of, id, eventId] = parts;
  if (parts.length !== 4 || tag !== CURSOR_TAG || of !== list.of || id !== idOf(list) || eventId === undefined) {
    throw new ValidationError('is not a cursor of this list', 'after');
  }
  return parseId(eventId, 'after');
}

export function auditConnection(page: AuditPage, list: AuditList): AuditEventConnection {
  const edges = page.nodes.map((node) => ({ cursor: encodeCursor(list, node.id), node }));
  return {
    edges,
    totalCount: page.totalCount,
    pageInfo: { hasNextPage: page.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null },
  };
}

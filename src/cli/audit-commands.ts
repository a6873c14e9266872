import { operatorOrigin } from '../audit/audit-origin';
import { AUDIT_PAGE_MAX, type AuditEventView } from '../audit/audit.service';
import { parseId } from '../core/ids';
import { UsageError, type Command } from './command';
import { formatTime, table } from './format';

const DEFAULT_LIMIT = 50;

function parseLimit(value: string | boolean | undefined): number {
  if (typeof value !== 'string') return DEFAULT_LIMIT;
  const limit = /^\d{1,9}$/.test(value) ? Number(value) : 0;
  if (limit < 1 || limit > AUDIT_PAGE_MAX) throw new UsageError(`--limit: expected a whole number from 1 to ${AUDIT_PAGE_MAX}`);
  return limit;
}

const optionalId = (value: string | boolean | undefined, flag: string) => (typeof value === 'string' ? parseId(value, `--${flag}`) : undefined);

/** What an event was about, e.g. `projects 1,2; service 5 "adc"; key psk_AbCd1234`. */
function objectsOf(event: AuditEventView): string {
  const parts: string[] = [];
  if (event.projectIds.length > 0) parts.push(`project${event.projectIds.length > 1 ? 's' : ''} ${event.projectIds.join(',')}`);
  if (event.processingServiceId !== null) parts.push(`service ${event.processingServiceId} "${event.processingServiceLabel ?? ''}"`);
  if (event.apiKeyPrefix) parts.push(`key ${event.apiKeyPrefix}`);
  if (event.targetUserId !== null) parts.push(`user ${event.targetUserId} ${event.targetUserLabel ?? ''}`.trimEnd());
  return parts.join('; ') || '-';
}

function actorOf(event: AuditEventView): string {
  if (event.actorId === null) return event.actorLabel;
  return `${event.actorLabel} (${event.actorKind === 'USER' ? 'user' : 'service'} ${event.actorId})`;
}

const auditList: Command = {
  name: 'audit list',
  positionals: [],
  options: {
    project: { type: 'string', value: '<id>', help: 'only events concerning this project' },
    service: { type: 'string', value: '<id>', help: 'only events of this processing service and its keys' },
    limit: { type: 'string', value: '<N>', help: `show the newest N events (default ${DEFAULT_LIMIT}, at most ${AUDIT_PAGE_MAX})` },
  },
  summary: 'List the audit trail, newest first: keys, services, members and repeated failed logins.',
  details: [
    'Each event shows who acted (user, service or operator) from which address and user agent, and on',
    'which objects. Without --project or --service every event is listed, failed logins among them.',
  ],
  async prepare({ values }) {
    const filter = { projectId: optionalId(values.project, 'project'), processingServiceId: optionalId(values.service, 'service') };
    const limit = parseLimit(values.limit);
    return async ({ em, services, out }) => {
      const events = await services.audit.recent(em, filter, limit);
      if (events.length === 0) {
        out('No audit events.');
        return;
      }
      const rows = events.map((event) => [
        String(event.id),
        formatTime(event.occurredAt),
        event.action,
        actorOf(event),
        event.ip ?? '-',
        objectsOf(event),
        JSON.stringify(event.details),
        event.userAgent ?? '-',
      ]);
      for (const line of table(['ID', 'TIME', 'ACTION', 'ACTOR', 'ADDRESS', 'OBJECTS', 'DETAILS', 'USER AGENT'], rows)) out(line);
    };
  },
};

const DAY_MS = 24 * 3600 * 1000;
const MAX_RETENTION_DAYS = 36_500;

const auditPrune: Command = {
  name: 'audit prune',
  positionals: [],
  options: {
    'older-than-days': { type: 'string', value: '<N>', help: 'remove the events that occurred more than N days ago (required)' },
  },
  summary: 'Remove audit events older than a number of days (retention), recording the pruning itself.',
  details: [
    'The trail is otherwise append-only: the database refuses any other update or delete. The pruning',
    'is an AUDIT_PRUNED event of its own, with the cut-off and the number of events removed.',
  ],
  async prepare({ values }) {
    const days = values['older-than-days'];
    const olderThanDays = typeof days === 'string' && /^\d{1,6}$/.test(days) ? Number(days) : 0;
    if (olderThanDays < 1 || olderThanDays > MAX_RETENTION_DAYS) {
      throw new UsageError(`--older-than-days: expected a whole number of days from 1 to ${MAX_RETENTION_DAYS}`);
    }
    return async ({ em, services, out }) => {
      const before = new Date(Date.now() - olderThanDays * DAY_MS);
      const deleted = await services.audit.prune(em, operatorOrigin, before);
      out(`Removed ${deleted} audit event${deleted === 1 ? '' : 's'} that occurred before ${formatTime(before)}.`);
    };
  },
};

export const auditCommands: Command[] = [auditList, auditPrune];

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

export const auditCommands: Command[] = [auditList];

import type { TestGateway } from '../support/gateway';
import { dataOf } from '../support/world';

export const EVENT_FIELDS = `id occurredAt action actorKind actorId actorLabel ip userAgent projectIds processingServiceId
  processingServiceLabel apiKeyPrefix targetUserId targetUserLabel details`;

export interface AuditEventJson {
  id: string;
  occurredAt: string;
  action: string;
  actorKind: string;
  actorId: string | null;
  actorLabel: string;
  ip: string | null;
  userAgent: string | null;
  projectIds: string[];
  processingServiceId: string | null;
  processingServiceLabel: string | null;
  apiKeyPrefix: string | null;
  targetUserId: string | null;
  targetUserLabel: string | null;
  details: Record<string, unknown>;
}

/** A project's events through the root query, newest first. */
export async function projectEvents(gw: TestGateway, projectId: string, headers: Record<string, string>, first = 100): Promise<AuditEventJson[]> {
  const { auditEvents } = dataOf(
    await gw.gql<{ auditEvents: { edges: { node: AuditEventJson }[] } }>(
      `query ($projectId: ID!, $first: Int!) { auditEvents(projectId: $projectId, first: $first) { edges { node { ${EVENT_FIELDS} } } } }`,
      { projectId, first },
      headers,
    ),
  );
  return auditEvents.edges.map((edge) => edge.node);
}

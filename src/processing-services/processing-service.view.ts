import type { OptionalProps } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { ProcessingService } from './processing-service.entity';

/** What the GraphQL type shows of a service (all but the push runner's claim): an entity has it, and so has a plain read. */
export type ProcessingServiceView = Omit<ProcessingService, typeof OptionalProps | 'healthCheckClaimedAt'>;

/** Raw rows carry timestamps as PostgreSQL text (the ORM's pg setting), e.g. `2026-01-02 10:00:00.1+00`. */
type ProcessingServiceRow = Omit<ProcessingServiceView, 'lastSeen' | 'createdAt' | 'updatedAt'> & {
  lastSeen: string | null;
  createdAt: string;
  updatedAt: string;
};

/**
 * Services by id as plain rows, in no particular order. Reads for display skip the ORM: building
 * its query for one primary key cost several times the statement, and hydrating a page of entities
 * into the identity map several times more again.
 */
export async function readProcessingServices(em: EntityManager, ids: readonly number[]): Promise<ProcessingServiceView[]> {
  if (ids.length === 0) return [];
  const rows = await em.execute<ProcessingServiceRow[]>(
    `select id, name, description, endpoint_url as "endpointUrl", last_seen as "lastSeen", last_seen_live as "lastSeenLive",
            last_seen_latency as "lastSeenLatency", last_seen_client_info as "lastSeenClientInfo",
            last_seen_ready_pipelines as "lastSeenReadyPipelines", last_check_error as "lastCheckError",
            created_at as "createdAt", updated_at as "updatedAt"
       from processing_services where id in (?)`,
    [[...ids]],
  );
  return rows.map(({ lastSeen, createdAt, updatedAt, ...row }) => ({
    ...row,
    lastSeen: lastSeen === null ? null : new Date(lastSeen),
    createdAt: new Date(createdAt),
    updatedAt: new Date(updatedAt),
  }));
}

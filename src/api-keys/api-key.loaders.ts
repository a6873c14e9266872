import type { EntityManager } from '@mikro-orm/postgresql';
import { loaderByKey, loaderOfGroups } from '../graphql/batch';
import { toDate, type ApiKeyRow, type ApiKeyView } from './api-key.view';

const fromRow = (row: ApiKeyRow): ApiKeyView => ({
  ...row,
  createdAt: new Date(row.createdAt!),
  expiresAt: toDate(row.expiresAt),
  revokedAt: toDate(row.revokedAt),
  lastUsedAt: toDate(row.lastUsedAt),
});

export function apiKeyLoaders(em: EntityManager) {
  return {
    /** Keys by id, with what `ApiKey` shows. */
    apiKeyById: loaderByKey(
      async (ids: readonly number[]) =>
        (
          await em.execute<ApiKeyRow[]>(
            `select id, prefix, name, processing_service_id as "processingServiceId", created_at as "createdAt",
                    expires_at as "expiresAt", revoked_at as "revokedAt", last_used_at as "lastUsedAt"
               from api_keys where id in (?)`,
            [[...ids]],
          )
        ).map(fromRow),
      (key) => key.id,
    ),
    /** Prefix of each service's newest key that is neither revoked nor expired. */
    activeKeyPrefixByService: loaderByKey(
      (ids: readonly number[]) =>
        em.getKnex()('api_keys')
          .distinctOn('processing_service_id')
          .select('processing_service_id', 'prefix')
          .whereIn('processing_service_id', [...ids])
          .whereNull('revoked_at')
          .andWhere((q) => q.whereNull('expires_at').orWhere('expires_at', '>', em.getKnex().fn.now()))
          .orderBy([{ column: 'processing_service_id' }, { column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }]) as Promise<
          { processing_service_id: number; prefix: string }[]
        >,
      (row) => row.processing_service_id,
    ),
    /**
     * Each service's keys, newest first, as plain rows with what `ApiKey` shows (never the
     * digest): hydrating entities for a page of services cost several times the query.
     */
    apiKeysByService: loaderOfGroups(
      async (ids: readonly number[]) => {
        const rows = await em.execute<ApiKeyRow[]>(
          `select id, prefix, name, processing_service_id as "processingServiceId", created_at as "createdAt",
                  expires_at as "expiresAt", revoked_at as "revokedAt", last_used_at as "lastUsedAt"
             from api_keys where processing_service_id in (?) order by created_at desc, id desc`,
          [[...ids]],
        );
        return rows.map(fromRow);
      },
      (key) => key.processingServiceId,
    ),
  };
}

export type ApiKeyLoaders = ReturnType<typeof apiKeyLoaders>;

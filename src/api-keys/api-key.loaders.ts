import type { EntityManager } from '@mikro-orm/postgresql';
import { loaderByKey, loaderOfGroups } from '../graphql/batch';
import { ApiKey } from './api-key.entity';

export function apiKeyLoaders(em: EntityManager) {
  return {
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
    apiKeysByService: loaderOfGroups(
      (ids: readonly number[]) =>
        em.find(ApiKey, { processingService: { $in: [...ids] } }, { orderBy: { createdAt: 'desc', id: 'desc' } }),
      (key) => key.processingService.id,
    ),
  };
}

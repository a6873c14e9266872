import type { EntityManager } from '@mikro-orm/postgresql';
import { loaderByKey, loaderOfGroups } from '../graphql/batch';
import { readProcessingServices } from './processing-service.view';

export function processingServiceLoaders(em: EntityManager) {
  return {
    processingServiceById: loaderByKey(
      (ids: readonly number[]) => readProcessingServices(em, ids),
      (service) => service.id,
    ),
    /**
     * Each service's project links, by project id. Plain rows, not entities: a page of 100
     * services has hundreds of links, and hydrating them as entities cost several times the query.
     */
    projectLinksByService: loaderOfGroups(
      (ids: readonly number[]) =>
        em.execute<{ processingServiceId: number; projectId: number }[]>(
          `select processing_service_id as "processingServiceId", project_id as "projectId"
             from processing_service_projects where processing_service_id in (?) order by project_id`,
          [[...ids]],
        ),
      (link) => link.processingServiceId,
    ),
  };
}

export type ProcessingServiceLoaders = ReturnType<typeof processingServiceLoaders>;

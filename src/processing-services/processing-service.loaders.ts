import type { EntityManager } from '@mikro-orm/postgresql';
import { loaderByKey, loaderOfGroups } from '../graphql/batch';
import { ProcessingServiceProject } from './processing-service-project.entity';
import { ProcessingService } from './processing-service.entity';

export function processingServiceLoaders(em: EntityManager) {
  return {
    processingServiceById: loaderByKey(
      (ids: readonly number[]) => em.find(ProcessingService, { id: { $in: [...ids] } }),
      (service) => service.id,
    ),
    projectLinksByService: loaderOfGroups(
      (ids: readonly number[]) =>
        em.find(ProcessingServiceProject, { processingService: { $in: [...ids] } }, { orderBy: { project: 'asc' } }),
      (link) => link.processingService.id,
    ),
  };
}

import type { EntityManager } from '@mikro-orm/postgresql';
import { loaderByKey, loaderOfGroups } from '../graphql/batch';
import { CategoryMap } from './category-map.entity';
import { PipelineAlgorithm } from './pipeline-algorithm.entity';
import { ProcessingServicePipeline } from './processing-service-pipeline.entity';

export function pipelineLoaders(em: EntityManager) {
  return {
    /** Each pipeline's algorithm links, in pipeline order, with their algorithms loaded. */
    algorithmLinksByPipeline: loaderOfGroups(
      (ids: readonly number[]) =>
        em.find(
          PipelineAlgorithm,
          { pipeline: { $in: [...ids] } },
          { populate: ['algorithm'], orderBy: { pipeline: 'asc', position: 'asc' } },
        ),
      (link) => link.pipeline.id,
    ),
    /** Each service's pipeline links, by pipeline slug, with their pipelines loaded. */
    pipelineLinksByService: loaderOfGroups(
      (ids: readonly number[]) =>
        em.find(
          ProcessingServicePipeline,
          { processingService: { $in: [...ids] } },
          { populate: ['pipeline'], orderBy: { processingService: 'asc', pipeline: { slug: 'asc' } } },
        ),
      (link) => link.processingService.id,
    ),
    categoryMapById: loaderByKey(
      (ids: readonly number[]) => em.find(CategoryMap, { id: { $in: [...ids] } }),
      (map) => map.id,
    ),
  };
}

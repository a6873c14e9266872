import type { EntityManager } from '@mikro-orm/postgresql';
import { loaderOfGroups } from '../graphql/batch';
import { readServicePipelines } from './pipeline.views';

export function pipelineLoaders(em: EntityManager) {
  return {
    /** Each service's pipelines, by slug, with their algorithms and category maps. */
    pipelinesByService: loaderOfGroups(
      (ids: readonly number[]) => readServicePipelines(em, ids),
      (link) => link.processingServiceId,
    ),
  };
}

export type PipelineLoaders = ReturnType<typeof pipelineLoaders>;

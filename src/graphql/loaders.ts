import type { EntityManager } from '@mikro-orm/postgresql';
import { apiKeyLoaders } from '../api-keys/api-key.loaders';
import { pipelineLoaders } from '../pipelines/pipeline.loaders';
import { processingServiceLoaders } from '../processing-services/processing-service.loaders';
import { projectLoaders } from '../projects/project.loaders';
import { userLoaders } from '../users/user.loaders';

/** The request's DataLoaders: each relation costs one query per request level, not one per row. */
export function createLoaders(em: EntityManager) {
  return {
    ...userLoaders(em),
    ...projectLoaders(em),
    ...processingServiceLoaders(em),
    ...apiKeyLoaders(em),
    ...pipelineLoaders(em),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;

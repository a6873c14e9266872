import type { EntityManager } from '@mikro-orm/postgresql';
import { apiKeyLoaders } from '../api-keys/api-key.loaders';
import { auditLoaders } from '../audit/audit.loaders';
import type { GatewayLoaders } from '../graphql/context';
import { jobLoaders } from '../jobs/job.loaders';
import { pipelineLoaders } from '../pipelines/pipeline.loaders';
import { processingServiceLoaders } from '../processing-services/processing-service.loaders';
import { projectLoaders } from '../projects/project.loaders';
import { userLoaders } from '../users/user.loaders';

/** The request's DataLoaders: each relation costs one query per request level, not one per row. */
export function createLoaders(em: EntityManager, settings: { onlineWindowSeconds: number }): GatewayLoaders {
  // Object.assign rather than one literal of spreads: every request makes these, and spreading
  // that many objects is measurably slower on Node 20.
  return Object.assign({}, userLoaders(em), projectLoaders(em), processingServiceLoaders(em, settings), apiKeyLoaders(em), pipelineLoaders(em), jobLoaders(em), auditLoaders(em));
}

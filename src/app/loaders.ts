import type { EntityManager } from '@mikro-orm/postgresql';
import { apiKeyLoaders } from '../api-keys/api-key.loaders';
import { auditLoaders } from '../audit/audit.loaders';
import type { GatewayLoaders } from '../graphql/context';
import { jobLoaders } from '../jobs/job.loaders';
import { pipelineLoaders } from '../pipelines/pipeline.loaders';
import { processingServiceLoaders } from '../processing-services/processing-service.loaders';
import { projectLoaders } from '../projects/project.loaders';
import { userLoaders } from '../users/user.loaders';

interface LoaderSettings {
  onlineWindowSeconds: number;
}

type LoaderGroup = (em: EntityManager, settings: LoaderSettings) => object;

const groups: LoaderGroup[] = [userLoaders, projectLoaders, processingServiceLoaders, apiKeyLoaders, pipelineLoaders, jobLoaders, auditLoaders];

/** The request's loaders, each domain's group built on first use. */
class RequestLoaders {
  constructor(
    readonly em: EntityManager,
    readonly settings: LoaderSettings,
  ) {}
}

// A group's names, read once from a group built without a request: DataLoaders touch nothing
// until they load.
for (const group of groups) {
  for (const name of Object.keys(group(undefined as unknown as EntityManager, { onlineWindowSeconds: 0 }))) {
    if (name in RequestLoaders.prototype || name === 'em' || name === 'settings') throw new Error(`loader name ${name} is taken`);
    Object.defineProperty(RequestLoaders.prototype, name, {
      get(this: RequestLoaders) {
        const built = group(this.em, this.settings) as Record<string, unknown>;
        for (const [builtName, loader] of Object.entries(built)) Object.defineProperty(this, builtName, { value: loader });
        return built[name];
      },
    });
  }
}

/**
 * The request's DataLoaders: each relation costs one query per request level, not one per row.
 * Most requests (a heartbeat, a task lease) use none or one group, and building every group for
 * every request was a measurable part of their cost, so each group is built when first used.
 */
export function createLoaders(em: EntityManager, settings: LoaderSettings): GatewayLoaders {
  return new RequestLoaders(em, settings) as unknown as GatewayLoaders;
}

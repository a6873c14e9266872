import { createWorld as createBaseWorld, sql } from '../support/world';
import type { TestGateway } from '../support/gateway';

export { dataOf, errorOf, sql, unique } from '../support/world';

export const REGISTER = `
  mutation ($projectId: ID!, $pipelines: [PipelineConfigInput!]!, $clientInfo: ClientInfoInput) {
    registerPipelines(projectId: $projectId, pipelines: $pipelines, clientInfo: $clientInfo) {
      timestamp
      success
      pipelines { id slug name version description stages { key name description params { name key category } }
                  algorithms { id key version name taskType categoryMap { labels data version } } }
      pipelinesCreated { slug }
      algorithmsCreated { key version }
    }
  }`;

export interface RegisterResult {
  registerPipelines: {
    timestamp: string;
    success: boolean;
    pipelines: {
      id: string;
      slug: string;
      name: string;
      version: number;
      description: string;
      stages: unknown[];
      algorithms: { id: string; key: string; version: number; name: string; taskType: string; categoryMap: { labels: string[]; data: unknown[]; version: string | null } | null }[];
    }[];
    pipelinesCreated: { slug: string }[];
    algorithmsCreated: { key: string; version: number }[];
  };
}

/** The shared test world plus keyed workers: services linked to projects, each with an API key. */
export async function createWorld(gw: TestGateway) {
  const world = await createBaseWorld(gw);

  /** A pull-mode service linked to the projects, with an API key; returns its id and the auth header. */
  async function createWorker(projectIds: string[]): Promise<{ serviceId: string; headers: Record<string, string> }> {
    const serviceId = await world.createService({ projectIds });
    const { key } = await world.generateKey(serviceId);
    return { serviceId, headers: { authorization: `Api-Key ${key}`, 'user-agent': 'pipelines-test/1.0' } };
  }

  return { ...world, asAdmin: world.as(world.admin), createWorker };
}

/** A classifier with a small category map. */
export function classifier(key: string, version = 1, labels = ['moth', 'nonmoth']) {
  return {
    name: `${key} classifier`,
    key,
    version,
    taskType: 'CLASSIFICATION' as const,
    categoryMap: { labels, data: labels.map((label, index) => ({ index, label })), version: 'v1' },
  };
}

export function detector(key: string, version = 1) {
  return { name: `${key} detector`, key, version, taskType: 'DETECTION' as const };
}

export function pipeline<A>(slug: string, algorithms: A[], extra: Record<string, unknown> = {}) {
  return { name: `Pipeline ${slug}`, slug, version: 1, algorithms, ...extra };
}

export const PIPELINE_TABLES = [
  'pipelines',
  'algorithms',
  'category_maps',
  'pipeline_algorithms',
  'project_pipeline_configs',
  'processing_service_pipelines',
] as const;

/** Every row of the registration tables with its xmin: a row that was written gets a new xmin. */
export async function rowVersions(gw: TestGateway): Promise<Record<string, string[]>> {
  const versions: Record<string, string[]> = {};
  for (const table of PIPELINE_TABLES) {
    const rows = await sql<{ row: string }>(gw, `select ctid::text || ':' || xmin::text as row from ${table} order by 1`);
    versions[table] = rows.map((row) => row.row);
  }
  return versions;
}

export async function rowCounts(gw: TestGateway): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of PIPELINE_TABLES) {
    const [row] = await sql<{ count: string }>(gw, `select count(*) as count from ${table}`);
    counts[table] = Number(row!.count);
  }
  return counts;
}

import { expect } from 'vitest';
import { ADMIN, type GraphQLResponse, type TestGateway } from '../support/gateway';

/** Runs SQL on the gateway's own pool. */
export function sql<T = Record<string, any>>(gw: TestGateway, query: string, params: unknown[] = []): Promise<T[]> {
  return gw.database.orm.em.fork().getConnection().execute(query, params);
}

export function dataOf<T>(response: GraphQLResponse<T>): T {
  expect(response.body.errors, JSON.stringify(response.body.errors)).toBeUndefined();
  return response.body.data as T;
}

/** The single error of a failed response: its code and the input path it names. */
export function errorOf(response: GraphQLResponse): { code: string; field?: string; message: string } {
  expect(response.body.errors, JSON.stringify(response.body)).toHaveLength(1);
  const [error] = response.body.errors!;
  return { code: error!.extensions?.code, field: error!.extensions?.field, message: error!.message };
}

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

let counter = 0;
export function unique(label: string): string {
  counter += 1;
  return `${label}-${process.pid}-${counter}`;
}

/** The admin, projects and keyed processing services, created over HTTP. */
export async function createWorld(gw: TestGateway) {
  const admin = await gw.loginAs(ADMIN.email, ADMIN.password);
  const asAdmin = { authorization: admin };

  async function createProject(): Promise<string> {
    const created = dataOf(
      await gw.gql<{ createProject: { id: string } }>(
        'mutation ($input: CreateProjectInput!) { createProject(input: $input) { id } }',
        { input: { name: unique('project') } },
        asAdmin,
      ),
    );
    return created.createProject.id;
  }

  /** A pull-mode service linked to the projects, with an API key; returns its id and the auth header. */
  async function createWorker(projectIds: string[]): Promise<{ serviceId: string; headers: Record<string, string> }> {
    const created = dataOf(
      await gw.gql<{ createProcessingService: { id: string } }>(
        'mutation ($input: CreateProcessingServiceInput!) { createProcessingService(input: $input) { id } }',
        { input: { name: unique('service'), projectIds } },
        asAdmin,
      ),
    );
    const serviceId = created.createProcessingService.id;
    const generated = dataOf(
      await gw.gql<{ generateKey: { key: string } }>(
        'mutation ($id: ID!) { generateKey(processingServiceId: $id) { key } }',
        { id: serviceId },
        asAdmin,
      ),
    );
    return { serviceId, headers: { authorization: `Api-Key ${generated.generateKey.key}`, 'user-agent': 'pipelines-test/1.0' } };
  }

  return { admin, asAdmin, createProject, createWorker };
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

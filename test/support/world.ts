import { expect } from 'vitest';
import { ADMIN, type GraphQLResponse, type TestGateway } from './gateway';

export type Role = 'BASIC_MEMBER' | 'RESEARCHER' | 'IDENTIFIER' | 'ML_DATA_MANAGER' | 'PROJECT_MANAGER';

/** Runs SQL on the gateway's own pool (works on real PostgreSQL and on the embedded fallback). */
export function sql<T = Record<string, any>>(gw: TestGateway, query: string, params: unknown[] = []): Promise<T[]> {
  return gw.database.orm.em.fork().getConnection().execute(query, params);
}

/** The data of a response that must have succeeded. */
export function dataOf<T>(response: GraphQLResponse<T>): T {
  expect(response.body.errors, JSON.stringify(response.body.errors)).toBeUndefined();
  return response.body.data as T;
}

/** The single error of a response that must have failed: its code, field and path. */
export function errorOf(response: GraphQLResponse): { code: string; field?: string; message: string; path?: string[] } {
  expect(response.body.errors, JSON.stringify(response.body)).toHaveLength(1);
  const [error] = response.body.errors!;
  return { code: error!.extensions?.code, field: error!.extensions?.field, message: error!.message, path: error!.path };
}

let counter = 0;
/** A name no other test in this run uses. */
export function unique(label: string): string {
  counter += 1;
  return `${label}-${process.pid}-${counter}`;
}

/** A small world over HTTP: the bootstrapped admin creates users and projects and hands out roles. */
export async function createWorld(gw: Pick<TestGateway, 'gql' | 'loginAs'>) {
  const admin = await gw.loginAs(ADMIN.email, ADMIN.password);
  const as = (auth: string) => ({ authorization: auth });

  async function createUser(label = 'user'): Promise<{ id: string; email: string; auth: string }> {
    const email = `${unique(label)}@example.com`.toLowerCase();
    const password = 'correct-horse-battery';
    const created = dataOf(
      await gw.gql<{ createUser: { id: string } }>(
        'mutation ($input: CreateUserInput!) { createUser(input: $input) { id } }',
        { input: { email, password } },
        as(admin),
      ),
    );
    return { id: created.createUser.id, email, auth: await gw.loginAs(email, password) };
  }

  async function createProject(label = 'project'): Promise<string> {
    const created = dataOf(
      await gw.gql<{ createProject: { id: string } }>(
        'mutation ($input: CreateProjectInput!) { createProject(input: $input) { id } }',
        { input: { name: unique(label) } },
        as(admin),
      ),
    );
    return created.createProject.id;
  }

  async function addMember(projectId: string, email: string, role: Role): Promise<void> {
    dataOf(
      await gw.gql(
        'mutation ($projectId: ID!, $email: String!, $role: ProjectRole!) { addProjectMember(projectId: $projectId, email: $email, role: $role) { id } }',
        { projectId, email, role },
        as(admin),
      ),
    );
  }

  async function createService(
    input: { name?: string; description?: string; endpointUrl?: string | null; projectIds: string[] },
    auth = admin,
  ): Promise<string> {
    const created = dataOf(
      await gw.gql<{ createProcessingService: { id: string } }>(
        'mutation ($input: CreateProcessingServiceInput!) { createProcessingService(input: $input) { id } }',
        { input: { name: unique('service'), ...input } },
        as(auth),
      ),
    );
    return created.createProcessingService.id;
  }

  async function generateKey(processingServiceId: string, extra: { expiresAt?: string } = {}): Promise<{ key: string; prefix: string; id: string }> {
    const generated = dataOf(
      await gw.gql<{ generateKey: { key: string; apiKey: { id: string; prefix: string } } }>(
        'mutation ($id: ID!, $expiresAt: DateTime) { generateKey(processingServiceId: $id, expiresAt: $expiresAt) { key apiKey { id prefix } } }',
        { id: processingServiceId, ...extra },
        as(admin),
      ),
    );
    return { key: generated.generateKey.key, prefix: generated.generateKey.apiKey.prefix, id: generated.generateKey.apiKey.id };
  }

  return { admin, as, createUser, createProject, addMember, createService, generateKey };
}

export type World = Awaited<ReturnType<typeof createWorld>>;

/** Row counts of every table a processing-service mutation may write. */
export async function serviceTableCounts(gw: TestGateway): Promise<Record<string, number>> {
  const [row] = await sql<Record<string, string>>(
    gw,
    `select (select count(*) from processing_services) as services,
            (select count(*) from processing_service_projects) as links,
            (select count(*) from api_keys) as keys,
            (select count(*) from processing_service_pipelines) as pipeline_links`,
  );
  return Object.fromEntries(Object.entries(row!).map(([table, count]) => [table, Number(count)]));
}

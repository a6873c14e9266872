import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { createWorld, dataOf, errorOf, type World } from '../support/world';

const PAGE = `query ($projectId: ID!, $first: Int!, $after: String) {
  processingServices(projectId: $projectId, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id name } }
  }
}`;

interface Page {
  processingServices: {
    totalCount: number;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    edges: { cursor: string; node: { id: string; name: string } }[];
  };
}

let gw: TestGateway;
let world: World;
let projectId: string;
let otherProjectId: string;
/** Ids of the project's seven services, oldest first. */
let serviceIds: string[];
let otherServiceId: string;
let member: { auth: string };
let outsider: { auth: string };

beforeAll(async () => {
  gw = await startTestGateway();
  world = await createWorld(gw);
  projectId = await world.createProject();
  otherProjectId = await world.createProject();
  serviceIds = [];
  for (let i = 0; i < 7; i++) serviceIds.push(await world.createService({ name: `svc ${i}`, projectIds: [projectId] }));
  otherServiceId = await world.createService({ projectIds: [otherProjectId] });
  const memberUser = await world.createUser('member');
  await world.addMember(projectId, memberUser.email, 'BASIC_MEMBER');
  member = memberUser;
  outsider = await world.createUser('outsider');
});
afterAll(() => gw?.close());

async function page(auth: string, variables: { first: number; after?: string | null; projectId?: string }) {
  return gw.gql<Page>(PAGE, { projectId, ...variables }, { authorization: auth });
}

describe('processingServices pages newest first', () => {
  it('returns every service exactly once, in order, three at a time', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    const pages: number[] = [];
    for (;;) {
      const { processingServices }: Page = dataOf(await page(member.auth, { first: 3, after }));
      expect(processingServices.totalCount).toBe(7);
      pages.push(processingServices.edges.length);
      seen.push(...processingServices.edges.map((edge) => edge.node.id));
      for (const edge of processingServices.edges) expect(typeof edge.cursor).toBe('string');
      expect(processingServices.pageInfo.endCursor).toBe(processingServices.edges.at(-1)?.cursor ?? null);
      if (!processingServices.pageInfo.hasNextPage) break;
      after = processingServices.pageInfo.endCursor;
      expect(pages.length).toBeLessThan(10);
    }
    expect(pages).toEqual([3, 3, 1]);
    expect(seen).toEqual([...serviceIds].reverse());
  });

  it('uses the default page size when first is left out', async () => {
    const response = await gw.gql<Page>(
      'query ($projectId: ID!) { processingServices(projectId: $projectId) { totalCount edges { node { id } } pageInfo { hasNextPage } } }',
      { projectId },
      { authorization: member.auth },
    );
    const { processingServices } = dataOf(response);
    expect(processingServices.edges.map((edge) => edge.node.id)).toEqual([...serviceIds].reverse());
    expect(processingServices.pageInfo.hasNextPage).toBe(false);
  });

  it('never shows services of other projects', async () => {
    const { processingServices } = dataOf(await page(world.admin, { first: 100 }));
    expect(processingServices.edges.map((edge) => edge.node.id)).not.toContain(otherServiceId);
    const other = dataOf(await page(world.admin, { first: 100, projectId: otherProjectId }));
    expect(other.processingServices.edges.map((edge) => edge.node.id)).toEqual([otherServiceId]);
    expect(other.processingServices.totalCount).toBe(1);
  });

  it('returns an empty page for a project without services', async () => {
    const empty = await world.createProject();
    const { processingServices } = dataOf(await page(world.admin, { first: 5, projectId: empty }));
    expect(processingServices).toEqual({ totalCount: 0, pageInfo: { hasNextPage: false, endCursor: null }, edges: [] });
  });
});

describe('processingServices refuses bad paging input', () => {
  it.each([0, -1, 101, 1000])('first: %i is BAD_USER_INPUT naming first', async (first) => {
    const response = await page(member.auth, { first });
    expect(errorOf(response)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
    expect(response.body.data).toBeNull();
  });

  it('accepts the bounds 1 and 100', async () => {
    expect(dataOf(await page(member.auth, { first: 1 })).processingServices.edges).toHaveLength(1);
    expect(dataOf(await page(member.auth, { first: 100 })).processingServices.edges).toHaveLength(7);
  });

  it.each(['garbage', '', '!!!', Buffer.from('ps:abc').toString('base64url'), Buffer.from('user:1').toString('base64url')])(
    'a garbage cursor (%j) is BAD_USER_INPUT naming after',
    async (after) => {
      expect(errorOf(await page(member.auth, { first: 3, after }))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    },
  );

  it("another project's cursor is BAD_USER_INPUT", async () => {
    const other = dataOf(await page(world.admin, { first: 1, projectId: otherProjectId }));
    const foreign = other.processingServices.pageInfo.endCursor!;
    expect(errorOf(await page(world.admin, { first: 3, after: foreign }))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
  });
});

describe('processingServices is for project members', () => {
  it('is NOT_FOUND to a signed-in non-member, who may not learn the project exists', async () => {
    const response = await page(outsider.auth, { first: 3 });
    expect(errorOf(response).code).toBe('NOT_FOUND');
    expect(response.body.data).toBeNull();
  });

  it('is NOT_FOUND for an unknown project too (no existence oracle)', async () => {
    expect(errorOf(await page(outsider.auth, { first: 3, projectId: '999999' })).code).toBe('NOT_FOUND');
  });

  it('is UNAUTHENTICATED without credentials', async () => {
    const response = await gw.gql(PAGE, { projectId, first: 3 });
    expect(errorOf(response).code).toBe('UNAUTHENTICATED');
  });

  it('is NOT_FOUND to a member of another project only', async () => {
    const elsewhere = await world.createUser('elsewhere');
    await world.addMember(otherProjectId, elsewhere.email, 'PROJECT_MANAGER');
    expect(errorOf(await page(elsewhere.auth, { first: 3 })).code).toBe('NOT_FOUND');
  });

  it('is BAD_USER_INPUT for a malformed project id', async () => {
    expect(errorOf(await page(member.auth, { first: 3, projectId: 'abc' }))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'projectId' });
  });
});

describe('processingServices paging survives deletions', () => {
  it("a deleted service's cursor still continues the list after it", async () => {
    const project = await world.createProject();
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push(await world.createService({ projectIds: [project] }));
    const first = dataOf(await page(world.admin, { first: 2, projectId: project })).processingServices;
    expect(first.edges.map((edge) => edge.node.id)).toEqual([ids[3], ids[2]]);
    dataOf(await gw.gql('mutation ($id: ID!) { deleteProcessingService(id: $id) }', { id: ids[2] }, { authorization: world.admin }));
    const rest = dataOf(await page(world.admin, { first: 2, projectId: project, after: first.pageInfo.endCursor })).processingServices;
    expect(rest.edges.map((edge) => edge.node.id)).toEqual([ids[1], ids[0]]);
    expect(rest.totalCount).toBe(3);
    expect(rest.pageInfo.hasNextPage).toBe(false);
  });
});

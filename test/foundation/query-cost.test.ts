import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROCESSING_SERVICES_PAGE_FIELDS } from '../../examples/ui/processing-services-page';
import { queryCostLimit } from '../../src/app/server';
import { ADMIN, startTestGateway, type TestGateway } from '../support/gateway';

let gw: TestGateway;
let admin: { authorization: string };
let projectId: string;
beforeAll(async () => {
  gw = await startTestGateway();
  admin = { authorization: await gw.loginAs(ADMIN.email, ADMIN.password) };
  const project = await gw.gql('mutation { createProject(input: { name: "query cost" }) { id } }', {}, admin);
  projectId = project.body.data.createProject.id;
  for (const name of ['first service', 'second service']) {
    const created = await gw.gql(
      'mutation ($input: CreateProcessingServiceInput!) { createProcessingService(input: $input) { id } }',
      { input: { name, projectIds: [projectId] } },
      admin,
    );
    expect(created.body.errors).toBeUndefined();
  }
});
afterAll(() => gw?.close());

/** `copies` aliased UI pages in one operation, `first` as written by `first`. */
function pages(copies: number, first: string, variables = '$projectId: ID!'): string {
  const aliased = Array.from(
    { length: copies },
    (_, i) => `page${i}: processingServices(projectId: $projectId${first ? `, first: ${first}` : ''}) { ${PROCESSING_SERVICES_PAGE_FIELDS} }`,
  );
  return `query (${variables}) { ${aliased.join('\n')} }`;
}

function expectRefusedForCost({ status, body }: { status: number; body: { data?: unknown; errors?: any[] } }) {
  expect(status).toBe(400);
  expect(body.data ?? null).toBeNull();
  expect(body.errors).toHaveLength(1);
  expect(body.errors![0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  expect(body.errors![0].message).toMatch(new RegExp(`cost limit of ${queryCostLimit.maxCost} exceeded`, 'i'));
  expect(JSON.stringify(body)).not.toMatch(/stack|Syntax Error/i);
}

describe("the UI's full processing-service page is accepted", () => {
  it('with a literal first: 100', async () => {
    const { status, body } = await gw.gql(pages(1, '100'), { projectId }, admin);
    expect(body.errors).toBeUndefined();
    expect(status).toBe(200);
    expect(body.data.page0.totalCount).toBe(2);
    expect(body.data.page0.edges).toHaveLength(2);
  });

  it('with first: 100 in a variable', async () => {
    const { status, body } = await gw.gql(pages(1, '$first', '$projectId: ID!, $first: Int!'), { projectId, first: 100 }, admin);
    expect(body.errors).toBeUndefined();
    expect(status).toBe(200);
    expect(body.data.page0.edges).toHaveLength(2);
  });

  it('twice in one request', async () => {
    const { status, body } = await gw.gql(pages(2, '100'), { projectId }, admin);
    expect(body.errors).toBeUndefined();
    expect(status).toBe(200);
  });
});

describe('a request asking for too much is refused before it runs', () => {
  it('three full pages as literals', async () => {
    const before = gw.logs.length;
    expectRefusedForCost(await gw.gql(pages(3, '100'), { projectId }, admin));
    expect(gw.logs.slice(before).join('\n')).not.toMatch(/unexpected error/);
  });

  it('three full pages with first in a variable', async () => {
    expectRefusedForCost(await gw.gql(pages(3, '$first', '$projectId: ID!, $first: Int!'), { projectId, first: 100 }, admin));
  });

  it("three full pages with first from the variable's default", async () => {
    expectRefusedForCost(await gw.gql(pages(3, '$first', '$projectId: ID!, $first: Int = 100'), { projectId }, admin));
  });

  it("full pages with first left to the field's default (50)", async () => {
    expectRefusedForCost(await gw.gql(pages(6, ''), { projectId }, admin));
  });

  it('one page asking for a huge first', async () => {
    expectRefusedForCost(await gw.gql(pages(1, '$first', '$projectId: ID!, $first: Int!'), { projectId, first: 1_000_000 }, admin));
  });

  it('the same query text, judged by the page size each request asks for', async () => {
    const query = pages(2, '$first', '$projectId: ID!, $first: Int!');
    expect((await gw.gql(query, { projectId, first: 100 }, admin)).status).toBe(200);
    expectRefusedForCost(await gw.gql(query, { projectId, first: 200 }, admin));
    expect((await gw.gql(query, { projectId, first: 100 }, admin)).body.errors).toBeUndefined();
  });

  it('without credentials too (the check runs before any resolver)', async () => {
    expectRefusedForCost(await gw.gql(pages(3, '100'), { projectId }));
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordAuditEvent } from '../../src/audit/audit-trail';
import { anonymous } from '../../src/auth/principal';
import { countStatements, startTestGateway, type TestGateway } from '../support/gateway';
import { createWorld, dataOf, errorOf, sql, type World } from '../support/world';
import { EVENT_FIELDS, projectEvents } from './fixtures';

let gw: TestGateway;
let world: World;
let projectA: string;
let projectB: string;
let serviceA: string;
let keyA: string;
let managerA: Awaited<ReturnType<World['createUser']>>;
let managerB: Awaited<ReturnType<World['createUser']>>;
let memberA: Awaited<ReturnType<World['createUser']>>;

beforeAll(async () => {
  gw = await startTestGateway();
  world = await createWorld(gw);
  projectA = await world.createProject('audit-access-a');
  projectB = await world.createProject('audit-access-b');
  managerA = await world.createUser('audit-manager-a');
  managerB = await world.createUser('audit-manager-b');
  memberA = await world.createUser('audit-member-a');
  await world.addMember(projectA, managerA.email, 'PROJECT_MANAGER');
  await world.addMember(projectB, managerB.email, 'PROJECT_MANAGER');
  await world.addMember(projectA, memberA.email, 'ML_DATA_MANAGER');
  serviceA = await world.createService({ projectIds: [projectA] });
  await world.generateKey(serviceA);
  // The second key replaces the first: the trail has a rotation in it.
  keyA = (await world.generateKey(serviceA)).key;
  await world.createService({ projectIds: [projectB] });
});
afterAll(() => gw?.close());

const serviceEventsQuery = `query ($id: ID!, $first: Int!, $after: String) {
  processingService(id: $id) { id auditEvents(first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { cursor node { ${EVENT_FIELDS} } } } } }`;

describe('project managers and superusers read a project trail', () => {
  it('shows a manager of the project its events only', async () => {
    const events = await projectEvents(gw, projectA, world.as(managerA.auth));
    expect(events.length).toBeGreaterThan(0);
    for (const event of events) expect(event.projectIds).toContain(projectA);
    expect(events.map((event) => event.action)).toEqual(expect.arrayContaining(['SERVICE_CREATED', 'KEY_GENERATED', 'KEY_EXPIRED_BY_ROTATION', 'MEMBER_ADDED']));
    const ids = events.map((event) => Number(event.id));
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    const ofB = await projectEvents(gw, projectB, world.as(managerB.auth));
    expect(ofB.map((event) => event.id).filter((id) => events.some((event) => event.id === id))).toEqual([]);
  });

  it('refuses members below manager, managers of other projects, keys and anonymous callers', async () => {
    const query = 'query ($projectId: ID!) { auditEvents(projectId: $projectId) { totalCount } }';
    const ask = (headers: Record<string, string>) => gw.gql(query, { projectId: projectA }, headers);
    expect(errorOf(await ask(world.as(memberA.auth))).code).toBe('FORBIDDEN');
    expect(errorOf(await ask(world.as(managerB.auth))).code).toBe('NOT_FOUND');
    expect(errorOf(await ask({ authorization: `Api-Key ${keyA}` })).code).toBe('FORBIDDEN');
    expect(errorOf(await ask({})).code).toBe('UNAUTHENTICATED');
    expect(dataOf(await ask(world.as(world.admin))).auditEvents.totalCount).toBeGreaterThan(0);
  });

  it('pages with cursors that belong to their list', async () => {
    const all = await projectEvents(gw, projectA, world.as(managerA.auth));
    type Page = { auditEvents: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null }; edges: { node: { id: string } }[] } };
    const page = (after: string | null) =>
      gw.gql<Page>(
        'query ($p: ID!, $after: String) { auditEvents(projectId: $p, first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { id } } } }',
        { p: projectA, after },
        world.as(managerA.auth),
      );
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const { auditEvents }: Page = dataOf(await page(after));
      expect(auditEvents.totalCount).toBe(all.length);
      seen.push(...auditEvents.edges.map((edge) => edge.node.id));
      if (!auditEvents.pageInfo.hasNextPage) break;
      after = auditEvents.pageInfo.endCursor;
    }
    expect(seen).toEqual(all.map((event) => event.id));

    const { auditEvents } = dataOf(await page(null));
    const replayed = await gw.gql('query ($p: ID!, $after: String) { auditEvents(projectId: $p, after: $after) { totalCount } }', { p: projectB, after: auditEvents.pageInfo.endCursor }, world.as(world.admin));
    expect(errorOf(replayed)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    for (const first of [0, 101]) {
      const refused = await gw.gql('query ($p: ID!, $first: Int!) { auditEvents(projectId: $p, first: $first) { totalCount } }', { p: projectA, first }, world.as(managerA.auth));
      expect(errorOf(refused)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
    }
  });
});

describe('superusers read the whole trail', () => {
  type AllPage = { allAuditEvents: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null }; edges: { node: { id: string; action: string; projectIds: string[] } }[] } };
  const allQuery = 'query ($first: Int, $after: String) { allAuditEvents(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { id action projectIds } } } }';

  it('lists every project and what belongs to none, newest first, page by page', async () => {
    // As the login limiter records it; failing logins here would lock this file's other sign-ins out.
    await recordAuditEvent(gw.database.orm.em.fork(), { principal: anonymous, ip: '192.0.2.7', userAgent: null }, {
      action: 'LOGIN_FAILURES_REPEATED',
      details: { failures: 10 },
    });
    const seen: AllPage['allAuditEvents']['edges'][number]['node'][] = [];
    let after: string | null = null;
    let totalCount = 0;
    for (;;) {
      const { allAuditEvents }: AllPage = dataOf(await gw.gql<AllPage>(allQuery, { first: 3, after }, world.as(world.admin)));
      totalCount = allAuditEvents.totalCount;
      seen.push(...allAuditEvents.edges.map((edge) => edge.node));
      if (!allAuditEvents.pageInfo.hasNextPage) break;
      after = allAuditEvents.pageInfo.endCursor;
    }
    const [{ count }] = await sql<{ count: string }>(gw, 'select count(*) from audit_events');
    expect(seen).toHaveLength(Number(count));
    expect(totalCount).toBe(Number(count));
    const ids = seen.map((event) => Number(event.id));
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    const projects = new Set(seen.flatMap((event) => event.projectIds));
    expect([...projects]).toEqual(expect.arrayContaining([projectA, projectB]));
    expect(seen.some((event) => event.projectIds.length === 0)).toBe(true);
  });

  it('refuses everyone else, and cursors of another list', async () => {
    for (const headers of [world.as(managerA.auth), world.as(memberA.auth), { authorization: `Api-Key ${keyA}` }]) {
      expect(errorOf(await gw.gql(allQuery, {}, headers)).code).toBe('FORBIDDEN');
    }
    expect(errorOf(await gw.gql(allQuery, {}, {})).code).toBe('UNAUTHENTICATED');
    const ofProject = dataOf(
      await gw.gql('query ($p: ID!) { auditEvents(projectId: $p, first: 1) { pageInfo { endCursor } } }', { p: projectA }, world.as(world.admin)),
    ).auditEvents.pageInfo.endCursor;
    expect(errorOf(await gw.gql(allQuery, { after: ofProject }, world.as(world.admin)))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
  });
});

describe("a service's page shows its trail", () => {
  it("gives the service's managers its events, newest first, page by page", async () => {
    const firstPage = dataOf(await gw.gql(serviceEventsQuery, { id: serviceA, first: 2 }, world.as(managerA.auth))).processingService.auditEvents;
    expect(firstPage.totalCount).toBe(4);
    expect(firstPage.edges.map((edge: { node: { action: string } }) => edge.node.action)).toEqual(['KEY_GENERATED', 'KEY_EXPIRED_BY_ROTATION']);
    expect(firstPage.pageInfo.hasNextPage).toBe(true);
    const next = dataOf(await gw.gql(serviceEventsQuery, { id: serviceA, first: 2, after: firstPage.pageInfo.endCursor }, world.as(managerA.auth)))
      .processingService.auditEvents;
    expect(next.edges.map((edge: { node: { action: string } }) => edge.node.action)).toEqual(['KEY_GENERATED', 'SERVICE_CREATED']);
    expect(next.pageInfo.hasNextPage).toBe(false);
    for (const edge of [...firstPage.edges, ...next.edges]) expect(edge.node.processingServiceId).toBe(serviceA);
  });

  it("shows a service's managers now the events from before it joined their project", async () => {
    const moved = await world.createService({ projectIds: [projectB] });
    await world.generateKey(moved);
    dataOf(
      await gw.gql(
        'mutation ($id: ID!, $input: UpdateProcessingServiceInput!) { updateProcessingService(id: $id, input: $input) { id } }',
        { id: moved, input: { projectIds: [projectA] } },
        world.as(world.admin),
      ),
    );
    const response = await gw.gql(serviceEventsQuery, { id: moved, first: 10 }, world.as(managerA.auth));
    const events = dataOf(response).processingService.auditEvents.edges.map((edge: { node: { action: string; projectIds: string[] } }) => edge.node);
    expect(events.map((event: { action: string }) => event.action)).toEqual(['SERVICE_UPDATED', 'KEY_GENERATED', 'SERVICE_CREATED']);
    // Written while the service was in project B only, and still readable by the manager of A.
    expect(events[1].projectIds).toEqual([projectB]);
  });

  it('answers null with FORBIDDEN to members below manager and to the service own key, the rest of the service resolving', async () => {
    for (const headers of [world.as(memberA.auth), { authorization: `Api-Key ${keyA}` }]) {
      const response = await gw.gql(serviceEventsQuery, { id: serviceA, first: 5 }, headers);
      expect(response.body.data.processingService).toEqual({ id: serviceA, auditEvents: null });
      expect(errorOf(response)).toMatchObject({ code: 'FORBIDDEN', path: ['processingService', 'auditEvents'] });
    }
  });

  it('reads the events of a page of services in the same number of statements, however many services', async () => {
    const query = `query ($p: ID!) { processingServices(projectId: $p, first: 100) { edges { node { id auditEvents(first: 3) { totalCount edges { node { ${EVENT_FIELDS} } } } } } } }`;
    const project = await world.createProject('audit-many');
    // A manager, not a superuser: the rules on every service and event are checked too.
    const manager = await world.createUser('audit-many-manager');
    await world.addMember(project, manager.email, 'PROJECT_MANAGER');
    const statementsFor = async () => {
      const { result, statements } = await countStatements(gw, () => gw.gql(query, { p: project }, world.as(manager.auth)));
      const services = dataOf(result).processingServices.edges;
      return { services: services.length, events: services.map((edge: any) => edge.node.auditEvents.totalCount), statements: statements.length };
    };
    await world.createService({ projectIds: [project] });
    await world.createService({ projectIds: [project] });
    // A session is looked up on its first request only (then cached): both counts are of the page alone.
    await gw.gql('{ __typename }', {}, world.as(manager.auth));
    const few = await statementsFor();
    for (let i = 0; i < 4; i++) await world.createService({ projectIds: [project] });
    const many = await statementsFor();
    expect([few.services, many.services]).toEqual([2, 6]);
    expect(many.events).toEqual(Array(6).fill(1));
    expect(many.statements).toBe(few.statements);
  });
});

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { createWorld, dataOf, errorOf, serviceTableCounts, sql, type World } from '../support/world';

const CREATE = `mutation ($input: CreateProcessingServiceInput!) {
  createProcessingService(input: $input) { id name description endpointUrl mode projects { id } }
}`;
const UPDATE = `mutation ($id: ID!, $input: UpdateProcessingServiceInput!) {
  updateProcessingService(id: $id, input: $input) { id name description endpointUrl mode projects { id } updatedAt }
}`;
const DELETE = 'mutation ($id: ID!) { deleteProcessingService(id: $id) }';

let gw: TestGateway;
let world: World;
/** Managed by `manager`; `member` is a basic member there. */
let projectA: string;
/** Also managed by `manager`. */
let projectB: string;
/** Managed by someone else; `manager` is only a researcher here. */
let projectC: string;
let manager: { email: string; auth: string };
let member: { email: string; auth: string };

beforeAll(async () => {
  gw = await startTestGateway();
  world = await createWorld(gw);
  [projectA, projectB, projectC] = [await world.createProject(), await world.createProject(), await world.createProject()];
  manager = await world.createUser('manager');
  member = await world.createUser('member');
  await world.addMember(projectA, manager.email, 'PROJECT_MANAGER');
  await world.addMember(projectB, manager.email, 'PROJECT_MANAGER');
  await world.addMember(projectC, manager.email, 'RESEARCHER');
  await world.addMember(projectA, member.email, 'BASIC_MEMBER');
});
afterAll(() => gw?.close());

const as = (auth: string) => ({ authorization: auth });
const linksOf = async (id: string) =>
  (await sql(gw, 'select project_id from processing_service_projects where processing_service_id = ? order by project_id', [Number(id)])).map(
    (row) => String(row.project_id),
  );

describe('createProcessingService succeeds for managers of every listed project', () => {
  it('creates the service with its links, trimmed name, default description', async () => {
    const response = await gw.gql(CREATE, { input: { name: '  Moth detector  ', projectIds: [projectA, projectB] } }, as(manager.auth));
    const created = dataOf(response).createProcessingService;
    expect(created).toMatchObject({ name: 'Moth detector', description: '', endpointUrl: null, mode: 'PULL' });
    expect(await linksOf(created.id)).toEqual([projectA, projectB]);
  });

  it('ignores duplicate project ids', async () => {
    const created = dataOf(await gw.gql(CREATE, { input: { name: 'dup', projectIds: [projectA, projectA] } }, as(manager.auth)));
    expect(await linksOf(created.createProcessingService.id)).toEqual([projectA]);
  });

  it('names need not be unique', async () => {
    const input = { name: 'same name', description: 'one', endpointUrl: 'https://a.example.org', projectIds: [projectA] };
    const first = dataOf(await gw.gql(CREATE, { input }, as(manager.auth))).createProcessingService;
    const second = dataOf(await gw.gql(CREATE, { input }, as(manager.auth))).createProcessingService;
    expect(second.id).not.toBe(first.id);
    expect(second).toMatchObject({ name: 'same name', description: 'one', mode: 'PUSH', endpointUrl: 'https://a.example.org' });
  });

  it('a superuser may create one in any project, or in none', async () => {
    const inC = dataOf(await gw.gql(CREATE, { input: { name: 'admin made', projectIds: [projectC] } }, as(world.admin)));
    expect(inC.createProcessingService.projects).toEqual([{ id: projectC }]);
    const orphan = dataOf(await gw.gql(CREATE, { input: { name: 'no projects', projectIds: [] } }, as(world.admin)));
    expect(orphan.createProcessingService.projects).toEqual([]);
  });

  it('accepts a 255-character name and a 1024-character URL', async () => {
    const endpointUrl = `https://ml.example.org/${'a'.repeat(1024 - 'https://ml.example.org/'.length)}`;
    const created = dataOf(await gw.gql(CREATE, { input: { name: 'n'.repeat(255), endpointUrl, projectIds: [projectA] } }, as(manager.auth)));
    expect(created.createProcessingService.name).toHaveLength(255);
    expect(created.createProcessingService.endpointUrl).toBe(endpointUrl);
  });
});

describe('createProcessingService refuses, writing nothing', () => {
  let before: Record<string, number>;
  beforeEach(async () => {
    before = await serviceTableCounts(gw);
  });
  const refuse = async (auth: string, input: Record<string, unknown>) => {
    const response = await gw.gql(CREATE, { input: { name: 'refused', projectIds: [projectA], ...input } }, as(auth));
    expect(response.body.data).toBeNull();
    expect(await serviceTableCounts(gw)).toEqual(before);
    return errorOf(response);
  };

  it('a basic member: FORBIDDEN', async () => {
    expect((await refuse(member.auth, {})).code).toBe('FORBIDDEN');
  });

  it('a manager listing a project they do not manage: FORBIDDEN', async () => {
    expect((await refuse(manager.auth, { projectIds: [projectA, projectC] })).code).toBe('FORBIDDEN');
  });

  it('an unknown project: NOT_FOUND', async () => {
    expect((await refuse(manager.auth, { projectIds: [projectA, '999999'] })).code).toBe('NOT_FOUND');
    expect((await refuse(world.admin, { projectIds: ['999999'] })).code).toBe('NOT_FOUND');
  });

  it('no projects from a non-superuser: BAD_USER_INPUT naming input.projectIds', async () => {
    expect(await refuse(manager.auth, { projectIds: [] })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.projectIds' });
  });

  it('a malformed project id: BAD_USER_INPUT naming it', async () => {
    expect(await refuse(manager.auth, { projectIds: [projectA, 'x'] })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.projectIds.1' });
  });

  it('no credentials: UNAUTHENTICATED', async () => {
    const response = await gw.gql(CREATE, { input: { name: 'anon', projectIds: [projectA] } });
    expect(errorOf(response).code).toBe('UNAUTHENTICATED');
    expect(await serviceTableCounts(gw)).toEqual(before);
  });

  it.each([
    ['ftp://files.example.org/model'],
    ['javascript:alert(1)'],
    ['not a url'],
    ['//no-scheme.example.org'],
    ['file:///etc/passwd'],
    ['https://user:secret@ml.example.org'],
    ['https://user@ml.example.org'],
    [`https://ml.example.org/${'a'.repeat(1024)}`],
  ])('endpointUrl %s: BAD_USER_INPUT naming input.endpointUrl', async (endpointUrl) => {
    const error = await refuse(manager.auth, { endpointUrl });
    expect(error).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.endpointUrl' });
    expect(error.message).not.toContain('secret');
  });

  it.each([[''], ['   '], ['n'.repeat(256)]])('name %j: BAD_USER_INPUT naming input.name', async (name) => {
    expect(await refuse(manager.auth, { name })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.name' });
  });

  it('a description over 10,000 characters: BAD_USER_INPUT naming input.description', async () => {
    expect(await refuse(manager.auth, { description: 'd'.repeat(10_001) })).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.description',
    });
  });
});

describe('updateProcessingService changes only what it is given', () => {
  let id: string;
  beforeAll(async () => {
    id = dataOf(
      await gw.gql(CREATE, { input: { name: 'original', description: 'desc', endpointUrl: 'https://x.example.org', projectIds: [projectA] } }, as(manager.auth)),
    ).createProcessingService.id;
  });

  it('a partial update keeps the other fields and bumps updatedAt', async () => {
    const [before] = await sql(gw, 'select updated_at from processing_services where id = ?', [Number(id)]);
    const updated = dataOf(await gw.gql(UPDATE, { id, input: { name: 'renamed' } }, as(manager.auth))).updateProcessingService;
    expect(updated).toMatchObject({ name: 'renamed', description: 'desc', endpointUrl: 'https://x.example.org', projects: [{ id: projectA }] });
    expect(Date.parse(updated.updatedAt)).toBeGreaterThan(new Date(before!.updated_at).getTime());
    const described = dataOf(await gw.gql(UPDATE, { id, input: { description: '' } }, as(manager.auth))).updateProcessingService;
    expect(described).toMatchObject({ name: 'renamed', description: '', endpointUrl: 'https://x.example.org' });
  });

  it('joins and leaves projects the manager manages', async () => {
    const joined = dataOf(await gw.gql(UPDATE, { id, input: { projectIds: [projectA, projectB] } }, as(manager.auth)));
    expect(joined.updateProcessingService.projects).toEqual([{ id: projectA }, { id: projectB }]);
    const left = dataOf(await gw.gql(UPDATE, { id, input: { projectIds: [projectB] } }, as(manager.auth)));
    expect(left.updateProcessingService.projects).toEqual([{ id: projectB }]);
    expect(await linksOf(id)).toEqual([projectB]);
    dataOf(await gw.gql(UPDATE, { id, input: { projectIds: [projectA] } }, as(manager.auth)));
  });

  it('keeps a project it stays in even when the caller does not manage that one', async () => {
    const shared = dataOf(await gw.gql(CREATE, { input: { name: 'shared', projectIds: [projectA, projectC] } }, as(world.admin)));
    const sharedId = shared.createProcessingService.id;
    const joined = await gw.gql(UPDATE, { id: sharedId, input: { projectIds: [projectA, projectB, projectC] } }, as(manager.auth));
    expect(dataOf(joined).updateProcessingService.projects).toEqual([{ id: projectA }, { id: projectB }, { id: projectC }]);
  });

  describe('refuses, writing nothing', () => {
    let before: Record<string, number>;
    let row: Record<string, unknown>;
    beforeEach(async () => {
      before = await serviceTableCounts(gw);
      [row] = (await sql(gw, 'select * from processing_services where id = ?', [Number(id)])) as [Record<string, unknown>];
    });
    const refuse = async (auth: string, input: Record<string, unknown>, target = id) => {
      const response = await gw.gql(UPDATE, { id: target, input }, as(auth));
      expect(response.body.data).toBeNull();
      expect(await serviceTableCounts(gw)).toEqual(before);
      expect(await sql(gw, 'select * from processing_services where id = ?', [Number(id)])).toEqual([row]);
      expect(await linksOf(id)).toEqual([projectA]);
      return errorOf(response);
    };

    it('a basic member: FORBIDDEN', async () => {
      expect((await refuse(member.auth, { name: 'nope' })).code).toBe('FORBIDDEN');
    });

    it('an outsider and an unknown id: NOT_FOUND alike', async () => {
      const outsider = await world.createUser('outsider');
      before = await serviceTableCounts(gw);
      expect((await refuse(outsider.auth, { name: 'nope' })).code).toBe('NOT_FOUND');
      expect((await refuse(manager.auth, { name: 'nope' }, '999999')).code).toBe('NOT_FOUND');
    });

    it('joining a project the caller does not manage: FORBIDDEN', async () => {
      expect((await refuse(manager.auth, { name: 'changed too', projectIds: [projectA, projectC] })).code).toBe('FORBIDDEN');
    });

    it('leaving a project the caller does not manage: FORBIDDEN', async () => {
      const shared = dataOf(await gw.gql(CREATE, { input: { name: 'shared2', projectIds: [projectA, projectC] } }, as(world.admin)));
      before = await serviceTableCounts(gw);
      const response = await gw.gql(UPDATE, { id: shared.createProcessingService.id, input: { projectIds: [projectA] } }, as(manager.auth));
      expect(errorOf(response).code).toBe('FORBIDDEN');
      expect(await linksOf(shared.createProcessingService.id)).toEqual([projectA, projectC]);
    });

    it('an empty project list from a non-superuser: BAD_USER_INPUT', async () => {
      expect(await refuse(manager.auth, { projectIds: [] })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.projectIds' });
    });

    it('an unknown project: NOT_FOUND', async () => {
      expect((await refuse(manager.auth, { projectIds: [projectA, '999999'] })).code).toBe('NOT_FOUND');
    });

    it.each([
      [{ name: '' }, 'input.name'],
      [{ name: 'n'.repeat(256) }, 'input.name'],
      [{ endpointUrl: 'javascript:alert(1)' }, 'input.endpointUrl'],
      [{ endpointUrl: 'https://a:b@example.org' }, 'input.endpointUrl'],
      [{ name: 'valid', endpointUrl: 'ftp://example.org' }, 'input.endpointUrl'],
      [{ projectIds: ['0'] }, 'input.projectIds.0'],
    ])('%j: BAD_USER_INPUT naming %s', async (input, field) => {
      expect(await refuse(manager.auth, input)).toMatchObject({ code: 'BAD_USER_INPUT', field });
    });
  });
});

describe('deleteProcessingService removes the service with its keys and links', () => {
  it('cascades, and its key is refused with 401 afterwards', async () => {
    const id = dataOf(await gw.gql(CREATE, { input: { name: 'doomed', projectIds: [projectA, projectB] } }, as(manager.auth)))
      .createProcessingService.id;
    const { key } = await world.generateKey(id);
    const keyed = { authorization: `Api-Key ${key}` };
    expect(dataOf(await gw.gql('{ viewer { processingService { id } } }', {}, keyed)).viewer.processingService).toEqual({ id });

    expect(dataOf(await gw.gql(DELETE, { id }, as(manager.auth))).deleteProcessingService).toBe(true);
    const [left] = await sql(
      gw,
      `select (select count(*) from processing_services where id = ?) as services,
              (select count(*) from processing_service_projects where processing_service_id = ?) as links,
              (select count(*) from api_keys where processing_service_id = ?) as keys`,
      [Number(id), Number(id), Number(id)],
    );
    expect(left).toEqual({ services: '0', links: '0', keys: '0' });

    const refused = await gw.gql('{ viewer { processingService { id } } }', {}, keyed);
    expect(refused.status).toBe(401);
    expect(errorOf(refused)).toMatchObject({ code: 'UNAUTHENTICATED', message: 'Invalid API key' });
    expect(dataOf(await gw.gql('query ($id: ID!) { processingService(id: $id) { id } }', { id }, as(world.admin))).processingService).toBeNull();
  });

  describe('refuses, writing nothing', () => {
    let id: string;
    let before: Record<string, number>;
    beforeAll(async () => {
      id = dataOf(await gw.gql(CREATE, { input: { name: 'kept', projectIds: [projectA, projectC] } }, as(world.admin))).createProcessingService.id;
      await world.generateKey(id);
    });
    beforeEach(async () => {
      before = await serviceTableCounts(gw);
    });
    const refuse = async (auth: string, target = id) => {
      const response = await gw.gql(DELETE, { id: target }, as(auth));
      expect(response.body.data).toBeNull();
      expect(await serviceTableCounts(gw)).toEqual(before);
      return errorOf(response);
    };

    it('a basic member: FORBIDDEN', async () => {
      expect((await refuse(member.auth)).code).toBe('FORBIDDEN');
    });

    it('a manager of only some of its projects: FORBIDDEN', async () => {
      expect((await refuse(manager.auth)).code).toBe('FORBIDDEN');
    });

    it('an unknown id: NOT_FOUND', async () => {
      expect((await refuse(manager.auth, '999999')).code).toBe('NOT_FOUND');
    });

    it('a processing service key: FORBIDDEN', async () => {
      const { key } = await world.generateKey(id);
      before = await serviceTableCounts(gw);
      expect((await refuse(`Api-Key ${key}`)).code).toBe('FORBIDDEN');
    });
  });
});

describe('limits on projects per service', () => {
  it('more than 100 projects: BAD_USER_INPUT naming input.projectIds', async () => {
    const before = await serviceTableCounts(gw);
    const projectIds = Array.from({ length: 101 }, (_, index) => String(index + 1));
    const response = await gw.gql(CREATE, { input: { name: 'wide', projectIds } }, as(world.admin));
    expect(errorOf(response)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.projectIds' });
    expect(await serviceTableCounts(gw)).toEqual(before);
  });
});

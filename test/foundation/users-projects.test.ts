import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestGateway, type GraphQLResponse, type TestGateway } from '../support/gateway';

let gw: TestGateway;
let admin: string;
beforeAll(async () => {
  gw = await startTestGateway();
  admin = await gw.loginAs(ADMIN.email, ADMIN.password);
});
afterAll(() => gw?.close());

const LOGIN = 'mutation ($email: String!, $password: String!) { login(email: $email, password: $password) { token user { id email isSuperuser } } }';
const CREATE_USER = 'mutation ($input: CreateUserInput!) { createUser(input: $input) { id email isSuperuser } }';
const CREATE_PROJECT = 'mutation ($input: CreateProjectInput!) { createProject(input: $input) { id name description owner { email } } }';
const ADD_MEMBER =
  'mutation ($projectId: ID!, $email: String!, $role: ProjectRole!) { addProjectMember(projectId: $projectId, email: $email, role: $role) { id role user { email } } }';
const REMOVE_MEMBER = 'mutation ($projectId: ID!, $userId: ID!) { removeProjectMember(projectId: $projectId, userId: $userId) }';

function errorCode(response: GraphQLResponse): string | undefined {
  return response.body.errors?.[0]?.extensions?.code;
}

let userCount = 0;
/** A new user (created by the admin) and an Authorization header for them. */
async function newUser(label: string): Promise<{ id: string; email: string; password: string; auth: string }> {
  const email = `${label}-${++userCount}@example.org`;
  const password = `${label}-password-${userCount}`;
  const created = await gw.gql(CREATE_USER, { input: { email, password } }, { authorization: admin });
  expect(created.body.errors).toBeUndefined();
  return { id: created.body.data.createUser.id, email, password, auth: await gw.loginAs(email, password) };
}

async function newProject(name = 'Moths'): Promise<string> {
  const created = await gw.gql(CREATE_PROJECT, { input: { name } }, { authorization: admin });
  expect(created.body.errors).toBeUndefined();
  return created.body.data.createProject.id;
}

describe('admin bootstrap', () => {
  it('is idempotent: a second run finds the same superuser', async () => {
    const em = gw.database.orm.em.fork();
    const again = await gw.services.users.ensureSuperuser(em, ADMIN.email.toUpperCase(), ADMIN.password);
    expect(again.created).toBe(false);
    const rows = await em.getConnection().execute('select count(*)::int as n from users where email = ?', [ADMIN.email]);
    expect(rows).toEqual([{ n: 1 }]);
  });

  it('promotes an existing user without touching their password', async () => {
    const user = await newUser('promoted');
    const { created, user: promoted } = await gw.services.users.ensureSuperuser(gw.database.orm.em.fork(), user.email, 'some-other-password');
    expect(created).toBe(false);
    expect(promoted.isSuperuser).toBe(true);
    await expect(gw.loginAs(user.email, user.password)).resolves.toMatch(/^Token /);
  });
});

describe('login and logout', () => {
  it('returns a token and the user', async () => {
    const { body } = await gw.gql(LOGIN, { email: ADMIN.email.toUpperCase(), password: ADMIN.password });
    expect(body.data.login.token).toMatch(/^pgs_/);
    expect(body.data.login.user).toMatchObject({ email: ADMIN.email, isSuperuser: true });
  });

  it('gives unknown email and wrong password the same UNAUTHENTICATED answer', async () => {
    const unknown = await gw.gql(LOGIN, { email: 'nobody@example.org', password: ADMIN.password });
    const wrong = await gw.gql(LOGIN, { email: ADMIN.email, password: 'wrong-password-123' });
    expect(errorCode(unknown)).toBe('UNAUTHENTICATED');
    expect(wrong.status).toBe(unknown.status);
    expect(wrong.body).toEqual(unknown.body);
  });

  it('accepts the token with the Token and the Bearer scheme', async () => {
    const token = admin.replace(/^Token /, '');
    for (const authorization of [`Token ${token}`, `Bearer ${token}`]) {
      const { body } = await gw.gql('{ viewer { user { email } } }', {}, { authorization });
      expect(body.data.viewer.user.email).toBe(ADMIN.email);
    }
  });

  it('logout invalidates the token, and only that one', async () => {
    const user = await newUser('leaver');
    const other = await gw.loginAs(user.email, user.password);
    const out = await gw.gql('mutation { logout }', {}, { authorization: user.auth });
    expect(out.body.data).toEqual({ logout: true });
    const after = await gw.gql('{ viewer { user { email } } }', {}, { authorization: user.auth });
    expect(after.status).toBe(401);
    expect(errorCode(after)).toBe('UNAUTHENTICATED');
    const still = await gw.gql('{ viewer { user { email } } }', {}, { authorization: other });
    expect(still.body.data.viewer.user.email).toBe(user.email);
  });

  it('viewer is empty for anonymous callers', async () => {
    const { body } = await gw.gql('{ viewer { user { id } processingService { id } } }');
    expect(body).toEqual({ data: { viewer: { user: null, processingService: null } } });
  });
});

describe('createUser', () => {
  it('lets a superuser create a user', async () => {
    const { body } = await gw.gql(CREATE_USER, { input: { email: 'Alice@Example.org', password: 'alice-password-1' } }, { authorization: admin });
    expect(body.data.createUser).toMatchObject({ email: 'alice@example.org', isSuperuser: false });
  });

  it.each([
    ['a malformed email', { email: 'not-an-email', password: 'long-enough-pw' }, 'BAD_USER_INPUT', 'email'],
    ['a short password', { email: 'short@example.org', password: 'short' }, 'BAD_USER_INPUT', 'password'],
    ['a duplicate email in another case', { email: 'ALICE@example.org', password: 'long-enough-pw' }, 'CONFLICT', undefined],
  ])('refuses %s', async (_case, input, code, field) => {
    const response = await gw.gql(CREATE_USER, { input }, { authorization: admin });
    expect(errorCode(response)).toBe(code);
    if (field) expect(response.body.errors?.[0]?.extensions?.field).toBe(field);
    expect(response.body.data).toBeNull();
  });

  it('refuses a missing field with a typed error', async () => {
    const response = await gw.gql(CREATE_USER, { input: { email: 'x@example.org' } }, { authorization: admin });
    expect(response.status).toBe(400);
    expect(errorCode(response)).toBe('BAD_USER_INPUT');
    expect(response.body.errors?.[0]?.message).toMatch(/password/);
  });

  it('is for superusers only', async () => {
    const user = await newUser('plain');
    const forbidden = await gw.gql(CREATE_USER, { input: { email: 'y@example.org', password: 'long-enough-pw' } }, { authorization: user.auth });
    expect(errorCode(forbidden)).toBe('FORBIDDEN');
    const anonymous = await gw.gql(CREATE_USER, { input: { email: 'y@example.org', password: 'long-enough-pw' } });
    expect(errorCode(anonymous)).toBe('UNAUTHENTICATED');
  });
});

describe('projects and members', () => {
  let projectId: string;
  let manager: Awaited<ReturnType<typeof newUser>>;
  let basic: Awaited<ReturnType<typeof newUser>>;
  let outsider: Awaited<ReturnType<typeof newUser>>;
  beforeAll(async () => {
    [manager, basic, outsider] = [await newUser('manager'), await newUser('basic'), await newUser('outsider')];
  });

  it('createProject makes the creator the owner', async () => {
    const { body } = await gw.gql(CREATE_PROJECT, { input: { name: 'Moths of Vermont', description: 'Night traps' } }, { authorization: admin });
    expect(body.data.createProject).toMatchObject({ name: 'Moths of Vermont', description: 'Night traps', owner: { email: ADMIN.email } });
    projectId = body.data.createProject.id;
  });

  it('createProject is for superusers only', async () => {
    const response = await gw.gql(CREATE_PROJECT, { input: { name: 'Mine' } }, { authorization: manager.auth });
    expect(errorCode(response)).toBe('FORBIDDEN');
  });

  it('the owner adds members; a project manager adds more', async () => {
    const added = await gw.gql(ADD_MEMBER, { projectId, email: manager.email, role: 'PROJECT_MANAGER' }, { authorization: admin });
    expect(added.body.data.addProjectMember).toMatchObject({ role: 'PROJECT_MANAGER', user: { email: manager.email } });
    const byManager = await gw.gql(ADD_MEMBER, { projectId, email: basic.email, role: 'BASIC_MEMBER' }, { authorization: manager.auth });
    expect(byManager.body.data.addProjectMember).toMatchObject({ role: 'BASIC_MEMBER', user: { email: basic.email } });
  });

  it('refuses an unknown role as a typed 400, inline or as a variable', async () => {
    const inline = await gw.gql(
      `mutation { addProjectMember(projectId: "${projectId}", email: "${basic.email}", role: BOSS) { id } }`,
      {},
      { authorization: admin },
    );
    expect(inline.status).toBe(400);
    expect(errorCode(inline)).toBe('GRAPHQL_VALIDATION_FAILED');
    const variable = await gw.gql(ADD_MEMBER, { projectId, email: basic.email, role: 'BOSS' }, { authorization: admin });
    expect(variable.status).toBe(400);
    expect(errorCode(variable)).toBe('BAD_USER_INPUT');
  });

  it('refuses a missing argument as a typed 400', async () => {
    const response = await gw.gql(`mutation { addProjectMember(projectId: "${projectId}", role: RESEARCHER) { id } }`, {}, { authorization: admin });
    expect(response.status).toBe(400);
    expect(errorCode(response)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(response.body.errors?.[0]?.message).toMatch(/email/);
  });

  it('refuses an unknown email with NOT_FOUND', async () => {
    const response = await gw.gql(ADD_MEMBER, { projectId, email: 'nobody@example.org', role: 'RESEARCHER' }, { authorization: admin });
    expect(errorCode(response)).toBe('NOT_FOUND');
  });

  it('a basic member may not add or remove members', async () => {
    const add = await gw.gql(ADD_MEMBER, { projectId, email: outsider.email, role: 'RESEARCHER' }, { authorization: basic.auth });
    expect(errorCode(add)).toBe('FORBIDDEN');
    const remove = await gw.gql(REMOVE_MEMBER, { projectId, userId: manager.id }, { authorization: basic.auth });
    expect(errorCode(remove)).toBe('FORBIDDEN');
  });

  it('members see the project and its members', async () => {
    const { body } = await gw.gql(
      'query ($id: ID!) { project(id: $id) { id members { role user { email } } } projects { id } }',
      { id: projectId },
      { authorization: basic.auth },
    );
    expect(body.data.project.members).toHaveLength(2);
    expect(body.data.projects).toEqual([{ id: projectId }]);
  });

  it('a non-member cannot see the project or its processing services', async () => {
    const { body } = await gw.gql('query ($id: ID!) { project(id: $id) { id } projects { id } }', { id: projectId }, { authorization: outsider.auth });
    expect(body.data).toEqual({ project: null, projects: [] });
    const services = await gw.gql(
      'query ($id: ID!) { processingServices(projectId: $id) { totalCount } }',
      { id: projectId },
      { authorization: outsider.auth },
    );
    expect(errorCode(services)).toBe('NOT_FOUND');
    const asMember = await gw.gql('query ($id: ID!) { processingServices(projectId: $id) { totalCount } }', { id: projectId }, { authorization: basic.auth });
    expect(asMember.body.data).toEqual({ processingServices: { totalCount: 0 } });
  });

  it('a project manager removes a member, who then loses sight of the project', async () => {
    const removed = await gw.gql(REMOVE_MEMBER, { projectId, userId: basic.id }, { authorization: manager.auth });
    expect(removed.body.data).toEqual({ removeProjectMember: true });
    const again = await gw.gql(REMOVE_MEMBER, { projectId, userId: basic.id }, { authorization: manager.auth });
    expect(again.body.data).toEqual({ removeProjectMember: false });
    const { body } = await gw.gql('query ($id: ID!) { project(id: $id) { id } }', { id: projectId }, { authorization: basic.auth });
    expect(body.data.project).toBeNull();
  });

  it('another project stays out of reach of this project manager, who may not learn it exists', async () => {
    const other = await newProject('Bees');
    const response = await gw.gql(ADD_MEMBER, { projectId: other, email: outsider.email, role: 'RESEARCHER' }, { authorization: manager.auth });
    expect(errorCode(response)).toBe('NOT_FOUND');
  });
});

describe('stored rows hold no plaintext secrets', () => {
  it('users keep argon2id hashes; sessions keep digests of tokens', async () => {
    const user = await newUser('stored');
    const token = user.auth.replace(/^Token /, '');
    const connection = gw.database.orm.em.fork().getConnection();
    const users: Record<string, unknown>[] = await connection.execute('select * from users');
    const sessions: Record<string, unknown>[] = await connection.execute('select * from user_sessions');
    expect(sessions.length).toBeGreaterThan(0);
    const dump = JSON.stringify([users, sessions]);
    for (const secret of [user.password, ADMIN.password, token, token.slice(4), admin.replace(/^Token /, '')]) {
      expect(dump).not.toContain(secret);
    }
    for (const row of users) {
      const hash = String(row.password_hash);
      expect(hash).toMatch(/^\$argon2id\$v=19\$/);
      // OWASP's minimum for argon2id: 19 MiB and 2 passes.
      expect(Number(/m=(\d+)/.exec(hash)![1])).toBeGreaterThanOrEqual(19_456);
      expect(Number(/t=(\d+)/.exec(hash)![1])).toBeGreaterThanOrEqual(2);
    }
  });
});

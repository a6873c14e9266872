import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type GraphQLResponse, type TestGateway } from '../support/gateway';
import { createWorld, dataOf, errorOf, serviceTableCounts, sql, type World } from '../support/world';

let gw: TestGateway;
let world: World;
let projectId: string;
let serviceId: string;
let workerKey: string;

beforeAll(async () => {
  gw = await startTestGateway();
  world = await createWorld(gw);
  projectId = await world.createProject();
  serviceId = await world.createService({ projectIds: [projectId] });
  workerKey = (await world.generateKey(serviceId)).key;
});
afterAll(() => gw?.close());

const NUL = 'moth\u0000trap';
const LONE_SURROGATE = 'moth\ud800trap';

function expectRefused(response: GraphQLResponse, field: string, label: string) {
  expect(response.status, label).toBe(400);
  const error = errorOf(response);
  expect(error.code, label).toBe('BAD_USER_INPUT');
  expect(error.field, label).toBe(field);
  expect(error.message, label).toContain(field);
}

/** Every operation that took a NUL to the database, with the path of the string it reaches. */
const cases = () => [
  {
    label: 'createProject',
    query: 'mutation ($input: CreateProjectInput!) { createProject(input: $input) { id } }',
    variables: (bad: string) => ({ input: { name: bad } }),
    field: 'input.name',
    auth: world.admin,
  },
  {
    label: 'createProcessingService',
    query: 'mutation ($input: CreateProcessingServiceInput!) { createProcessingService(input: $input) { id } }',
    variables: (bad: string) => ({ input: { name: 'fine', description: bad, projectIds: [projectId] } }),
    field: 'input.description',
    auth: world.admin,
  },
  {
    label: 'updateProcessingService',
    query: 'mutation ($id: ID!, $input: UpdateProcessingServiceInput!) { updateProcessingService(id: $id, input: $input) { id } }',
    variables: (bad: string) => ({ id: serviceId, input: { name: bad } }),
    field: 'input.name',
    auth: world.admin,
  },
  {
    label: 'generateKey(name)',
    query: 'mutation ($id: ID!, $name: String) { generateKey(processingServiceId: $id, name: $name) { key } }',
    variables: (bad: string) => ({ id: serviceId, name: bad }),
    field: 'name',
    auth: world.admin,
  },
  {
    label: 'heartbeat(clientInfo)',
    query: 'mutation ($info: ClientInfoInput) { heartbeat(clientInfo: $info) { id } }',
    variables: (bad: string) => ({ info: { hostname: 'node-1', extra: { pod: bad } } }),
    field: 'info.extra.pod',
    auth: `Api-Key ${workerKey}`,
  },
  {
    label: 'login(email)',
    query: 'mutation ($email: String!) { login(email: $email, password: "whatever-password") { token } }',
    variables: (bad: string) => ({ email: `${bad}@example.com` }),
    field: 'email',
    auth: undefined,
  },
];

describe('strings the database cannot store are refused at the edge', () => {
  it('refuses a NUL or an unpaired surrogate in variables with BAD_USER_INPUT naming the path, writing nothing', async () => {
    const before = await serviceTableCounts(gw);
    const projects = await sql(gw, 'select count(*)::int as n from projects');
    for (const bad of [NUL, LONE_SURROGATE]) {
      for (const { label, query, variables, field, auth } of cases()) {
        const response = await gw.gql(query, variables(bad), auth ? { authorization: auth } : {});
        expectRefused(response, field, `${label} with ${JSON.stringify(bad)}`);
      }
    }
    expect(await serviceTableCounts(gw)).toEqual(before);
    expect(await sql(gw, 'select count(*)::int as n from projects')).toEqual(projects);
    expect(gw.logs.filter((line) => /"level":(50|60)/.test(line))).toEqual([]);
  });

  it('refuses them in literals written into the document, nested inputs and JSON values too', async () => {
    const auth = { authorization: `Api-Key ${workerKey}` };
    expectRefused(
      await gw.gql('mutation { heartbeat(clientInfo: { hostname: "a\\u0000b" }) { id } }', {}, auth),
      'clientInfo.hostname',
      'inline string',
    );
    expectRefused(
      await gw.gql('mutation { heartbeat(clientInfo: { extra: { note: "\\u0000" } }) { id } }', {}, auth),
      'clientInfo.extra.note',
      'inline JSON value',
    );
    // GraphQL's own lexer refuses a lone surrogate escape in a literal.
    const surrogate = await gw.gql('mutation { heartbeat(clientInfo: { hostname: "\\ud800" }) { id } }', {}, auth);
    expect(surrogate.status).toBe(400);
    expect(errorOf(surrogate).code).toBe('GRAPHQL_PARSE_FAILED');
    expectRefused(
      await gw.gql('mutation ($info: ClientInfoInput) { heartbeat(clientInfo: $info) { id } }', { info: { extra: { 'k\u0000': 1 } } }, auth),
      'info.extra',
      'a JSON key',
    );
  });

  it('refuses a body that is not valid UTF-8 instead of storing replacement characters', async () => {
    const body = Buffer.concat([
      Buffer.from('{"query":"mutation ($input: CreateProjectInput!) { createProject(input: $input) { id } }","variables":{"input":{"name":"bad '),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('"}}}'),
    ]);
    const before = await sql(gw, 'select count(*)::int as n from projects');
    const response = await fetch(`${gw.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: world.admin },
      body,
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/not valid UTF-8/);
    expect(await sql(gw, 'select count(*)::int as n from projects')).toEqual(before);
  });

  it('stores and echoes well-formed text exactly, astral characters included', async () => {
    const name = 'Papillons 🦋 du Québec — ﬁne';
    const created = dataOf(
      await gw.gql('mutation ($input: CreateProjectInput!) { createProject(input: $input) { id name } }', { input: { name } }, { authorization: world.admin }),
    );
    expect(created.createProject.name).toBe(name);
    const [row] = await sql<{ name: string }>(gw, 'select name from projects where id = ?', [Number(created.createProject.id)]);
    expect(row!.name).toBe(name);
  });
});

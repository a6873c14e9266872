import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { createWorld, type World } from '../support/world';

let gw: TestGateway;
let world: World;
let projectId: string;

beforeAll(async () => {
  gw = await startTestGateway({ NODE_ENV: 'production' });
  world = await createWorld(gw);
  projectId = await world.createProject();
});
afterAll(() => gw?.close());

const ADD_MEMBER = 'mutation ($projectId: ID!, $email: String!, $role: ProjectRole!) { addProjectMember(projectId: $projectId, email: $email, role: $role) { id } }';
const CREATE_PROJECT = 'mutation ($input: CreateProjectInput!) { createProject(input: $input) { id } }';

/** Names in the schema that none of these requests spell out. */
const UNSENT_NAMES = /PROJECT_MANAGER|BASIC_MEMBER|"name"|"description"|"input"|"user"|CreateProjectInput\.name|Suggestion hidden|Did you mean|\?\s*$/;

describe('in production, error messages name only what the caller sent', () => {
  const requests: [string, string, Record<string, unknown>][] = [
    ['an enum value in a variable', ADD_MEMBER, { projectId: '1', email: 'someone@example.com', role: 'PROJECT_MANAGR' }],
    ['an enum literal', 'mutation { addProjectMember(projectId: "1", email: "a@example.com", role: PROJECT_MANAGR) { id } }', {}],
    ['a misspelt input field in a variable', CREATE_PROJECT, { input: { nme: 'Moths' } }],
    ['a misspelt input field in a literal', 'mutation { createProject(input: { nme: "Moths" }) { id } }', {}],
    ['a missing required input field', CREATE_PROJECT, { input: {} }],
    ['an unknown input field next to the right ones', CREATE_PROJECT, { input: { name: 'Moths', descriptio: 'x' } }],
    ['a missing required argument', 'mutation { createProject { id } }', {}],
    ['a misspelt field', '{ viewer { usr { id } } }', {}],
  ];

  for (const [label, query, variables] of requests) {
    it(`for ${label}`, async () => {
      const { status, body } = await gw.gql(query, variables, { authorization: world.admin });
      expect(status, label).toBe(400);
      expect(body.errors?.length, label).toBeGreaterThan(0);
      for (const error of body.errors!) {
        expect(error.message, label).not.toMatch(UNSENT_NAMES);
        expect(['BAD_USER_INPUT', 'GRAPHQL_VALIDATION_FAILED']).toContain(error.extensions?.code);
      }
    });
  }

  it('still says what was wrong with what was sent', async () => {
    const { body } = await gw.gql(ADD_MEMBER, { projectId, email: 'someone@example.com', role: 'PROJECT_MANAGR' }, { authorization: world.admin });
    expect(body.errors![0]!.message).toMatch(/\$role.*PROJECT_MANAGR/);
  });
});

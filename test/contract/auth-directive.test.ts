import type { FastifyInstance } from 'fastify';
import { Arg, Directive, Field, ID, Int, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Auth } from '../../src/auth/auth-rule';
import { AuthSchemaError } from '../../src/auth/auth.directive';
import { createLogger } from '../../src/core/logger';
import { createGateway } from '../../src/http/server';
import { buildGatewaySchema } from '../../src/graphql/schema';
import { ADMIN, startTestGateway, type TestGateway } from '../support/gateway';

@Resolver()
class UnruledQueryResolver {
  @Query(() => Int)
  unruledCount(): number {
    return 1;
  }
}

@Resolver()
class UnruledMutationResolver {
  @Mutation(() => Boolean)
  unruledWipe(): boolean {
    return true;
  }
}

@ObjectType()
class LeakyAccount {
  @Field()
  name!: string;

  @Field()
  passwordDigest!: string;
}

@Resolver()
class LeakyAccountResolver {
  @Auth('SUPERUSER')
  @Query(() => LeakyAccount)
  leakyAccount(): LeakyAccount {
    return { name: 'n', passwordDigest: 'd' };
  }
}

@Resolver()
class MissingProjectArgResolver {
  @Auth('PROJECT_MEMBER', { projectArg: 'projectId' })
  @Query(() => Int)
  memberCount(@Arg('project', () => ID) project: string): number {
    return Number(project);
  }
}

/** Written as a raw directive, past the decorator's own check: the schema build must still refuse it. */
@Resolver()
class TwoScopesResolver {
  @Directive('@auth(allow: [PROJECT_MEMBER], projectArg: "projectId", parentProjects: true)')
  @Query(() => Int)
  scopedTwice(@Arg('projectId', () => ID) projectId: string): number {
    return Number(projectId);
  }
}

function buildError(extra: Function): Error {
  try {
    buildGatewaySchema([extra]);
  } catch (error) {
    return error as Error;
  }
  throw new Error(`building with ${extra.name} did not fail`);
}

describe('building the schema refuses missing or broken rules', () => {
  it('builds with only ruled fields (the baseline the cases below differ from)', () => {
    expect(buildGatewaySchema().getQueryType()?.getFields().viewer).toBeDefined();
  });

  it('refuses a Query field without @Auth, naming it', () => {
    const error = buildError(UnruledQueryResolver);
    expect(error).toBeInstanceOf(AuthSchemaError);
    expect(error.message).toContain('Query.unruledCount has no @auth rule');
  });

  it('refuses a Mutation field without @Auth, naming it', () => {
    const error = buildError(UnruledMutationResolver);
    expect(error).toBeInstanceOf(AuthSchemaError);
    expect(error.message).toContain('Mutation.unruledWipe has no @auth rule');
  });

  it('refuses an object field named like a secret that has no rule', () => {
    const error = buildError(LeakyAccountResolver);
    expect(error).toBeInstanceOf(AuthSchemaError);
    expect(error.message).toContain('LeakyAccount.passwordDigest looks sensitive');
    expect(error.message).not.toContain('LeakyAccount.name');
  });

  it('refuses a projectArg that is not an argument of the field', () => {
    const error = buildError(MissingProjectArgResolver);
    expect(error).toBeInstanceOf(AuthSchemaError);
    expect(error.message).toContain('Query.memberCount: projectArg "projectId" is not an argument');
  });

  it('refuses a project role without exactly one project in scope, and a scope without project roles, at decoration', () => {
    expect(() => Auth('PROJECT_MEMBER')).toThrow(/project roles need exactly one of projectArg and parentProjects/);
    expect(() => Auth('PROJECT_MANAGER', { projectArg: 'projectId', parentProjects: true })).toThrow(/exactly one/);
    expect(() => Auth('USER', { projectArg: 'projectId' })).toThrow(/apply only to project roles/);
  });

  it('refuses a rule with two project scopes at schema build, even when written as a raw directive', () => {
    const error = buildError(TwoScopesResolver);
    expect(error).toBeInstanceOf(AuthSchemaError);
    expect(error.message).toContain('Query.scopedTwice: project roles need exactly one of projectArg and parentProjects');
  });
});

/** Every call that reached a resolver below; the directive must stop the others first. */
const reached: string[] = [];

@Resolver()
class GuardedResolver {
  @Auth('SUPERUSER')
  @Query(() => Int)
  superuserOnly(): number {
    reached.push('superuserOnly');
    return 1;
  }

  @Auth('PROCESSING_SERVICE')
  @Query(() => Int)
  serviceOnly(): number {
    reached.push('serviceOnly');
    return 2;
  }

  @Auth('PROJECT_MANAGER', { projectArg: 'projectId' })
  @Mutation(() => Int)
  managerOnly(@Arg('projectId', () => ID) projectId: string): number {
    reached.push('managerOnly');
    return Number(projectId);
  }
}

describe('the directive decides before the resolver runs', () => {
  let gw: TestGateway;
  let guarded: FastifyInstance;
  let guardedUrl: string;
  let adminAuth: string;
  let memberAuth: string;
  let keyAuth: string;
  let projectId: string;

  const call = async (query: string, authorization?: string) => {
    const response = await fetch(`${guardedUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
      body: JSON.stringify({ query }),
    });
    return (await response.json()) as { data?: Record<string, unknown> | null; errors?: { extensions?: { code?: string } }[] };
  };
  const codeOf = async (query: string, authorization?: string) => (await call(query, authorization)).errors?.[0]?.extensions?.code;

  beforeAll(async () => {
    gw = await startTestGateway();
    // The same services and database as the real gateway, with the guarded fields added.
    guarded = await createGateway({
      config: { NODE_ENV: 'test', TRUST_PROXY: [], BODY_LIMIT_BYTES: 1024 * 1024 },
      database: gw.database,
      services: gw.services,
      logger: createLogger('silent'),
      schema: buildGatewaySchema([GuardedResolver]),
    });
    guardedUrl = (await guarded.listen({ host: '127.0.0.1', port: 0 })).replace('[::1]', '127.0.0.1');

    adminAuth = await gw.loginAs(ADMIN.email, ADMIN.password);
    const member = { email: 'member@example.com', password: 'member-password-123' };
    const setup = await gw.gql(
      `mutation ($email: String!, $password: String!) {
        createUser(input: { email: $email, password: $password }) { id }
        createProject(input: { name: "Moths" }) { id }
      }`,
      member,
      { authorization: adminAuth },
    );
    projectId = setup.body.data.createProject.id;
    await gw.gql(
      'mutation ($projectId: ID!, $email: String!) { addProjectMember(projectId: $projectId, email: $email, role: RESEARCHER) { id } }',
      { projectId, email: member.email },
      { authorization: adminAuth },
    );
    memberAuth = await gw.loginAs(member.email, member.password);
    const service = await gw.gql(
      'mutation ($projectId: ID!) { createProcessingService(input: { name: "worker", projectIds: [$projectId] }) { id } }',
      { projectId },
      { authorization: adminAuth },
    );
    const key = await gw.gql(
      'mutation ($id: ID!) { generateKey(processingServiceId: $id) { key } }',
      { id: service.body.data.createProcessingService.id },
      { authorization: adminAuth },
    );
    keyAuth = `Api-Key ${key.body.data.generateKey.key}`;
  });

  afterAll(async () => {
    await guarded?.close();
    await gw?.close();
  });

  it('answers UNAUTHENTICATED to anonymous callers without running the resolver', async () => {
    reached.length = 0;
    expect(await codeOf('{ superuserOnly }')).toBe('UNAUTHENTICATED');
    expect(await codeOf('{ serviceOnly }')).toBe('UNAUTHENTICATED');
    expect(await codeOf(`mutation { managerOnly(projectId: "${projectId}") }`)).toBe('UNAUTHENTICATED');
    expect(reached).toEqual([]);
  });

  it('answers FORBIDDEN to the wrong principal or role without running the resolver', async () => {
    reached.length = 0;
    expect(await codeOf('{ superuserOnly }', memberAuth)).toBe('FORBIDDEN');
    expect(await codeOf('{ superuserOnly }', keyAuth)).toBe('FORBIDDEN');
    expect(await codeOf('{ serviceOnly }', memberAuth)).toBe('FORBIDDEN');
    expect(await codeOf('{ serviceOnly }', adminAuth)).toBe('FORBIDDEN');
    // A researcher is a member but not a manager of the project in scope.
    expect(await codeOf(`mutation { managerOnly(projectId: "${projectId}") }`, memberAuth)).toBe('FORBIDDEN');
    expect(await codeOf(`mutation { managerOnly(projectId: "${projectId}") }`, keyAuth)).toBe('FORBIDDEN');
    expect(reached).toEqual([]);
  });

  it('runs the resolver for the right principal', async () => {
    reached.length = 0;
    expect((await call('{ superuserOnly }', adminAuth)).data).toEqual({ superuserOnly: 1 });
    expect((await call('{ serviceOnly }', keyAuth)).data).toEqual({ serviceOnly: 2 });
    expect((await call(`mutation { managerOnly(projectId: "${projectId}") }`, adminAuth)).data).toEqual({
      managerOnly: Number(projectId),
    });
    expect(reached).toEqual(['superuserOnly', 'serviceOnly', 'managerOnly']);
  });

  it('guards the real schema the same way', async () => {
    expect((await gw.gql('{ projects { id } }')).body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const heartbeatByUser = await gw.gql('mutation { heartbeat { id } }', {}, { authorization: memberAuth });
    expect(heartbeatByUser.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const otherProject = await gw.gql(
      'query ($projectId: ID!) { processingServices(projectId: $projectId) { totalCount } }',
      { projectId },
      { authorization: keyAuth },
    );
    expect(otherProject.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

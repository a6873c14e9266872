import type { FastifyInstance } from 'fastify';
import { Arg, Directive, Field, ID, Int, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Auth } from '../../src/auth/auth-rule';
import { AuthSchemaError } from '../../src/auth/auth.directive';
import { loadConfig } from '../../src/core/config';
import { createLogger } from '../../src/core/logger';
import { createGateway } from '../../src/app/server';
import { buildGatewaySchema } from '../../src/app/schema';
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
class UnruledNested {
  @Field()
  name!: string;
}

@Resolver()
class UnruledNestedResolver {
  @Auth('SUPERUSER')
  @Query(() => UnruledNested)
  unruledNested(): UnruledNested {
    return { name: 'n' };
  }
}

@Auth('PUBLIC')
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
class MissingScopeArgResolver {
  @Auth('PROJECT_MEMBER', { scope: 'Project', arg: 'projectId' })
  @Query(() => Int)
  memberCount(@Arg('project', () => ID) project: string): number {
    return Number(project);
  }
}

/** Written as raw directives, past the decorator's own check: the schema build must still refuse them. */
@Resolver()
class UnscopedRoleResolver {
  @Directive('@auth(allow: [PROJECT_MEMBER])')
  @Query(() => Int)
  unscoped(): number {
    return 1;
  }

  @Directive('@auth(allow: [PROJECT_MEMBER], scope: "Nowhere", arg: "id")')
  @Query(() => Int)
  unknownScope(@Arg('id', () => ID) id: string): number {
    return Number(id);
  }
}

@Auth('PROJECT_MEMBER', { scope: 'Project' })
@ObjectType()
class MisScopedType {
  @Field()
  name!: string;
}

@Resolver()
class MisScopedTypeResolver {
  @Auth('SUPERUSER')
  @Query(() => MisScopedType)
  misScoped(): MisScopedType {
    return { name: 'n' };
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

  it('refuses a field of an object type when neither it nor its type has a rule, anywhere in the schema', () => {
    const error = buildError(UnruledNestedResolver);
    expect(error).toBeInstanceOf(AuthSchemaError);
    expect(error.message).toContain('UnruledNested.name has no @auth rule, and neither has its type');
  });

  it('refuses a secret-looking field made public by its type alone', () => {
    const error = buildError(LeakyAccountResolver);
    expect(error).toBeInstanceOf(AuthSchemaError);
    expect(error.message).toContain('LeakyAccount.passwordDigest looks sensitive');
    expect(error.message).not.toContain('LeakyAccount.name');
  });

  it('refuses a scope argument that is not an argument of the field', () => {
    const error = buildError(MissingScopeArgResolver);
    expect(error).toBeInstanceOf(AuthSchemaError);
    expect(error.message).toContain('Query.memberCount: arg "projectId" is not an argument');
  });

  it('refuses malformed rules at decoration', () => {
    expect(() => Auth('PROJECT_MEMBER')).toThrow(/project roles need a scope/);
    expect(() => Auth(['PUBLIC', 'USER'])).toThrow(/PUBLIC admits everyone/);
    expect(() => Auth([])).toThrow(/must allow someone/);
  });

  it('refuses, at schema build, a role without a scope and a scope nobody resolves, even as raw directives', () => {
    const error = buildError(UnscopedRoleResolver);
    expect(error).toBeInstanceOf(AuthSchemaError);
    expect(error.message).toContain('Query.unscoped: project roles need a scope');
    expect(error.message).toContain('Query.unknownScope: no scope resolver for Nowhere');
  });

  it("refuses a type's rule scoped to another type", () => {
    const error = buildError(MisScopedTypeResolver);
    expect(error).toBeInstanceOf(AuthSchemaError);
    expect(error.message).toContain('type MisScopedType: a type\'s rule can only scope to the type itself');
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

  @Auth('PROJECT_MANAGER', { scope: 'Project', arg: 'projectId' })
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
      config: { ...loadConfig({}), NODE_ENV: 'test' },
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
    // An unknown project is one its caller has no tie to: not found, not forbidden.
    expect(await codeOf('mutation { managerOnly(projectId: "999999") }', memberAuth)).toBe('NOT_FOUND');
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

  it('refuses a key the people of its own project: Project.owner.email, Project.members', async () => {
    const owner = await gw.gql('query ($id: ID!) { project(id: $id) { id name owner { email } } }', { id: projectId }, { authorization: keyAuth });
    expect(owner.body.data.project).toEqual({ id: projectId, name: 'Moths', owner: null });
    expect(owner.body.errors?.map((error) => [error.path?.join('.'), error.extensions?.code])).toEqual([['project.owner', 'FORBIDDEN']]);
    const members = await gw.gql('query ($id: ID!) { project(id: $id) { members { user { email } } } }', { id: projectId }, { authorization: keyAuth });
    expect(members.body.errors?.map((error) => [error.path?.join('.'), error.extensions?.code])).toEqual([['project.members', 'FORBIDDEN']]);
    expect(JSON.stringify([owner.body, members.body])).not.toContain('@example.com');
    const asMember = await gw.gql('query ($id: ID!) { project(id: $id) { owner { email } } }', { id: projectId }, { authorization: memberAuth });
    expect(asMember.body.data.project.owner.email).toBe(ADMIN.email);
  });

  it('says in a FORBIDDEN message what the caller would need to be', async () => {
    const response = await call(`mutation { managerOnly(projectId: "${projectId}") }`, memberAuth);
    expect((response.errors?.[0] as { message?: string }).message).toBe('You need to be a project manager of this project');
  });
});

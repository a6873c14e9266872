import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { requestOrigin } from '../audit/audit-origin';
import { Auth } from '../auth/auth-rule';
import { parseId } from '../core/ids';
import type { ProjectRole } from '../auth/project-role';
import type { GatewayContext } from '../graphql/context';
import { UserType } from '../users/user.type';
import type { ProjectMembership } from './project-membership.entity';
import type { Project } from './project.entity';
import type { ProjectLoaders } from './project.loaders';
import type { ProjectService } from './project.service';
import { CreateProjectInput } from './project.input';
import { ProjectMembershipType, ProjectRoleEnum, ProjectType } from './project.type';

declare module '../graphql/context' {
  interface GatewayServices {
    projects: ProjectService;
  }
  interface GatewayLoaders extends ProjectLoaders {}
}

declare module '../auth/auth-rule' {
  interface AuthScopes {
    Project: Pick<Project, 'id'>;
    ProjectMembership: Pick<ProjectMembership, 'project'>;
  }
}

@Resolver(() => ProjectType)
export class ProjectResolver {
  @Auth(['USER', 'PROCESSING_SERVICE'])
  @Query(() => [ProjectType], { description: "The viewer's projects (all of them for superusers)." })
  projects(@Ctx() { em, services, principal }: GatewayContext): Promise<Project[]> {
    return services.projects.listVisible(em, principal);
  }

  @Auth(['PROJECT_MEMBER', 'PROCESSING_SERVICE'], { scope: 'Project', arg: 'id' })
  @Query(() => ProjectType, { nullable: true, description: 'Null when it does not exist or the viewer may not see it.' })
  project(@Arg('id', () => ID) id: string, @Ctx() { loaders }: GatewayContext): Promise<Project | null> {
    return loaders.projectById.load(parseId(id));
  }

  @Auth('SUPERUSER')
  @Mutation(() => ProjectType, { description: 'Creates a project; the creator becomes its owner.' })
  createProject(
    @Arg('input', () => CreateProjectInput) input: CreateProjectInput,
    @Ctx() { em, services, principal }: GatewayContext,
  ): Promise<Project> {
    return services.projects.createProject(em, principal, input);
  }

  @Auth('PROJECT_MANAGER', { scope: 'Project', arg: 'projectId' })
  @Mutation(() => ProjectMembershipType, { description: "Adds a member, or changes an existing member's role." })
  addProjectMember(
    @Arg('projectId', () => ID) projectId: string,
    @Arg('email', () => String) email: string,
    @Arg('role', () => ProjectRoleEnum) role: ProjectRole,
    @Ctx() context: GatewayContext,
  ): Promise<ProjectMembership> {
    return context.services.projects.addMember(context.em, parseId(projectId, 'projectId'), email, role, requestOrigin(context));
  }

  @Auth('PROJECT_MANAGER', { scope: 'Project', arg: 'projectId' })
  @Mutation(() => Boolean, { description: 'False when the user was not a member.' })
  removeProjectMember(
    @Arg('projectId', () => ID) projectId: string,
    @Arg('userId', () => ID) userId: string,
    @Ctx() context: GatewayContext,
  ): Promise<boolean> {
    const { em, services } = context;
    return services.projects.removeMember(em, parseId(projectId, 'projectId'), parseId(userId, 'userId'), requestOrigin(context));
  }

  @Auth('PROJECT_MEMBER', { scope: 'Project' })
  @FieldResolver(() => UserType, { nullable: true })
  owner(@Root() project: Project, @Ctx() { loaders }: GatewayContext) {
    return project.owner ? loaders.userById.load(project.owner.id) : null;
  }

  @Auth('PROJECT_MEMBER', { scope: 'Project' })
  @FieldResolver(() => [ProjectMembershipType], {
    nullable: true,
    description: 'Members only: others (API keys among them) get null here with a FORBIDDEN error, and the rest of the project still resolves.',
  })
  members(@Root() project: Project, @Ctx() { loaders }: GatewayContext) {
    return loaders.membershipsByProject.load(project.id);
  }
}

@Resolver(() => ProjectMembershipType)
export class ProjectMembershipResolver {
  @FieldResolver(() => UserType)
  user(@Root() membership: ProjectMembership, @Ctx() { loaders }: GatewayContext) {
    return loaders.userById.load(membership.user.id);
  }
}

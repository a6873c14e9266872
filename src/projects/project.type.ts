import { Field, ID, ObjectType } from 'type-graphql';
import { Auth } from '../auth/auth-rule';
import { registerStringEnum } from '../graphql/enum';
import { UserType } from '../users/user.type';
import { projectRoles } from '../auth/project-role';

export const ProjectRoleEnum = registerStringEnum(projectRoles, 'ProjectRole', 'Per-project roles, weakest first.');

/** Seen wherever a visible service or membership leads; its people are for its members only. */
@Auth(['USER', 'PROCESSING_SERVICE'])
@ObjectType('Project', { simpleResolvers: true, description: 'A research project; users are members with a role.' })
export class ProjectType {
  @Field(() => ID)
  id!: number;

  @Field(() => String)
  name!: string;

  @Field(() => String)
  description!: string;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date)
  updatedAt!: Date;
}

@Auth('PROJECT_MEMBER', { scope: 'ProjectMembership' })
@ObjectType('ProjectMembership', { simpleResolvers: true })
export class ProjectMembershipType {
  @Field(() => ID)
  id!: number;

  @Field(() => ProjectRoleEnum)
  role!: string;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => UserType)
  user!: UserType;
}

import { Field, ID, ObjectType } from 'type-graphql';
import { registerStringEnum } from '../graphql/enum';
import { UserType } from '../users/user.type';
import { projectRoles } from './project-role';

export const ProjectRoleEnum = registerStringEnum(projectRoles, 'ProjectRole', 'Per-project roles, weakest first.');

@ObjectType('Project', { description: 'A research project; users are members with a role.' })
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

@ObjectType('ProjectMembership')
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

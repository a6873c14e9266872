import { Entity, Enum, ManyToOne, OptionalProps, PrimaryKey, Property, type Ref, Unique } from '@mikro-orm/core';
import { User } from '../users/user.entity';
import { Project } from './project.entity';
import { projectRoles, type ProjectRole } from '../auth/project-role';

@Entity({ tableName: 'project_memberships' })
@Unique({ properties: ['project', 'user'] })
export class ProjectMembership {
  [OptionalProps]?: 'createdAt';

  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: number;

  @ManyToOne(() => Project, { ref: true, deleteRule: 'cascade' })
  project!: Ref<Project>;

  @ManyToOne(() => User, { ref: true, deleteRule: 'cascade', index: true })
  user!: Ref<User>;

  @Enum({ items: () => [...projectRoles], nativeEnumName: undefined })
  role!: ProjectRole;

  @Property({ type: 'datetime', columnType: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date = new Date();
}

import { Entity, ManyToOne, Property, type Ref } from '@mikro-orm/core';
import { BaseEntity } from '../core/base.entity';
import { User } from '../users/user.entity';

@Entity({ tableName: 'projects' })
export class Project extends BaseEntity<'description' | 'owner'> {
  @Property({ type: 'string', length: 255 })
  name!: string;

  @Property({ type: 'text', default: '' })
  description: string = '';

  @ManyToOne(() => User, { ref: true, nullable: true, deleteRule: 'set null', index: true })
  owner?: Ref<User> | null;
}

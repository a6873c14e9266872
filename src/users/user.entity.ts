import { Check, Entity, Property } from '@mikro-orm/core';
import { BaseEntity } from '../core/base.entity';

@Entity({ tableName: 'users' })
@Check({ name: 'users_email_lowercase', expression: 'email = lower(email)' })
export class User extends BaseEntity<'isSuperuser'> {
  /** Stored lower-cased (a check constraint holds it), so the unique index is case-insensitive. */
  @Property({ type: 'string', length: 254, unique: true })
  email!: string;

  /** argon2id PHC string; never exposed through GraphQL. */
  @Property({ type: 'text', lazy: true })
  passwordHash!: string;

  @Property({ type: 'boolean', default: false })
  isSuperuser: boolean = false;
}

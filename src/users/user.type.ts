import { Field, ID, ObjectType } from 'type-graphql';
import { Auth } from '../auth/auth-rule';

@Auth('USER')
@ObjectType('User', { simpleResolvers: true, description: 'A person who signs in to the UI.' })
export class UserType {
  @Field(() => ID)
  id!: number;

  @Field(() => String)
  email!: string;

  @Field(() => Boolean)
  isSuperuser!: boolean;

  @Field(() => Date)
  createdAt!: Date;
}

/** What a successful login returns to the caller who proved the password. */
@Auth('PUBLIC')
@ObjectType('LoginPayload', { simpleResolvers: true })
export class LoginPayload {
  @Auth('PUBLIC')
  @Field(() => String, { description: 'Session token for `Authorization: Token <token>` (or Bearer). Shown once.' })
  token!: string;

  @Field(() => UserType)
  user!: UserType;
}

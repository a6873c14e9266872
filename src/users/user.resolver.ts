import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import { Auth } from '../auth/auth-rule';
import type { GatewayContext } from '../graphql/context';
import { CreateUserInput } from './user.input';
import { LoginPayload, UserType } from './user.type';

@Resolver()
export class UserResolver {
  @Auth('PUBLIC')
  @Mutation(() => LoginPayload, { description: 'Exchanges email and password for a session token.' })
  login(
    @Arg('email', () => String) email: string,
    @Arg('password', () => String) password: string,
    @Ctx() { em, services, client }: GatewayContext,
  ): Promise<LoginPayload> {
    return services.users.login(em, email, password, client.ip);
  }

  @Auth('USER')
  @Mutation(() => Boolean, { description: 'Invalidates the session token of this request.' })
  logout(@Ctx() { em, services, principal }: GatewayContext): Promise<boolean> {
    return services.users.logout(em, principal);
  }

  @Auth('SUPERUSER')
  @Mutation(() => UserType)
  createUser(
    @Arg('input', () => CreateUserInput) input: CreateUserInput,
    @Ctx() { em, services, principal }: GatewayContext,
  ): Promise<UserType> {
    return services.users.createUser(em, principal, input);
  }
}

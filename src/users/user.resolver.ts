import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import { Auth } from '../auth/auth-rule';
import type { UserPrincipal } from '../auth/principal';
import { actAs, type GatewayContext } from '../graphql/context';
import { CreateUserInput } from './user.input';
import type { UserLoaders } from './user.loaders';
import type { UserService } from './user.service';
import { LoginPayload, UserType } from './user.type';

declare module '../graphql/context' {
  interface GatewayServices {
    users: UserService;
  }
  interface GatewayLoaders extends UserLoaders {}
}

@Resolver()
export class UserResolver {
  @Auth('PUBLIC')
  @Mutation(() => LoginPayload, { description: 'Exchanges email and password for a session token.' })
  async login(
    @Arg('email', () => String) email: string,
    @Arg('password', () => String) password: string,
    @Ctx() context: GatewayContext,
  ): Promise<LoginPayload> {
    const { em, services, client } = context;
    const { token, user, principal } = await services.users.login(em, email, password, client);
    actAs(context, principal);
    return { token, user };
  }

  @Auth('USER')
  @Mutation(() => Boolean, { description: 'Invalidates the session token of this request.' })
  logout(@Ctx() { em, services, principal }: GatewayContext<UserPrincipal>): Promise<boolean> {
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

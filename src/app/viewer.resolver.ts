import { Ctx, Field, ObjectType, Query, Resolver } from 'type-graphql';
import { Auth } from '../auth/auth-rule';
import type { GatewayContext } from '../graphql/context';
import { ProcessingServiceType } from '../processing-services/processing-service.type';
import { UserType } from '../users/user.type';

@Auth('PUBLIC')
@ObjectType('Viewer', { simpleResolvers: true, description: 'Who this request is authenticated as; both null when anonymous.' })
export class Viewer {
  @Field(() => UserType, { nullable: true })
  user!: UserType | null;

  @Field(() => ProcessingServiceType, { nullable: true })
  processingService!: ProcessingServiceType | null;
}

@Resolver()
export class ViewerResolver {
  @Auth('PUBLIC')
  @Query(() => Viewer)
  async viewer(@Ctx() { principal, loaders }: GatewayContext) {
    return {
      user: principal.kind === 'user' ? await loaders.userById.load(principal.userId) : null,
      processingService:
        principal.kind === 'service' ? await loaders.processingServiceById.load(principal.processingServiceId) : null,
    };
  }
}

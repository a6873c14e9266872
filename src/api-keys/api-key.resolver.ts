import { Arg, Ctx, ID, Int, Mutation, Resolver } from 'type-graphql';
import { Auth } from '../auth/auth-rule';
import { parseId } from '../core/ids';
import type { GatewayContext } from '../graphql/context';
import { ApiKeyType, GenerateKeyPayload } from './api-key.type';

@Resolver()
export class ApiKeyResolver {
  @Auth('USER')
  @Mutation(() => GenerateKeyPayload, {
    description:
      "Creates a key and returns its plaintext once. The service's other active keys are revoked at once, or with previousKeyGraceSeconds expire by themselves then. Project managers of the service, or superusers.",
  })
  generateKey(
    @Arg('processingServiceId', () => ID) processingServiceId: string,
    @Arg('name', () => String, { nullable: true, description: 'Default: "<service name> key".' }) name: string | null,
    @Arg('expiresAt', () => Date, { nullable: true }) expiresAt: Date | null,
    @Arg('previousKeyGraceSeconds', () => Int, { nullable: true, description: 'At most 30 days.' })
    previousKeyGraceSeconds: number | null,
    @Ctx() { em, services, access }: GatewayContext,
  ) {
    return services.apiKeys.generate(em, access, {
      processingServiceId: parseId(processingServiceId, 'processingServiceId'),
      name,
      expiresAt,
      previousKeyGraceSeconds,
    });
  }

  @Auth('USER')
  @Mutation(() => ApiKeyType, { description: 'Revokes a key for good. Project managers of its service, or superusers.' })
  revokeKey(@Arg('id', () => ID) id: string, @Ctx() { em, services, access }: GatewayContext) {
    return services.apiKeys.revoke(em, access, parseId(id));
  }
}

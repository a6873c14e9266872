import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Resolver, Root } from 'type-graphql';
import { requestOrigin } from '../audit/audit-origin';
import { Auth } from '../auth/auth-rule';
import { parseId } from '../core/ids';
import type { GatewayContext } from '../graphql/context';
import type { ProcessingService } from '../processing-services/processing-service.entity';
import { ProcessingServiceType } from '../processing-services/processing-service.type';
import type { ApiKeyLoaders } from './api-key.loaders';
import type { ApiKeyService } from './api-key.service';
import { ApiKeyType, GenerateKeyPayload } from './api-key.type';
import type { ApiKeyView } from './api-key.view';

declare module '../graphql/context' {
  interface GatewayServices {
    apiKeys: ApiKeyService;
  }
  interface GatewayLoaders extends ApiKeyLoaders {}
}

declare module '../auth/auth-rule' {
  interface AuthScopes {
    ApiKey: Pick<ApiKeyView, 'processingServiceId'>;
  }
}

@Resolver()
export class ApiKeyResolver {
  @Auth('PROJECT_MANAGER', { scope: 'ProcessingService', arg: 'processingServiceId' })
  @Mutation(() => GenerateKeyPayload, {
    description:
      "Creates a key and returns its plaintext once. The service's other active keys are revoked at once, or with previousKeyGraceSeconds expire by themselves then.",
  })
  generateKey(
    @Arg('processingServiceId', () => ID) processingServiceId: string,
    @Arg('name', () => String, { nullable: true, description: 'Default: "<service name> key".' }) name: string | null,
    @Arg('expiresAt', () => Date, { nullable: true }) expiresAt: Date | null,
    @Arg('previousKeyGraceSeconds', () => Int, { nullable: true, description: 'At most 30 days.' })
    previousKeyGraceSeconds: number | null,
    @Ctx() context: GatewayContext,
  ) {
    const { em, services } = context;
    return services.apiKeys.generate(em, requestOrigin(context), {
      processingServiceId: parseId(processingServiceId, 'processingServiceId'),
      name,
      expiresAt,
      previousKeyGraceSeconds,
    });
  }

  @Auth('PROJECT_MANAGER', { scope: 'ApiKey', arg: 'id' })
  @Mutation(() => ApiKeyType, { description: 'Revokes a key for good.' })
  revokeKey(@Arg('id', () => ID) id: string, @Ctx() context: GatewayContext) {
    return context.services.apiKeys.revoke(context.em, parseId(id), requestOrigin(context));
  }
}

/** A processing service's keys; lives here so the keys domain owns the relation. */
@Resolver(() => ProcessingServiceType)
export class ProcessingServiceKeysResolver {
  @FieldResolver(() => String, { nullable: true, description: 'Prefix of the newest key that is neither revoked nor expired.' })
  async apiKeyPrefix(@Root() service: ProcessingService, @Ctx() { loaders }: GatewayContext) {
    return (await loaders.activeKeyPrefixByService.load(service.id))?.prefix ?? null;
  }

  @Auth('PROJECT_MANAGER', { scope: 'ProcessingService' })
  @FieldResolver(() => [ApiKeyType], {
    nullable: true,
    description: 'All keys, newest first. Project managers only: others get null here with a FORBIDDEN error, and the rest of the service still resolves.',
  })
  apiKeys(@Root() service: ProcessingService, @Ctx() { loaders }: GatewayContext) {
    return loaders.apiKeysByService.load(service.id);
  }
}

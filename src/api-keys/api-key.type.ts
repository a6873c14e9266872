import { Field, ID, ObjectType } from 'type-graphql';
import { Auth } from '../auth/auth-rule';
import { ProcessingServiceType } from '../processing-services/processing-service.type';

@Auth('PROJECT_MANAGER', { scope: 'ApiKey' })
@ObjectType('ApiKey', { simpleResolvers: true, description: 'An API key of a processing service. Only its public prefix is ever shown again.' })
export class ApiKeyType {
  @Field(() => ID)
  id!: number;

  @Field(() => String)
  prefix!: string;

  @Field(() => String)
  name!: string;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date, { nullable: true })
  expiresAt!: Date | null;

  @Field(() => Date, { nullable: true })
  revokedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'Updated at most every few seconds.' })
  lastUsedAt!: Date | null;
}

/** Returned only by generateKey, whose rule already names the service's project managers. */
@Auth('USER')
@ObjectType('GenerateKeyPayload', { simpleResolvers: true })
export class GenerateKeyPayload {
  @Field(() => String, { description: 'The plaintext key, for `Authorization: Api-Key <key>`. Shown only here, once.' })
  key!: string;

  @Field(() => ApiKeyType)
  apiKey!: ApiKeyType;

  @Field(() => ProcessingServiceType)
  processingService!: ProcessingServiceType;
}

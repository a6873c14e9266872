import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, ID, InputType } from 'type-graphql';

@InputType('CreateProcessingServiceInput')
export class CreateProcessingServiceInput {
  @Field(() => String, { description: 'At most 255 characters; need not be unique.' })
  name!: string;

  @Field(() => String, { nullable: true })
  description?: string;

  @Field(() => String, { nullable: true, description: 'http(s) URL for push mode; empty or null for pull mode.' })
  endpointUrl?: string | null;

  @Field(() => [ID], { description: 'Projects it serves; you must manage each of them.' })
  projectIds!: string[];
}

@InputType('UpdateProcessingServiceInput', { description: 'Fields left out are not changed.' })
export class UpdateProcessingServiceInput {
  @Field(() => String, { nullable: true })
  name?: string;

  @Field(() => String, { nullable: true })
  description?: string;

  @Field(() => String, { nullable: true, description: 'Set to null or empty to switch to pull mode.' })
  endpointUrl?: string | null;

  @Field(() => [ID], { nullable: true, description: 'The complete new set of projects.' })
  projectIds?: string[];
}

@InputType('ClientInfoInput', { description: 'What a worker says about itself. Strings are cut to 500 characters.' })
export class ClientInfoInput {
  @Field(() => String, { nullable: true })
  hostname?: string;

  @Field(() => String, { nullable: true })
  software?: string;

  @Field(() => String, { nullable: true })
  version?: string;

  @Field(() => String, { nullable: true })
  platform?: string;

  @Field(() => String, { nullable: true })
  podName?: string;

  @Field(() => GraphQLJSONObject, { nullable: true, description: 'At most 20 keys with scalar values.' })
  extra?: Record<string, unknown>;
}

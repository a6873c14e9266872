import { GraphQLJSON } from 'graphql-scalars';
import { Field, InputType, Int } from 'type-graphql';
import type { TaskType } from './task-type';
import { AlgorithmTaskTypeEnum } from './pipeline.type';

@InputType('PipelineStageParamInput')
export class PipelineStageParamInput {
  @Field(() => String)
  name!: string;

  @Field(() => String)
  key!: string;

  @Field(() => String)
  category!: string;
}

@InputType('PipelineStageInput')
export class PipelineStageInput {
  @Field(() => String)
  key!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => [PipelineStageParamInput], { nullable: true, defaultValue: [] })
  params?: PipelineStageParamInput[] | null;
}

@InputType('CategoryMapInput', { description: 'Maps are stored once per distinct (data, labels).' })
export class CategoryMapInput {
  @Field(() => [GraphQLJSON], { description: 'One entry per category (any JSON), e.g. { index, label, gbif_key }.' })
  data!: unknown[];

  @Field(() => [String])
  labels!: string[];

  @Field(() => String, { nullable: true })
  version?: string | null;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => String, { nullable: true })
  uri?: string | null;
}

@InputType('AlgorithmConfigInput', {
  description: 'An algorithm is identified by (key, version); one already registered is kept as stored.',
})
export class AlgorithmConfigInput {
  @Field(() => String)
  name!: string;

  @Field(() => String)
  key!: string;

  @Field(() => Int, { defaultValue: 1 })
  version!: number;

  @Field(() => String, { nullable: true })
  versionName?: string | null;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => AlgorithmTaskTypeEnum, { defaultValue: 'UNKNOWN' })
  taskType!: TaskType;

  @Field(() => String, { nullable: true })
  uri?: string | null;

  @Field(() => CategoryMapInput, { nullable: true, description: 'Required for CLASSIFICATION and TAGGING.' })
  categoryMap?: CategoryMapInput | null;
}

@InputType('PipelineConfigInput', { description: 'A pipeline is identified by its slug.' })
export class PipelineConfigInput {
  @Field(() => String)
  name!: string;

  @Field(() => String, { description: 'Letters, digits, "_", "-" and ".".' })
  slug!: string;

  @Field(() => Int)
  version!: number;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => [AlgorithmConfigInput], { nullable: true, defaultValue: [], description: 'In pipeline order.' })
  algorithms?: AlgorithmConfigInput[] | null;

  @Field(() => [PipelineStageInput], { nullable: true, defaultValue: [] })
  stages?: PipelineStageInput[] | null;
}

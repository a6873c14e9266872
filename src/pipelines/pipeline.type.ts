import { GraphQLJSON } from 'graphql-scalars';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Auth } from '../auth/auth-rule';
import { registerStringEnum } from '../graphql/enum';
import { taskTypes } from './task-type';

export const AlgorithmTaskTypeEnum = registerStringEnum(
  taskTypes,
  'AlgorithmTaskType',
  'What an algorithm does. CLASSIFICATION and TAGGING output labels, so they need a category map.',
);

/** Pipeline definitions are shared across projects; any signed-in caller reaching one may read it. */
@Auth(['USER', 'PROCESSING_SERVICE'])
@ObjectType('PipelineStageParam', { simpleResolvers: true })
export class PipelineStageParamType {
  @Field(() => String)
  name!: string;

  @Field(() => String)
  key!: string;

  @Field(() => String)
  category!: string;
}

@Auth(['USER', 'PROCESSING_SERVICE'])
@ObjectType('PipelineStage', { simpleResolvers: true, description: 'A step of a pipeline as the worker describes it, with its parameters.' })
export class PipelineStageType {
  @Field(() => String)
  key!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => [PipelineStageParamType])
  params!: PipelineStageParamType[];
}

@Auth(['USER', 'PROCESSING_SERVICE'])
@ObjectType('CategoryMap', { simpleResolvers: true, description: 'The labels a classifier outputs. Identical maps are stored once.' })
export class CategoryMapType {
  @Field(() => [GraphQLJSON], { description: 'One entry per category, as the worker sent it.' })
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

@Auth(['USER', 'PROCESSING_SERVICE'])
@ObjectType('Algorithm', { simpleResolvers: true, description: 'One model step, identified by key and version. Immutable once registered.' })
export class AlgorithmType {
  @Field(() => ID)
  id!: number;

  @Field(() => String)
  key!: string;

  @Field(() => String)
  name!: string;

  @Field(() => Int)
  version!: number;

  @Field(() => String, { nullable: true })
  versionName?: string | null;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => AlgorithmTaskTypeEnum)
  taskType!: string;

  @Field(() => String, { nullable: true })
  uri?: string | null;

  @Field(() => CategoryMapType, { nullable: true })
  categoryMap!: CategoryMapType | null;
}

@Auth(['USER', 'PROCESSING_SERVICE'])
@ObjectType('Pipeline', { simpleResolvers: true, description: 'A named, versioned chain of algorithms, identified by its slug.' })
export class PipelineType {
  @Field(() => ID)
  id!: number;

  @Field(() => String)
  name!: string;

  @Field(() => String)
  slug!: string;

  @Field(() => Int)
  version!: number;

  @Field(() => String)
  description!: string;

  @Field(() => [PipelineStageType])
  stages!: PipelineStageType[];

  @Field(() => [AlgorithmType], { description: 'In pipeline order.' })
  algorithms!: AlgorithmType[];

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date)
  updatedAt!: Date;
}

@Auth('PROCESSING_SERVICE')
@ObjectType('PipelineRegistrationResult', { simpleResolvers: true })
export class PipelineRegistrationResult {
  @Field(() => Date)
  timestamp!: Date;

  @Field(() => Boolean, { description: 'Always true: a registration that fails returns an error instead.' })
  success!: boolean;

  @Field(() => [PipelineType], { description: 'Every registered pipeline, in payload order.' })
  pipelines!: PipelineType[];

  @Field(() => [PipelineType], { description: 'The pipelines this call created (not those it only linked).' })
  pipelinesCreated!: PipelineType[];

  @Field(() => [AlgorithmType], { description: 'The algorithms this call created.' })
  algorithmsCreated!: AlgorithmType[];
}

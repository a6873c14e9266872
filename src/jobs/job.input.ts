import { Field, Float, ID, InputType, Int } from 'type-graphql';

@InputType('JobImageInput', { description: "A source image: the platform's id and a URL workers can fetch." })
export class JobImageInput {
  @Field(() => String, { description: 'Unique within the job; at most 255 characters.' })
  id!: string;

  @Field(() => String, { description: 'http(s), at most 2048 characters.' })
  url!: string;
}

@InputType('CreateJobInput')
export class CreateJobInput {
  @Field(() => ID)
  projectId!: string;

  @Field(() => String, { description: 'A pipeline enabled for the project.' })
  pipelineSlug!: string;

  @Field(() => String, { description: 'At most 255 characters.' })
  name!: string;

  @Field(() => [JobImageInput], { nullable: true, description: 'At most 1000; add more with addJobImages.' })
  images?: JobImageInput[] | null;

  @Field(() => Int, { nullable: true, description: 'Leases of a task before it fails for good (1 to 100, default 3).' })
  maxAttempts?: number | null;

  @Field(() => Int, { nullable: true, description: 'How long a lease lasts unless renewed (1 to 86400 seconds, default 300).' })
  leaseSeconds?: number | null;
}

@InputType('AlgorithmReferenceInput')
export class AlgorithmReferenceInput {
  @Field(() => String)
  name!: string;

  @Field(() => String, { description: "Must be an algorithm of the job's pipeline." })
  key!: string;
}

@InputType('SourceImageInput')
export class SourceImageInput {
  @Field(() => String)
  id!: string;

  @Field(() => String, { nullable: true })
  url?: string | null;
}

@InputType('BoundingBoxInput', { description: 'Finite, with x1 <= x2 and y1 <= y2.' })
export class BoundingBoxInput {
  @Field(() => Float)
  x1!: number;

  @Field(() => Float)
  y1!: number;

  @Field(() => Float)
  x2!: number;

  @Field(() => Float)
  y2!: number;
}

@InputType('ClassificationInput')
export class ClassificationInput {
  @Field(() => String, { description: 'The label.' })
  classification!: string;

  @Field(() => [String], { nullable: true, description: 'All labels in model order; as many as scores. May be left out for large maps.' })
  labels?: string[] | null;

  @Field(() => [Float])
  scores!: number[];

  @Field(() => [Float], { nullable: true, description: 'As many as scores.' })
  logits?: number[] | null;

  @Field(() => Float, { nullable: true })
  inferenceTime?: number | null;

  @Field(() => AlgorithmReferenceInput)
  algorithm!: AlgorithmReferenceInput;

  @Field(() => Boolean, { nullable: true, defaultValue: true })
  terminal?: boolean | null;

  @Field(() => Date)
  timestamp!: Date;
}

@InputType('DetectionInput')
export class DetectionInput {
  @Field(() => String, { nullable: true, description: "If given, the task's image id." })
  sourceImageId?: string | null;

  @Field(() => BoundingBoxInput)
  bbox!: BoundingBoxInput;

  @Field(() => Float, { nullable: true })
  inferenceTime?: number | null;

  @Field(() => AlgorithmReferenceInput)
  algorithm!: AlgorithmReferenceInput;

  @Field(() => Date)
  timestamp!: Date;

  @Field(() => String, { nullable: true })
  cropImageUrl?: string | null;

  @Field(() => [ClassificationInput], { defaultValue: [] })
  classifications!: ClassificationInput[];
}

@InputType('PipelineResultInput', { description: "A worker's answer for one task (the original's PipelineResultsResponse)." })
export class PipelineResultInput {
  @Field(() => String, { description: "The job's pipeline slug." })
  pipeline!: string;

  @Field(() => [AlgorithmReferenceInput], { nullable: true })
  algorithms?: AlgorithmReferenceInput[] | null;

  @Field(() => Float, { description: 'Seconds.' })
  totalTime!: number;

  @Field(() => [SourceImageInput], { description: "Exactly the task's image." })
  sourceImages!: SourceImageInput[];

  @Field(() => [DetectionInput])
  detections!: DetectionInput[];

  @Field(() => [String], { nullable: true })
  errors?: string[] | null;
}

@InputType('TaskErrorInput')
export class TaskErrorInput {
  @Field(() => String)
  error!: string;

  @Field(() => String, { nullable: true })
  imageId?: string | null;
}

@InputType('TaskResultInput', { description: 'Either result or error, for the task the lease token names.' })
export class TaskResultInput {
  @Field(() => String)
  leaseToken!: string;

  @Field(() => PipelineResultInput, { nullable: true })
  result?: PipelineResultInput | null;

  @Field(() => TaskErrorInput, { nullable: true })
  error?: TaskErrorInput | null;
}

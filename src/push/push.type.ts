import { Field, Float, ObjectType } from 'type-graphql';
import { Auth } from '../auth/auth-rule';
import { AlgorithmType, PipelineType } from '../pipelines/pipeline.type';
import { ProcessingServiceType } from '../processing-services/processing-service.type';

/** Reached only through checkProcessingService, whose rule already applies. */
@Auth('USER')
@ObjectType('EndpointProblem', { description: 'Why a call to a push-mode endpoint failed.' })
export class EndpointProblemType {
  @Field(() => String, {
    description:
      'ENDPOINT_REFUSED (the outbound policy forbids the address, a redirect or the answer size), ENDPOINT_UNREACHABLE (no connection or no answer in time), ENDPOINT_BAD_ANSWER (an unexpected status or body).',
  })
  code!: string;

  @Field(() => String)
  message!: string;
}

/** Reached only through checkProcessingService, whose rule already applies. */
@Auth('USER')
@ObjectType('ProcessingServiceCheck', { description: 'What one health check of a push-mode service saw; it is also recorded on the service.' })
export class ProcessingServiceCheckType {
  @Field(() => ProcessingServiceType, { description: 'The service as the check left it.' })
  processingService!: ProcessingServiceType;

  @Field(() => Boolean, { description: '/livez answered 200.' })
  live!: boolean;

  @Field(() => Float, { nullable: true, description: 'Seconds /livez took to answer; null when it failed.' })
  latency!: number | null;

  @Field(() => [String], { description: 'The pipeline slugs /readyz reported ready (none when it answered 503).' })
  readyPipelines!: string[];

  @Field(() => EndpointProblemType, { nullable: true })
  error!: EndpointProblemType | null;

  @Field(() => Date)
  checkedAt!: Date;
}

/** Reached only through syncProcessingServicePipelines, whose rule already applies. */
@Auth('USER')
@ObjectType('PipelineSyncResult', { description: "What syncProcessingServicePipelines registered from the endpoint's /info." })
export class PipelineSyncResultType {
  @Field(() => Date)
  timestamp!: Date;

  @Field(() => Boolean, { description: 'Always true: a sync that fails returns an error instead.' })
  success!: boolean;

  @Field(() => [PipelineType], { description: 'Every advertised pipeline, in /info order.' })
  pipelines!: PipelineType[];

  @Field(() => [PipelineType], { description: 'The pipelines this call created (not those it only linked).' })
  pipelinesCreated!: PipelineType[];

  @Field(() => [AlgorithmType], { description: 'The algorithms this call created.' })
  algorithmsCreated!: AlgorithmType[];
}

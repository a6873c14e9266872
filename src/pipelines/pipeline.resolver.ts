import { Arg, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from 'type-graphql';
import { Auth } from '../auth/auth-rule';
import { ForbiddenError } from '../core/errors';
import { parseId } from '../core/ids';
import type { GatewayContext } from '../graphql/context';
import type { ProcessingService } from '../processing-services/processing-service.entity';
import { ClientInfoInput } from '../processing-services/processing-service.input';
import { ProcessingServiceType } from '../processing-services/processing-service.type';
import { Algorithm } from './algorithm.entity';
import { PIPELINE_REGISTRATION_LIMITS as limits } from './pipeline-registration.service';
import { Pipeline } from './pipeline.entity';
import type { AlgorithmView, PipelineView } from './pipeline.loaders';
import { PipelineConfigInput } from './pipeline.input';
import { AlgorithmType, CategoryMapType, PipelineRegistrationResult, PipelineType } from './pipeline.type';

const registerDescription = [
  "Registers the calling processing service's pipelines in a project (the service must be linked to it), then records its heartbeat with clientInfo.",
  'Idempotent: the same payload again writes nothing but the heartbeat. A known slug takes the new name, version, description, stages and algorithm list;',
  'an algorithm already stored under (key, version) is kept as stored. An empty list is a pure heartbeat.',
  `Limits: ${limits.pipelinesPerCall} pipelines per call, ${limits.algorithmsPerPipeline} algorithms per pipeline,`,
  `${limits.algorithmsPerCall} distinct algorithms per call, ${limits.stagesPerPipeline} stages per pipeline, ${limits.paramsPerStage} params per stage,`,
  `${limits.labelsPerCategoryMap} labels (and data entries) per category map; names, slugs, keys and labels ${limits.nameLength} characters,`,
  `uris ${limits.uriLength}, descriptions ${limits.descriptionLength}; plus the HTTP body limit.`,
  'Bad input: BAD_USER_INPUT with extensions.field naming the path, e.g. pipelines.2.algorithms.0.categoryMap.',
].join(' ');

@Resolver(() => PipelineType)
export class PipelineResolver {
  @Auth('PROCESSING_SERVICE')
  @Mutation(() => PipelineRegistrationResult, { description: registerDescription })
  async registerPipelines(
    @Arg('projectId', () => ID) projectId: string,
    @Arg('pipelines', () => [PipelineConfigInput]) pipelines: PipelineConfigInput[],
    @Arg('clientInfo', () => ClientInfoInput, { nullable: true }) clientInfo: ClientInfoInput | null,
    @Ctx() context: GatewayContext,
  ): Promise<PipelineRegistrationResult> {
    const { em, services, principal, client } = context;
    if (principal.kind !== 'service') throw new ForbiddenError('Only a processing service may register pipelines');
    const outcome = await services.pipelineRegistration.register(
      em,
      principal,
      parseId(projectId, 'projectId'),
      pipelines,
      client,
      clientInfo,
    );
    context.heartbeatRecorded = true;
    return { timestamp: new Date(), success: true, ...outcome };
  }

  @FieldResolver(() => [AlgorithmType], { description: 'In pipeline order.' })
  algorithms(@Root() pipeline: Pipeline | PipelineView, @Ctx() { loaders }: GatewayContext): AlgorithmView[] | Promise<AlgorithmView[]> {
    // A service's pipelines arrive with their algorithms; registered ones (entities) load them.
    if (!(pipeline instanceof Pipeline)) return pipeline.algorithms;
    return loaders.algorithmsByPipeline.load(pipeline.id).then((links) => links.map((link) => link.algorithm));
  }
}

@Resolver(() => AlgorithmType)
export class AlgorithmResolver {
  @FieldResolver(() => CategoryMapType, { nullable: true })
  categoryMap(@Root() algorithm: Algorithm | AlgorithmView, @Ctx() { loaders }: GatewayContext) {
    if (!(algorithm instanceof Algorithm)) return algorithm.categoryMap;
    return algorithm.categoryMap ? loaders.categoryMapById.load(algorithm.categoryMap.id) : null;
  }
}

/** The pipelines side of a processing service; lives here so the pipelines domain owns the relation. */
@Resolver(() => ProcessingServiceType)
export class ProcessingServicePipelinesResolver {
  @FieldResolver(() => [PipelineType], { description: 'Pipelines its workers registered, by slug.' })
  async pipelines(@Root() service: ProcessingService, @Ctx() { loaders }: GatewayContext): Promise<PipelineView[]> {
    const links = await loaders.pipelinesByService.load(service.id);
    return links.map((link) => link.pipeline);
  }
}

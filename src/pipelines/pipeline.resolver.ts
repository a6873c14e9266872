import { Arg, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from 'type-graphql';
import { Auth } from '../auth/auth-rule';
import type { ServicePrincipal } from '../auth/principal';
import { parseId } from '../core/ids';
import type { GatewayContext } from '../graphql/context';
import type { ProcessingServiceView } from '../processing-services/processing-service.view';
import { ClientInfoInput } from '../processing-services/processing-service.input';
import { ProcessingServiceType } from '../processing-services/processing-service.type';
import { PIPELINE_REGISTRATION_LIMITS as limits } from './pipeline-registration.plan';
import type { PipelineRegistrationService } from './pipeline-registration.service';
import { PipelineConfigInput } from './pipeline.input';
import type { PipelineLoaders } from './pipeline.loaders';
import { PipelineRegistrationResult, PipelineType } from './pipeline.type';
import type { PipelineView } from './pipeline.views';

declare module '../graphql/context' {
  interface GatewayServices {
    pipelineRegistration: PipelineRegistrationService;
  }
  interface GatewayLoaders extends PipelineLoaders {}
}

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

@Resolver()
export class PipelineResolver {
  @Auth('PROCESSING_SERVICE')
  @Mutation(() => PipelineRegistrationResult, { description: registerDescription })
  async registerPipelines(
    @Arg('projectId', () => ID) projectId: string,
    @Arg('pipelines', () => [PipelineConfigInput]) pipelines: PipelineConfigInput[],
    // Read before the operation runs, as the heartbeat every keyed request records.
    @Arg('clientInfo', () => ClientInfoInput, { nullable: true }) _clientInfo: ClientInfoInput | null,
    @Ctx() { em, services, principal }: GatewayContext<ServicePrincipal>,
  ): Promise<PipelineRegistrationResult> {
    const outcome = await services.pipelineRegistration.register(em, principal, parseId(projectId, 'projectId'), pipelines);
    return { timestamp: new Date(), success: true, ...outcome };
  }
}

/** The pipelines side of a processing service; lives here so the pipelines domain owns the relation. */
@Resolver(() => ProcessingServiceType)
export class ProcessingServicePipelinesResolver {
  @FieldResolver(() => [PipelineType], { description: 'Pipelines its workers registered, by slug.' })
  async pipelines(@Root() service: ProcessingServiceView, @Ctx() { loaders }: GatewayContext): Promise<PipelineView[]> {
    const links = await loaders.pipelinesByService.load(service.id);
    return links.map((link) => link.pipeline);
  }
}

import { Arg, Ctx, ID, Mutation, Resolver } from 'type-graphql';
import { Auth } from '../auth/auth-rule';
import { parseId } from '../core/ids';
import type { GatewayContext } from '../graphql/context';
import type { PushHealthService } from './push-health.service';
import type { PushPipelineSync } from './push-pipeline-sync.service';
import { PipelineSyncResultType, ProcessingServiceCheckType } from './push.type';

declare module '../graphql/context' {
  interface GatewayServices {
    pushHealth: PushHealthService;
    pushPipelineSync: PushPipelineSync;
  }
}

@Resolver()
export class PushResolver {
  @Auth('PROJECT_MANAGER', { scope: 'ProcessingService', arg: 'id' })
  @Mutation(() => ProcessingServiceCheckType, {
    description:
      "Checks a push-mode service's endpoint now (GET /livez and /readyz), records what it saw as the scheduled checks do, and returns it. An endpoint that is refused or fails is reported in `error`, not as an error of this call.",
  })
  async checkProcessingService(@Arg('id', () => ID) id: string, @Ctx() { em, services }: GatewayContext): Promise<ProcessingServiceCheckType> {
    const outcome = await services.pushHealth.checkNow(em, parseId(id));
    return {
      processingService: outcome.service,
      live: outcome.live,
      latency: outcome.latencySeconds,
      readyPipelines: outcome.readyPipelines,
      error: outcome.error,
      checkedAt: outcome.checkedAt,
    };
  }

  @Auth('PROJECT_MANAGER', { scope: 'ProcessingService', arg: 'id' })
  @Mutation(() => PipelineSyncResultType, {
    description:
      "Reads the pipelines a push-mode service advertises at GET /info and registers them in each of its projects, exactly as a worker's registerPipelines does (same limits, refusals and idempotence). An endpoint that is refused or fails: ENDPOINT_REFUSED, ENDPOINT_UNREACHABLE or ENDPOINT_BAD_ANSWER, with nothing stored.",
  })
  async syncProcessingServicePipelines(@Arg('id', () => ID) id: string, @Ctx() { em, services }: GatewayContext): Promise<PipelineSyncResultType> {
    const outcome = await services.pushPipelineSync.sync(em, parseId(id));
    return { timestamp: new Date(), success: true, ...outcome };
  }
}

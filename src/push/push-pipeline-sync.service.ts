import type { EntityManager } from '@mikro-orm/postgresql';
import { NotFoundError, ValidationError } from '../core/errors';
import type { PipelineRegistrationService, RegistrationOutcome } from '../pipelines/pipeline-registration.service';
import type { PushEndpointClient } from './endpoint-client';

/**
 * Pipelines of a push-mode service, read from its endpoint's /info and registered through the
 * registration code workers use, in every project the service is linked to.
 */
export class PushPipelineSync {
  constructor(
    private readonly client: PushEndpointClient,
    private readonly registration: PipelineRegistrationService,
  ) {}

  /**
   * Registers what the endpoint advertises. A pull-mode service, or one linked to no project:
   * ValidationError; endpoint problems: the endpoint errors; a bad advertisement: the
   * registration's ValidationError naming the path in it. Nothing is written on any of these,
   * nor when registering in one of the projects fails: the projects are written in one
   * transaction, after the endpoint answered.
   */
  async sync(em: EntityManager, serviceId: number): Promise<RegistrationOutcome> {
    const [service]: { endpoint_url: string | null; project_ids: number[] }[] = await em.getConnection().execute(
      `select s.endpoint_url,
              coalesce((select array_agg(project_id order by project_id) from processing_service_projects where processing_service_id = s.id), '{}') as project_ids
         from processing_services s where s.id = ?`,
      [serviceId],
    );
    if (!service) throw new NotFoundError('Processing service not found');
    if (!service.endpoint_url) throw new ValidationError('is a pull-mode service: its workers register their own pipelines', 'id');
    if (service.project_ids.length === 0) throw new ValidationError('is linked to no project to register pipelines in', 'id');
    const info = await this.client.info(service.endpoint_url);
    // All projects or none: a failure in one leaves the others as they were.
    return em.transactional(async (tx) => {
      const outcome: RegistrationOutcome = { pipelines: [], pipelinesCreated: [], algorithmsCreated: [] };
      for (const projectId of service.project_ids) {
        const registered = await this.registration.register(tx, { processingServiceId: serviceId }, projectId, info.pipelines);
        outcome.pipelines = registered.pipelines;
        outcome.pipelinesCreated.push(...registered.pipelinesCreated);
        outcome.algorithmsCreated.push(...registered.algorithmsCreated);
      }
      return outcome;
    });
  }
}

import type { EntityManager } from '@mikro-orm/postgresql';
import { NotFoundError, ValidationError } from '../core/errors';
import { ProcessingService } from '../processing-services/processing-service.entity';
import type { HealthObservation, PushEndpointClient } from './endpoint-client';

export interface CheckOutcome extends HealthObservation {
  processingServiceId: number;
  checkedAt: Date;
}

export interface CheckReport extends CheckOutcome {
  /** The service as the check left it. */
  service: ProcessingService;
}

/** The longest check error kept on the service. */
const ERROR_LENGTH = 1_000;

/**
 * Health checks of push-mode services. Each replica claims the checks that are due in PostgreSQL
 * (one UPDATE with SKIP LOCKED), so among all replicas a service is checked once per interval.
 * What a check saw is written with raw SQL, like a heartbeat, so it does not bump updatedAt.
 */
export class PushHealthService {
  constructor(
    private readonly client: PushEndpointClient,
    private readonly settings: { intervalSeconds: number },
  ) {}

  /** Claims up to `limit` push-mode services whose last check was claimed an interval ago or never. */
  async claimDue(em: EntityManager, limit: number): Promise<{ id: number; endpointUrl: string }[]> {
    const rows: { id: number; endpoint_url: string }[] = await em.getConnection().execute(
      `update processing_services s set health_check_claimed_at = now()
        where s.id in (
          select id from processing_services
           where coalesce(endpoint_url, '') <> ''
             and (health_check_claimed_at is null or health_check_claimed_at <= now() - make_interval(secs => ?))
           order by health_check_claimed_at nulls first, id
           limit ?
             for update skip locked)
       returning s.id, s.endpoint_url`,
      [this.settings.intervalSeconds, limit],
    );
    return rows.map((row) => ({ id: row.id, endpointUrl: row.endpoint_url }));
  }

  /** Checks one service at its endpoint and records what it saw (unless its endpoint changed meanwhile). */
  async check(em: EntityManager, service: { id: number; endpointUrl: string }): Promise<CheckOutcome> {
    return this.record(em, service, await this.client.check(service.endpointUrl));
  }

  /**
   * A check claimed by `claimDue`. When `signal` cancels it (the replica is stopping), nothing is
   * recorded and the claim is given back, so another replica checks the service at once.
   */
  async checkClaimed(em: EntityManager, service: { id: number; endpointUrl: string }, signal: AbortSignal): Promise<void> {
    const observation = await this.client.check(service.endpointUrl, signal);
    if (!signal.aborted) {
      await this.record(em, service, observation);
      return;
    }
    await em.getConnection().execute('update processing_services set health_check_claimed_at = null where id = ?', [service.id]);
  }

  private async record(em: EntityManager, service: { id: number; endpointUrl: string }, observation: HealthObservation): Promise<CheckOutcome> {
    const [row]: { last_seen: Date | string }[] = await em.getConnection().execute(
      `update processing_services
          set last_seen = now(), last_seen_live = ?, last_seen_latency = ?, last_seen_ready_pipelines = ?::jsonb, last_check_error = ?
        where id = ? and endpoint_url = ?
       returning last_seen`,
      [
        observation.live,
        observation.latencySeconds,
        JSON.stringify(observation.readyPipelines),
        observation.error ? observation.error.message.slice(0, ERROR_LENGTH) : null,
        service.id,
        service.endpointUrl,
      ],
    );
    return { ...observation, processingServiceId: service.id, checkedAt: row ? new Date(row.last_seen) : new Date() };
  }

  /**
   * Runs a check now, for the UI's "test connection", and counts as this interval's check. A
   * pull-mode service has no endpoint to check: a ValidationError.
   */
  async checkNow(em: EntityManager, serviceId: number): Promise<CheckReport> {
    const [row]: { endpoint_url: string }[] = await em
      .getConnection()
      .execute(
        `update processing_services set health_check_claimed_at = now()
          where id = ? and coalesce(endpoint_url, '') <> '' returning endpoint_url`,
        [serviceId],
      );
    if (!row) {
      if (!(await em.count(ProcessingService, { id: serviceId }))) throw new NotFoundError('Processing service not found');
      throw new ValidationError('is a pull-mode service: it has no endpointUrl to check', 'id');
    }
    const outcome = await this.check(em, { id: serviceId, endpointUrl: row.endpoint_url });
    const service = await em.findOne(ProcessingService, { id: serviceId }, { refresh: true });
    if (!service) throw new NotFoundError('Processing service not found');
    return { ...outcome, service };
  }
}

import { ApiKeyService } from '../api-keys/api-key.service';
import { AuditService } from '../audit/audit.service';
import { FailureLimiter } from '../auth/failure-limiter';
import type { Config } from '../core/config';
import { OutboundHttp } from '../core/outbound-http';
import type { GatewayServices } from '../graphql/context';
import { JobService } from '../jobs/job.service';
import { PipelineRegistrationService } from '../pipelines/pipeline-registration.service';
import { HeartbeatService } from '../processing-services/heartbeat.service';
import { ProcessingServiceService } from '../processing-services/processing-service.service';
import { ProjectService } from '../projects/project.service';
import { PushEndpointClient } from '../push/endpoint-client';
import { PushDispatchService } from '../push/push-dispatch.service';
import { PushHealthService } from '../push/push-health.service';
import { PushPipelineSync } from '../push/push-pipeline-sync.service';
import { UserService } from '../users/user.service';

export type ServiceSettings = Pick<
  Config,
  | 'SESSION_TTL_SECONDS'
  | 'API_KEY_CACHE_TTL_SECONDS'
  | 'SESSION_CACHE_TTL_SECONDS'
  | 'HEARTBEAT_WRITE_INTERVAL_SECONDS'
  | 'ONLINE_WINDOW_SECONDS'
  | 'AUTH_FAILURE_LIMIT'
  | 'AUTH_FAILURE_WINDOW_SECONDS'
  | 'ENDPOINT_ALLOWED_NETWORKS'
  | 'ENDPOINT_DENIED_NETWORKS'
  | 'ENDPOINT_CONNECT_TIMEOUT_MS'
  | 'ENDPOINT_CHECK_TIMEOUT_MS'
  | 'ENDPOINT_PROCESS_TIMEOUT_MS'
  | 'ENDPOINT_MAX_RESPONSE_BYTES'
  | 'PUSH_HEALTH_CHECK_INTERVAL_SECONDS'
  | 'PUSH_BATCH_SIZE'
  | 'PUSH_CONCURRENCY_PER_SERVICE'
  | 'PUSH_RETRIES'
  | 'PUSH_RETRY_BACKOFF_MS'
>;

/**
 * The domain services, created once per process. They hold only process-wide state (caches,
 * throttles); everything per request arrives as arguments. The API, the CLI and tests share them.
 */
export function createServices(config: ServiceSettings) {
  const heartbeats = new HeartbeatService({
    writeIntervalSeconds: config.HEARTBEAT_WRITE_INTERVAL_SECONDS,
    onlineWindowSeconds: config.ONLINE_WINDOW_SECONDS,
  });
  const apiKeys = new ApiKeyService({ cacheTtlSeconds: config.API_KEY_CACHE_TTL_SECONDS });
  const authFailures = new FailureLimiter(config.AUTH_FAILURE_LIMIT, config.AUTH_FAILURE_WINDOW_SECONDS);
  const pipelineRegistration = new PipelineRegistrationService();
  const jobs = new JobService();
  const outbound = new OutboundHttp({
    allowedNetworks: config.ENDPOINT_ALLOWED_NETWORKS,
    deniedNetworks: config.ENDPOINT_DENIED_NETWORKS,
    connectTimeoutMs: config.ENDPOINT_CONNECT_TIMEOUT_MS,
  });
  const endpoints = new PushEndpointClient(outbound, {
    checkTimeoutMs: config.ENDPOINT_CHECK_TIMEOUT_MS,
    processTimeoutMs: config.ENDPOINT_PROCESS_TIMEOUT_MS,
    maxResponseBytes: config.ENDPOINT_MAX_RESPONSE_BYTES,
  });
  const services = {
    settings: { onlineWindowSeconds: config.ONLINE_WINDOW_SECONDS },
    users: new UserService(
      { sessionTtlSeconds: config.SESSION_TTL_SECONDS, sessionCacheTtlSeconds: config.SESSION_CACHE_TTL_SECONDS },
      authFailures,
    ),
    projects: new ProjectService(),
    processingServices: new ProcessingServiceService(apiKeys),
    apiKeys,
    heartbeats,
    pipelineRegistration,
    jobs,
    authFailures,
    audit: new AuditService(),
    outbound,
    pushHealth: new PushHealthService(endpoints, { intervalSeconds: config.PUSH_HEALTH_CHECK_INTERVAL_SECONDS }),
    pushPipelineSync: new PushPipelineSync(endpoints, pipelineRegistration),
    pushDispatch: new PushDispatchService(jobs, endpoints, {
      batchSize: config.PUSH_BATCH_SIZE,
      concurrencyPerService: config.PUSH_CONCURRENCY_PER_SERVICE,
      retries: config.PUSH_RETRIES,
      retryBackoffMs: config.PUSH_RETRY_BACKOFF_MS,
    }),
  };
  return services satisfies GatewayServices;
}

export type Services = ReturnType<typeof createServices>;

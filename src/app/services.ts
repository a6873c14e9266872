import { ApiKeyService } from '../api-keys/api-key.service';
import { FailureLimiter } from '../auth/failure-limiter';
import type { Config } from '../core/config';
import type { GatewayServices } from '../graphql/context';
import { JobService } from '../jobs/job.service';
import { PipelineRegistrationService } from '../pipelines/pipeline-registration.service';
import { HeartbeatService } from '../processing-services/heartbeat.service';
import { ProcessingServiceService } from '../processing-services/processing-service.service';
import { ProjectService } from '../projects/project.service';
import { UserService } from '../users/user.service';

export type ServiceSettings = Pick<
  Config,
  | 'SESSION_TTL_SECONDS'
  | 'API_KEY_CACHE_TTL_SECONDS'
  | 'HEARTBEAT_WRITE_INTERVAL_SECONDS'
  | 'ONLINE_WINDOW_SECONDS'
  | 'AUTH_FAILURE_LIMIT'
  | 'AUTH_FAILURE_WINDOW_SECONDS'
>;

/**
 * The domain services, created once per process. They hold only process-wide state (caches,
 * throttles); everything per request arrives as arguments. The API, the CLI and tests share them.
 */
export function createServices(config: ServiceSettings) {
  const heartbeats = new HeartbeatService({ writeIntervalSeconds: config.HEARTBEAT_WRITE_INTERVAL_SECONDS });
  const apiKeys = new ApiKeyService({ cacheTtlSeconds: config.API_KEY_CACHE_TTL_SECONDS });
  const authFailures = new FailureLimiter(config.AUTH_FAILURE_LIMIT, config.AUTH_FAILURE_WINDOW_SECONDS);
  const services = {
    settings: { onlineWindowSeconds: config.ONLINE_WINDOW_SECONDS },
    users: new UserService({ sessionTtlSeconds: config.SESSION_TTL_SECONDS }, authFailures),
    projects: new ProjectService(),
    processingServices: new ProcessingServiceService(apiKeys),
    apiKeys,
    heartbeats,
    pipelineRegistration: new PipelineRegistrationService(),
    jobs: new JobService(),
    authFailures,
  };
  return services satisfies GatewayServices;
}

export type Services = ReturnType<typeof createServices>;

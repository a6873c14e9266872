import { ApiKey } from '../api-keys/api-key.entity';
import { AuditEvent } from '../audit/audit-event.entity';
import { Job } from '../jobs/job.entity';
import { TaskResult } from '../jobs/task-result.entity';
import { Task, TaskLease } from '../jobs/task.entity';
import { Algorithm } from '../pipelines/algorithm.entity';
import { CategoryMap } from '../pipelines/category-map.entity';
import { PipelineAlgorithm } from '../pipelines/pipeline-algorithm.entity';
import { Pipeline } from '../pipelines/pipeline.entity';
import { ProcessingServicePipeline } from '../pipelines/processing-service-pipeline.entity';
import { ProjectPipelineConfig } from '../pipelines/project-pipeline-config.entity';
import { ProcessingServiceProject } from '../processing-services/processing-service-project.entity';
import { ProcessingServiceWorker } from '../processing-services/processing-service-worker.entity';
import { ProcessingService } from '../processing-services/processing-service.entity';
import { ProjectMembership } from '../projects/project-membership.entity';
import { Project } from '../projects/project.entity';
import { PushBatch } from '../push/push-batch.entity';
import { UserSession } from '../users/user-session.entity';
import { User } from '../users/user.entity';

/** Every entity the ORM knows; listed explicitly so discovery never depends on file globs. */
export const entities = [
  User,
  UserSession,
  Project,
  ProjectMembership,
  ProcessingService,
  ProcessingServiceProject,
  ProcessingServiceWorker,
  ApiKey,
  Pipeline,
  Algorithm,
  CategoryMap,
  PipelineAlgorithm,
  ProjectPipelineConfig,
  ProcessingServicePipeline,
  Job,
  Task,
  TaskLease,
  TaskResult,
  AuditEvent,
  PushBatch,
];

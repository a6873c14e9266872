import 'reflect-metadata';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import { lexicographicSortSchema, type GraphQLSchema } from 'graphql';
import { DateTimeResolver } from 'graphql-scalars';
import { buildSchemaSync, type NonEmptyArray } from 'type-graphql';
import { ApiKeyResolver } from '../api-keys/api-key.resolver';
import { authDirective, enforceAuth, type ParentProjectsResolver } from '../auth/auth.directive';
import { ViewerResolver } from '../auth/viewer.resolver';
import { JobResolver, JobResultResolver, JobWorkerResolver } from '../jobs/job.resolver';
import type { JobView } from '../jobs/job.service';
import { AlgorithmResolver, PipelineResolver, ProcessingServicePipelinesResolver } from '../pipelines/pipeline.resolver';
import type { ProcessingService } from '../processing-services/processing-service.entity';
import { ProcessingServiceResolver } from '../processing-services/processing-service.resolver';
import type { Project } from '../projects/project.entity';
import { ProjectMembershipResolver, ProjectResolver } from '../projects/project.resolver';
import { UserResolver } from '../users/user.resolver';
import type { GatewayContext } from './context';

export const resolvers: NonEmptyArray<Function> = [
  ViewerResolver,
  UserResolver,
  ProjectResolver,
  ProjectMembershipResolver,
  ProcessingServiceResolver,
  ApiKeyResolver,
  PipelineResolver,
  AlgorithmResolver,
  ProcessingServicePipelinesResolver,
  JobResolver,
  JobWorkerResolver,
  JobResultResolver,
];

/** How `@auth(parentProjects: true)` finds the projects of each parent type. */
const parentProjectResolvers: Record<string, ParentProjectsResolver> = {
  Project: async (project: Project) => [project.id],
  Job: async (job: JobView) => [job.projectId],
  ProcessingService: async (service: ProcessingService, { loaders }: GatewayContext) =>
    (await loaders.projectLinksByService.load(service.id)).map((link) => link.projectId),
};

/** Builds the executable schema: type-graphql's classes, with every `@auth` rule enforced. */
export function buildGatewaySchema(extraResolvers: Function[] = []): GraphQLSchema {
  const schema = buildSchemaSync({
    resolvers: [...resolvers, ...extraResolvers] as NonEmptyArray<Function>,
    scalarsMap: [{ type: Date, scalar: DateTimeResolver }],
    directives: [authDirective],
    validate: false,
  });
  return enforceAuth(schema, parentProjectResolvers);
}

/** The schema contract as printed to schema/schema.graphql: sorted, with its directives. */
export function printGatewaySchema(schema: GraphQLSchema = buildGatewaySchema()): string {
  return `${printSchemaWithDirectives(lexicographicSortSchema(schema))}\n`;
}

import 'reflect-metadata';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import { lexicographicSortSchema, type GraphQLSchema } from 'graphql';
import { DateTimeResolver } from 'graphql-scalars';
import { buildSchemaSync, type NonEmptyArray } from 'type-graphql';
import { ApiKeyResolver, ProcessingServiceKeysResolver } from '../api-keys/api-key.resolver';
import { AuditResolver } from '../audit/audit.resolver';
import { authDirective, enforceAuth, type ScopeRef, type ScopeResolvers } from '../auth/auth.directive';
import type { GatewayContext } from '../graphql/context';
import { JobResolver, JobResultResolver, JobWorkerResolver } from '../jobs/job.resolver';
import { PipelineResolver, ProcessingServicePipelinesResolver } from '../pipelines/pipeline.resolver';
import { ProcessingServiceAuditResolver } from '../processing-services/processing-service-audit.resolver';
import { ProcessingServiceResolver } from '../processing-services/processing-service.resolver';
import { ProjectMembershipResolver, ProjectResolver } from '../projects/project.resolver';
import { PushResolver } from '../push/push.resolver';
import { UserResolver } from '../users/user.resolver';
import { ViewerResolver } from './viewer.resolver';

export const resolvers: NonEmptyArray<Function> = [
  ViewerResolver,
  UserResolver,
  ProjectResolver,
  ProjectMembershipResolver,
  ProcessingServiceResolver,
  ProcessingServiceKeysResolver,
  ApiKeyResolver,
  PipelineResolver,
  ProcessingServicePipelinesResolver,
  JobResolver,
  JobWorkerResolver,
  JobResultResolver,
  PushResolver,
  AuditResolver,
  ProcessingServiceAuditResolver,
];

const projectScope = (projectId: number): ScopeRef => ({ projectIds: () => [projectId] });

const serviceScope = (processingServiceId: number, { loaders }: GatewayContext): ScopeRef => ({
  processingServiceId,
  projectIds: async () => (await loaders.projectLinksByService.load(processingServiceId)).map((link) => link.projectId),
});

/**
 * A service named by an argument is read afresh, not through the request's loaders: the field may
 * change its links, and what it returns must not resolve from links cached before the change.
 */
const serviceArgScope = (processingServiceId: number, { em, services }: GatewayContext): ScopeRef => ({
  processingServiceId,
  projectIds: () => services.processingServices.projectIdsOf(em, processingServiceId),
});

/** How each scope named in an `@auth` rule finds its projects, from the object or from an id. */
const scopes: ScopeResolvers<GatewayContext> = {
  Project: { ofObject: (project) => projectScope(project.id), byId: projectScope },
  ProjectMembership: {
    ofObject: (membership) => projectScope(membership.project.id),
    byId: () => null,
  },
  ProcessingService: { ofObject: (service, context) => serviceScope(service.id, context), byId: serviceArgScope },
  Job: {
    ofObject: (job) => projectScope(job.projectId),
    byId: async (id, { loaders }) => {
      const job = await loaders.jobById.load(id);
      return job && projectScope(job.projectId);
    },
  },
  AuditEvent: {
    // Its projects then, and its service's projects now: a service's managers see all of its history.
    ofObject: (event, context) => ({
      projectIds: async () =>
        event.processingServiceId === null
          ? event.projectIds
          : [...event.projectIds, ...(await serviceScope(event.processingServiceId, context).projectIds())],
    }),
    byId: () => null,
  },
  ApiKey: {
    // A key's scope is its service's projects, never the service itself: no key sees keys.
    ofObject: (key, context) => ({ projectIds: serviceScope(key.processingServiceId, context).projectIds }),
    byId: async (id, context) => {
      const key = await context.loaders.apiKeyById.load(id);
      return key && { projectIds: serviceArgScope(key.processingServiceId, context).projectIds };
    },
  },
};

/** Builds the executable schema: type-graphql's classes, with every `@auth` rule enforced. */
export function buildGatewaySchema(extraResolvers: Function[] = []): GraphQLSchema {
  const schema = buildSchemaSync({
    resolvers: [...resolvers, ...extraResolvers] as NonEmptyArray<Function>,
    scalarsMap: [{ type: Date, scalar: DateTimeResolver }],
    directives: [authDirective],
    validate: false,
  });
  return enforceAuth(schema, scopes);
}

/** The schema contract as printed to schema/schema.graphql: sorted, with its directives. */
export function printGatewaySchema(schema: GraphQLSchema = buildGatewaySchema()): string {
  return `${printSchemaWithDirectives(lexicographicSortSchema(schema))}\n`;
}

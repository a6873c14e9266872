import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Ctx, FieldResolver, ID, Info, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { requestOrigin } from '../audit/audit-origin';
import { Auth } from '../auth/auth-rule';
import type { ServicePrincipal } from '../auth/principal';
import { ValidationError } from '../core/errors';
import { parseId } from '../core/ids';
import type { GatewayContext } from '../graphql/context';
import { nodeById } from '../graphql/node';
import { ProjectType } from '../projects/project.type';
import type { HeartbeatService } from './heartbeat.service';
import type { ProcessingService } from './processing-service.entity';
import type { ProcessingServiceView } from './processing-service.view';
import type { ProcessingServiceLoaders } from './processing-service.loaders';
import { ClientInfoInput, CreateProcessingServiceInput, UpdateProcessingServiceInput } from './processing-service.input';
import { serviceMode, serviceStatus, type ProcessingServiceService } from './processing-service.service';
import {
  ClientInfoType,
  ProcessingServiceConnection,
  ProcessingServiceWorkerType,
  ProcessingServiceType,
  ServiceModeEnum,
  ServiceStatusEnum,
} from './processing-service.type';

declare module '../graphql/context' {
  interface GatewayServices {
    processingServices: ProcessingServiceService;
    heartbeats: HeartbeatService;
    settings: { onlineWindowSeconds: number };
  }
  interface GatewayLoaders extends ProcessingServiceLoaders {}
}

declare module '../auth/auth-rule' {
  interface AuthScopes {
    ProcessingService: Pick<ProcessingService, 'id'>;
  }
}

const CURSOR_TAG = 'ps:';

/** A cursor names the project it was issued for, so it cannot be replayed against another list. */
function encodeCursor(projectId: number, id: number): string {
  return Buffer.from(`${CURSOR_TAG}${projectId}:${id}`).toString('base64url');
}

function decodeCursor(cursor: string, projectId: number): number {
  const text = Buffer.from(cursor, 'base64url').toString();
  const parts = text.split(':');
  const [tag, cursorProject, id] = parts;
  if (parts.length !== 3 || `${tag}:` !== CURSOR_TAG || cursorProject !== String(projectId) || id === undefined) {
    throw new ValidationError('is not a cursor of this list', 'after');
  }
  return parseId(id, 'after');
}

const WORKER_PAGE_MAX = 1000;

function checkWorkerPage(first: number): number {
  if (first < 1 || first > WORKER_PAGE_MAX) throw new ValidationError(`must be 1 to ${WORKER_PAGE_MAX}`, 'first');
  return first;
}

function parseIds(ids: readonly string[] | null | undefined, path: string): number[] | undefined {
  return ids?.map((id, index) => parseId(id, `${path}.${index}`));
}

@Resolver(() => ProcessingServiceType)
export class ProcessingServiceResolver {
  @Auth(['PROJECT_MEMBER', 'PROCESSING_SERVICE'], { scope: 'ProcessingService', arg: 'id' })
  @Query(() => ProcessingServiceType, {
    nullable: true,
    description: 'Null when it does not exist or the viewer may not see it. A key sees only its own service.',
  })
  processingService(@Arg('id', () => ID) id: string, @Ctx() { loaders }: GatewayContext) {
    return loaders.processingServiceById.load(parseId(id));
  }

  @Auth('PROJECT_MEMBER', { scope: 'Project', arg: 'projectId' })
  @Query(() => ProcessingServiceConnection, { description: "A project's processing services, newest first." })
  async processingServices(
    @Arg('projectId', () => ID) projectId: string,
    @Arg('first', () => Int, { defaultValue: 50, description: 'At most 100.' }) first: number,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() { em, services }: GatewayContext,
  ): Promise<ProcessingServiceConnection> {
    const project = parseId(projectId, 'projectId');
    const afterId = after === null || after === undefined ? null : decodeCursor(after, project);
    const page = await services.processingServices.listForProject(em, project, first, afterId);
    const edges = page.nodes.map((node) => ({ cursor: encodeCursor(project, node.id), node }));
    return {
      edges,
      totalCount: page.totalCount,
      pageInfo: { hasNextPage: page.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null },
    };
  }

  @Auth('USER')
  @Mutation(() => ProcessingServiceType, {
    description: 'Project managers of every listed project (checked by the service: a rule names one object), or superusers.',
  })
  createProcessingService(
    @Arg('input', () => CreateProcessingServiceInput) input: CreateProcessingServiceInput,
    @Ctx() context: GatewayContext,
  ) {
    const { em, services, access } = context;
    const projectIds = parseIds(input.projectIds, 'input.projectIds');
    return services.processingServices.create(em, access, { ...input, projectIds }, requestOrigin(context));
  }

  @Auth('PROJECT_MANAGER', { scope: 'ProcessingService', arg: 'id' })
  @Mutation(() => ProcessingServiceType, {
    description: 'Also a project manager of every project it joins or leaves, or a superuser.',
  })
  updateProcessingService(
    @Arg('id', () => ID) id: string,
    @Arg('input', () => UpdateProcessingServiceInput) input: UpdateProcessingServiceInput,
    @Ctx() context: GatewayContext,
  ) {
    const { em, services, access } = context;
    const projectIds = parseIds(input.projectIds, 'input.projectIds');
    return services.processingServices.update(em, access, parseId(id), { ...input, projectIds }, requestOrigin(context));
  }

  @Auth('PROJECT_MANAGER', { scope: 'ProcessingService', arg: 'id' })
  @Mutation(() => Boolean, { description: 'Deletes the service, its keys and links. Also a manager of all its projects, or a superuser.' })
  deleteProcessingService(@Arg('id', () => ID) id: string, @Ctx() context: GatewayContext) {
    return context.services.processingServices.delete(context.em, context.access, parseId(id), requestOrigin(context));
  }

  @Auth('PROCESSING_SERVICE')
  @Mutation(() => ProcessingServiceType, {
    description: 'Reports the calling service alive, with what the worker says about itself. For idle workers.',
  })
  heartbeat(
    // Read before the operation runs, as the heartbeat every keyed request records.
    @Arg('clientInfo', () => ClientInfoInput, { nullable: true }) _clientInfo: ClientInfoInput | null,
    @Ctx() { principal, loaders }: GatewayContext<ServicePrincipal>,
    @Info() info: GraphQLResolveInfo,
  ) {
    return nodeById(info, principal.processingServiceId, (id) => loaders.processingServiceById.load(id));
  }

  @FieldResolver(() => ServiceModeEnum)
  mode(@Root() service: ProcessingServiceView) {
    return serviceMode(service);
  }

  @FieldResolver(() => ServiceStatusEnum)
  status(@Root() service: ProcessingServiceView, @Ctx() { services }: GatewayContext) {
    return serviceStatus(services.heartbeats.seen(service), services.settings.onlineWindowSeconds);
  }

  @FieldResolver()
  lastSeen(@Root() service: ProcessingServiceView, @Ctx() { services }: GatewayContext) {
    return services.heartbeats.seen(service).lastSeen ?? null;
  }

  @FieldResolver()
  lastSeenLive(@Root() service: ProcessingServiceView, @Ctx() { services }: GatewayContext) {
    return services.heartbeats.seen(service).lastSeenLive ?? null;
  }

  @FieldResolver(() => ClientInfoType, { nullable: true, description: 'The last known worker.' })
  lastSeenClientInfo(@Root() service: ProcessingServiceView, @Ctx() { services }: GatewayContext) {
    return services.heartbeats.seen(service).lastSeenClientInfo ?? null;
  }

  @FieldResolver(() => [ProcessingServiceWorkerType], {
    description: 'The distinct workers seen within the online window, most recently seen first (written behind, so up to a few seconds late).',
  })
  workers(
    @Root() service: ProcessingServiceView,
    @Arg('first', () => Int, { defaultValue: 10, description: 'At most 1000; ask for as many as the fleet has.' }) first: number,
    @Ctx() { loaders }: GatewayContext,
  ) {
    return loaders.workersByService(checkWorkerPage(first)).load(service.id);
  }

  @FieldResolver(() => [ProjectType])
  async projects(@Root() service: ProcessingServiceView, @Ctx() { loaders }: GatewayContext) {
    const links = await loaders.projectLinksByService.load(service.id);
    const projects = await loaders.projectById.loadMany(links.map((link) => link.projectId));
    return projects.filter((project) => project !== null && !(project instanceof Error));
  }
}

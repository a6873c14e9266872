import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Ctx, FieldResolver, ID, Info, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { ApiKeyType } from '../api-keys/api-key.type';
import { Auth } from '../auth/auth-rule';
import { ForbiddenError, NotFoundError, ValidationError } from '../core/errors';
import { parseId } from '../core/ids';
import type { GatewayContext } from '../graphql/context';
import { ProjectType } from '../projects/project.type';
import { sanitizeReported } from './client-info';
import type { ProcessingService } from './processing-service.entity';
import { ClientInfoInput, CreateProcessingServiceInput, UpdateProcessingServiceInput } from './processing-service.input';
import { serviceMode, serviceStatus } from './processing-service.service';
import {
  ClientInfoType,
  ProcessingServiceConnection,
  ProcessingServiceType,
  ServiceModeEnum,
  ServiceStatusEnum,
} from './processing-service.type';

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

/** True when the field's selection asks for nothing but `id` / `__typename` (no fragments). */
function selectsOnlyId(info: GraphQLResolveInfo): boolean {
  return info.fieldNodes.every((node) =>
    (node.selectionSet?.selections ?? []).every(
      (selection) => selection.kind === 'Field' && (selection.name.value === 'id' || selection.name.value === '__typename'),
    ),
  );
}

function parseIds(ids: readonly string[] | null | undefined, path: string): number[] | undefined {
  return ids?.map((id, index) => parseId(id, `${path}.${index}`));
}

@Resolver(() => ProcessingServiceType)
export class ProcessingServiceResolver {
  @Auth(['USER', 'PROCESSING_SERVICE'])
  @Query(() => ProcessingServiceType, {
    nullable: true,
    description: 'Null when it does not exist or the viewer may not see it. A key sees only its own service.',
  })
  processingService(@Arg('id', () => ID) id: string, @Ctx() { em, services, access }: GatewayContext) {
    return services.processingServices.findVisible(em, access, parseId(id));
  }

  @Auth('PROJECT_MEMBER', { projectArg: 'projectId' })
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
  @Mutation(() => ProcessingServiceType, { description: 'Project managers of every listed project, or superusers.' })
  createProcessingService(
    @Arg('input', () => CreateProcessingServiceInput) input: CreateProcessingServiceInput,
    @Ctx() { em, services, access }: GatewayContext,
  ) {
    return services.processingServices.create(em, access, { ...input, projectIds: parseIds(input.projectIds, 'input.projectIds') });
  }

  @Auth('USER')
  @Mutation(() => ProcessingServiceType, {
    description: 'Project managers of the service and of every project it joins or leaves, or superusers.',
  })
  updateProcessingService(
    @Arg('id', () => ID) id: string,
    @Arg('input', () => UpdateProcessingServiceInput) input: UpdateProcessingServiceInput,
    @Ctx() { em, services, access }: GatewayContext,
  ) {
    return services.processingServices.update(em, access, parseId(id), {
      ...input,
      projectIds: parseIds(input.projectIds, 'input.projectIds'),
    });
  }

  @Auth('USER')
  @Mutation(() => Boolean, { description: 'Deletes the service, its keys and links. Managers of all its projects, or superusers.' })
  deleteProcessingService(@Arg('id', () => ID) id: string, @Ctx() { em, services, access }: GatewayContext) {
    return services.processingServices.delete(em, access, parseId(id));
  }

  @Auth('PROCESSING_SERVICE')
  @Mutation(() => ProcessingServiceType, {
    description: 'Reports the calling service alive, with what the worker says about itself. For idle workers.',
  })
  async heartbeat(
    @Arg('clientInfo', () => ClientInfoInput, { nullable: true }) clientInfo: ClientInfoInput | null,
    @Ctx() context: GatewayContext,
    @Info() info: GraphQLResolveInfo,
  ) {
    const { principal, services, em, client, loaders } = context;
    if (principal.kind !== 'service') throw new ForbiddenError('Only a processing service may send heartbeats');
    await services.heartbeats.record(em, principal, client, clientInfo ? sanitizeReported(clientInfo) : undefined);
    context.heartbeatRecorded = true;
    // Workers mostly ask for `{ id }`: the key already proved it, so a throttled heartbeat reads no row.
    if (selectsOnlyId(info)) return { id: principal.processingServiceId };
    const service = await loaders.processingServiceById.load(principal.processingServiceId);
    if (!service) throw new NotFoundError('Processing service not found');
    return service;
  }

  @FieldResolver(() => ServiceModeEnum)
  mode(@Root() service: ProcessingService) {
    return serviceMode(service);
  }

  @FieldResolver(() => ServiceStatusEnum)
  status(@Root() service: ProcessingService, @Ctx() { services }: GatewayContext) {
    return serviceStatus(service, services.settings.onlineWindowSeconds);
  }

  @FieldResolver(() => ClientInfoType, { nullable: true, description: 'The last known worker.' })
  lastSeenClientInfo(@Root() service: ProcessingService) {
    return service.lastSeenClientInfo ?? null;
  }

  @FieldResolver(() => String, { nullable: true, description: 'Prefix of the newest key that is neither revoked nor expired.' })
  async apiKeyPrefix(@Root() service: ProcessingService, @Ctx() { loaders }: GatewayContext) {
    return (await loaders.activeKeyPrefixByService.load(service.id))?.prefix ?? null;
  }

  @Auth('PROJECT_MANAGER', { parentProjects: true })
  @FieldResolver(() => [ApiKeyType], {
    nullable: true,
    description: 'All keys, newest first. Project managers only: others get null here with a FORBIDDEN error, and the rest of the service still resolves.',
  })
  apiKeys(@Root() service: ProcessingService, @Ctx() { loaders }: GatewayContext) {
    return loaders.apiKeysByService.load(service.id);
  }

  @FieldResolver(() => [ProjectType])
  async projects(@Root() service: ProcessingService, @Ctx() { loaders }: GatewayContext) {
    const links = await loaders.projectLinksByService.load(service.id);
    const projects = await loaders.projectById.loadMany(links.map((link) => link.projectId));
    return projects.filter((project) => project !== null && !(project instanceof Error));
  }
}

import { ForeignKeyConstraintViolationException, LockMode, type EntityManager } from '@mikro-orm/postgresql';
import type { AuditOrigin } from '../audit/audit-origin';
import { recordAuditEvent } from '../audit/audit-trail';
import { isAllPowerful } from '../auth/principal';
import type { ProjectAccess } from '../auth/project-access';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../core/errors';
import { notifyInvalidation } from '../core/invalidation';
import { Project } from '../projects/project.entity';
import { ProcessingServiceProject } from './processing-service-project.entity';
import { ProcessingService } from './processing-service.entity';

export interface ProcessingServiceInput {
  name?: string | null;
  description?: string | null;
  endpointUrl?: string | null;
  projectIds?: readonly number[] | null;
}

export const SERVICE_LIMITS = {
  name: 255,
  description: 10_000,
  endpointUrl: 1024,
  projects: 100,
  pageSize: 100,
} as const;

export type ServiceMode = 'PUSH' | 'PULL';
export type ServiceStatus = 'ONLINE' | 'OFFLINE' | 'UNKNOWN';

/** Push services have an endpoint the platform calls; pull services (no endpoint) call in. */
export function serviceMode(service: Pick<ProcessingService, 'endpointUrl'>): ServiceMode {
  return service.endpointUrl ? 'PUSH' : 'PULL';
}

/** Online while the last heartbeat is fresher than the window and reported the service live. */
export function serviceStatus(
  service: Pick<ProcessingService, 'lastSeen' | 'lastSeenLive'>,
  onlineWindowSeconds: number,
  now = Date.now(),
): ServiceStatus {
  if (!service.lastSeen) return 'UNKNOWN';
  const fresh = now - service.lastSeen.getTime() <= onlineWindowSeconds * 1000;
  return fresh && service.lastSeenLive ? 'ONLINE' : 'OFFLINE';
}

function checkEndpointUrl(value: string | null | undefined): string | null {
  const url = value?.trim();
  if (!url) return null;
  if (url.length > SERVICE_LIMITS.endpointUrl) {
    throw new ValidationError(`may not exceed ${SERVICE_LIMITS.endpointUrl} characters`, 'input.endpointUrl');
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ValidationError('is not a valid URL', 'input.endpointUrl');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ValidationError('must be an http or https URL', 'input.endpointUrl');
  }
  if (parsed.username || parsed.password) {
    throw new ValidationError('may not contain credentials', 'input.endpointUrl');
  }
  return url;
}

function checkText(value: string, field: 'name' | 'description'): string {
  const limit = SERVICE_LIMITS[field];
  if (value.length > limit) throw new ValidationError(`may not exceed ${limit} characters`, `input.${field}`);
  return value;
}

function checkName(value: string | null | undefined): string {
  const name = checkText(value?.trim() ?? '', 'name');
  if (!name) throw new ValidationError('may not be empty', 'input.name');
  return name;
}

/** Which projects a service joins and leaves when its set becomes `wanted`. */
function projectChanges(current: readonly number[], wanted: readonly number[]): { joining: number[]; leaving: number[] } {
  return {
    joining: wanted.filter((projectId) => !current.includes(projectId)),
    leaving: current.filter((projectId) => !wanted.includes(projectId)),
  };
}

/** A project deleted between our check and our insert is "not found", not a server error. */
async function projectsMayVanish<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (error instanceof ForeignKeyConstraintViolationException) throw new NotFoundError('Project not found');
    throw error;
  }
}

export interface Page<T> {
  nodes: T[];
  totalCount: number;
  hasNextPage: boolean;
}

/** Told which key prefixes a deleted service took with it, so verified keys are forgotten at once. */
export interface KeyCacheEviction {
  forget(prefixes: readonly string[]): void;
}

/**
 * Processing services. Who may call each operation is the GraphQL rule's to say (a manager of one
 * of the service's projects for changes); what remains here is what a rule on one object cannot
 * express: the projects a change touches, and "all of its projects" for a delete.
 */
export class ProcessingServiceService {
  constructor(private readonly keyCache: KeyCacheEviction) {}

  /** Services linked to a project, newest first, `first` at a time after the cursor id. */
  async listForProject(
    em: EntityManager,
    projectId: number,
    first: number,
    afterId: number | null,
  ): Promise<Page<ProcessingService>> {
    if (!Number.isInteger(first) || first < 1 || first > SERVICE_LIMITS.pageSize) {
      throw new ValidationError(`must be 1 to ${SERVICE_LIMITS.pageSize}`, 'first');
    }
    const knex = em.getKnex();
    const pageQuery = knex
      .select('processing_service_id as id')
      .from('processing_service_projects')
      .where('project_id', projectId)
      .orderBy('processing_service_id', 'desc')
      .limit(first + 1);
    if (afterId !== null) pageQuery.andWhere('processing_service_id', '<', afterId);
    const [pageRows, [countRow]] = await Promise.all([
      pageQuery as Promise<{ id: number }[]>,
      knex('processing_service_projects').where('project_id', projectId).count({ count: '*' }) as Promise<{ count: string }[]>,
    ]);
    const ids = pageRows.map((row) => row.id);
    const nodes = ids.length > 0 ? await em.find(ProcessingService, { id: { $in: ids } }, { orderBy: { id: 'desc' } }) : [];
    const totalCount = Number(countRow?.count ?? 0);
    return { nodes: nodes.slice(0, first), totalCount, hasNextPage: ids.length > first };
  }

  /** Creates a service in the given projects; the caller must manage every one of them. */
  async create(em: EntityManager, access: ProjectAccess, input: ProcessingServiceInput, origin: AuditOrigin): Promise<ProcessingService> {
    const name = checkName(input.name);
    const description = checkText(input.description ?? '', 'description');
    const endpointUrl = checkEndpointUrl(input.endpointUrl);
    const projectIds = await this.existingProjects(em, access, input.projectIds ?? []);
    if (!(await this.managesAll(access, projectIds))) throw new ForbiddenError('You need to be a project manager of every listed project');
    return projectsMayVanish(() =>
      em.transactional(async (tx) => {
        const service = tx.create(ProcessingService, { name, description, endpointUrl });
        for (const projectId of projectIds) {
          tx.create(ProcessingServiceProject, { processingService: service, project: tx.getReference(Project, projectId) });
        }
        await tx.flush();
        await recordAuditEvent(tx, origin, { action: 'SERVICE_CREATED', processingServiceId: service.id, projectIds, details: { mode: serviceMode(service) } });
        return service;
      }),
    );
  }

  /**
   * Changes a service; fields left out stay as they are. With `projectIds`, its projects become
   * exactly those: the caller must also manage every project it joins or leaves. Everything is checked before anything changes; the writes run in
   * one transaction holding the service row, so concurrent changes serialise instead of failing.
   */
  async update(
    em: EntityManager,
    access: ProjectAccess,
    id: number,
    input: ProcessingServiceInput,
    origin: AuditOrigin,
  ): Promise<ProcessingService> {
    const name = input.name === undefined || input.name === null ? undefined : checkName(input.name);
    const description =
      input.description === undefined || input.description === null ? undefined : checkText(input.description, 'description');
    const endpointUrl = input.endpointUrl === undefined ? undefined : checkEndpointUrl(input.endpointUrl);
    let wanted: number[] | undefined;
    let checked = new Set<number>();
    if (input.projectIds) {
      wanted = await this.existingProjects(em, access, input.projectIds);
      const { joining, leaving } = projectChanges(await this.projectIdsOf(em, id), wanted);
      checked = new Set([...joining, ...leaving]);
      // Role checks read on the request's connection, so they happen before the transaction.
      if (!(await this.managesAll(access, [...checked]))) {
        throw new ForbiddenError('You need to be a project manager of every project it joins or leaves');
      }
    }
    return projectsMayVanish(() =>
      em.transactional(async (tx) => {
        const service = await tx.findOne(ProcessingService, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
        if (!service) throw new NotFoundError('Processing service not found');
        const before = { name: service.name, description: service.description, endpointUrl: service.endpointUrl ?? null };
        if (name !== undefined) service.name = name;
        if (description !== undefined) service.description = description;
        if (endpointUrl !== undefined) service.endpointUrl = endpointUrl;
        const changed = (Object.keys(before) as (keyof typeof before)[]).filter((field) => before[field] !== (service[field] ?? null));
        let moved: { projectIds: number[]; joining: number[]; leaving: number[] } | undefined;
        if (wanted) {
          const rows: { project_id: number }[] = await tx.execute(
            'select project_id from processing_service_projects where processing_service_id = ?',
            [id],
          );
          const { joining, leaving } = projectChanges(rows.map((row) => row.project_id), wanted);
          moved = { projectIds: [...new Set([...rows.map((row) => row.project_id), ...wanted])], joining, leaving };
          // Another request changed its projects since the role checks; anything new was not checked.
          if ([...joining, ...leaving].some((projectId) => !checked.has(projectId))) {
            throw new ConflictError('Its projects changed meanwhile; read them again and retry');
          }
          if (leaving.length > 0) {
            await tx.execute('delete from processing_service_projects where processing_service_id = ? and project_id in (?)', [
              id,
              leaving,
            ]);
          }
          if (joining.length > 0) {
            await tx.insertMany(
              ProcessingServiceProject,
              joining.map((projectId) => ({ processingService: id, project: projectId })),
            );
          }
          // The link rows changed behind the ORM's back: bump updatedAt even if no field changed.
          service.updatedAt = new Date();
        }
        if (changed.length > 0 || (moved && moved.joining.length + moved.leaving.length > 0)) {
          // Values are left out: a description or an endpoint's query string may hold what should not be kept.
          await recordAuditEvent(tx, origin, {
            action: 'SERVICE_UPDATED',
            processingServiceId: id,
            processingServiceLabel: service.name,
            projectIds: moved?.projectIds,
            details: {
              changed,
              ...(changed.includes('name') && { previousName: before.name }),
              joinedProjectIds: moved?.joining ?? [],
              leftProjectIds: moved?.leaving ?? [],
            },
          });
        }
        return service;
      }),
    );
  }

  /**
   * Deletes a service; the database cascades to its keys and links. The caller must manage all
   * its projects. Its keys are dropped from this process's verification cache at once (the row
   * lock keeps a concurrent key rotation from slipping a key past that).
   */
  async delete(em: EntityManager, access: ProjectAccess, id: number, origin: AuditOrigin): Promise<boolean> {
    if (!(await this.managesAll(access, await this.projectIdsOf(em, id)))) {
      throw new ForbiddenError('You need to be a project manager of every project of this service');
    }
    const prefixes = await em.transactional(async (tx) => {
      const [service] = await tx.execute('select id from processing_services where id = ? for update', [id]);
      if (!service) throw new NotFoundError('Processing service not found');
      const keys: { prefix: string }[] = await tx.execute('select prefix from api_keys where processing_service_id = ?', [id]);
      await recordAuditEvent(tx, origin, { action: 'SERVICE_DELETED', processingServiceId: id, details: { keyPrefixes: keys.map((key) => key.prefix) } });
      await tx.execute('delete from processing_services where id = ?', [id]);
      if (keys.length > 0) await tx.execute(...notifyInvalidation({ apiKeyPrefixes: keys.map((key) => key.prefix) }));
      return keys.map((key) => key.prefix);
    });
    this.keyCache.forget(prefixes);
    return true;
  }

  async projectIdsOf(em: EntityManager, id: number): Promise<number[]> {
    const links = await em.find(ProcessingServiceProject, { processingService: id }, { orderBy: { project: 'asc' } });
    return links.map((link) => link.project.id);
  }

  /** Checks every project at once (the role lookups batch into one query). */
  private async managesAll(access: ProjectAccess, projectIds: readonly number[]): Promise<boolean> {
    const managed = await Promise.all(projectIds.map((projectId) => access.isManager([projectId])));
    return managed.every(Boolean);
  }

  /** Distinct, existing project ids; else a typed error naming the problem. */
  private async existingProjects(em: EntityManager, access: ProjectAccess, ids: readonly number[]): Promise<number[]> {
    const unique = [...new Set(ids)];
    if (unique.length > SERVICE_LIMITS.projects) {
      throw new ValidationError(`at most ${SERVICE_LIMITS.projects} projects`, 'input.projectIds');
    }
    if (!isAllPowerful(access.principal) && unique.length === 0) {
      throw new ValidationError('name at least one project you manage', 'input.projectIds');
    }
    if (unique.length > 0 && (await em.count(Project, { id: { $in: unique } })) !== unique.length) {
      throw new NotFoundError('Project not found');
    }
    return unique;
  }
}

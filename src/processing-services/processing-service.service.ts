import type { EntityManager } from '@mikro-orm/postgresql';
import type { ApiKeyService } from '../api-keys/api-key.service';
import { isAllPowerful } from '../auth/principal';
import { ForbiddenError, NotFoundError, ValidationError } from '../core/errors';
import type { ProjectAccess } from '../projects/project-access';
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

export interface Page<T> {
  nodes: T[];
  totalCount: number;
  hasNextPage: boolean;
}

export class ProcessingServiceService {
  constructor(private readonly apiKeys: Pick<ApiKeyService, 'forget'>) {}

  /**
   * A service the principal may see: its own for a key, else through a project membership (or as
   * superuser). Null otherwise, so ids do not reveal what exists.
   */
  async findVisible(em: EntityManager, access: ProjectAccess, id: number): Promise<ProcessingService | null> {
    const principal = access.principal;
    if (principal.kind === 'service' && principal.processingServiceId !== id) return null;
    if (principal.kind === 'user' && !isAllPowerful(principal)) {
      const projectIds = await this.projectIdsOf(em, id);
      if (!(await access.hasRole(projectIds, 'BASIC_MEMBER'))) return null;
    }
    if (principal.kind === 'anonymous') return null;
    return em.findOne(ProcessingService, { id });
  }

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
  async create(em: EntityManager, access: ProjectAccess, input: ProcessingServiceInput): Promise<ProcessingService> {
    const name = checkName(input.name);
    const description = checkText(input.description ?? '', 'description');
    const endpointUrl = checkEndpointUrl(input.endpointUrl);
    const projectIds = await this.existingProjects(em, access, input.projectIds ?? []);
    if (!(await this.managesAll(access, projectIds))) throw new ForbiddenError('You do not manage every listed project');
    const service = em.create(ProcessingService, { name, description, endpointUrl });
    for (const projectId of projectIds) {
      em.create(ProcessingServiceProject, { processingService: service, project: em.getReference(Project, projectId) });
    }
    await em.flush();
    return service;
  }

  /**
   * Changes a service; fields left out stay as they are. With `projectIds`, its projects become
   * exactly those: the caller must manage one project it is in (unless superuser) and every
   * project it joins or leaves. Everything is checked before anything changes, and one flush
   * writes it all, so a refused update leaves no trace.
   */
  async update(
    em: EntityManager,
    access: ProjectAccess,
    id: number,
    input: ProcessingServiceInput,
  ): Promise<ProcessingService> {
    const service = await this.findManaged(em, access, id);
    const name = input.name === undefined || input.name === null ? undefined : checkName(input.name);
    const description =
      input.description === undefined || input.description === null ? undefined : checkText(input.description, 'description');
    const endpointUrl = input.endpointUrl === undefined ? undefined : checkEndpointUrl(input.endpointUrl);
    let joining: number[] = [];
    let leaving: ProcessingServiceProject[] = [];
    if (input.projectIds) {
      const wanted = await this.existingProjects(em, access, input.projectIds);
      const links = await em.find(ProcessingServiceProject, { processingService: id });
      const current = new Set(links.map((link) => link.project.id));
      joining = wanted.filter((projectId) => !current.has(projectId));
      leaving = links.filter((link) => !wanted.includes(link.project.id));
      const changed = [...joining, ...leaving.map((link) => link.project.id)];
      if (!(await this.managesAll(access, changed))) {
        throw new ForbiddenError('You do not manage every project it joins or leaves');
      }
    }
    if (name !== undefined) service.name = name;
    if (description !== undefined) service.description = description;
    if (endpointUrl !== undefined) service.endpointUrl = endpointUrl;
    for (const link of leaving) em.remove(link);
    for (const projectId of joining) {
      em.create(ProcessingServiceProject, { processingService: service, project: em.getReference(Project, projectId) });
    }
    await em.flush();
    return service;
  }

  /**
   * Deletes a service; the database cascades to its keys and links. The caller must manage all
   * its projects. Its keys are dropped from this process's verification cache at once.
   */
  async delete(em: EntityManager, access: ProjectAccess, id: number): Promise<boolean> {
    const service = await this.findManaged(em, access, id);
    if (!(await this.managesAll(access, await this.projectIdsOf(em, id)))) {
      throw new ForbiddenError('You do not manage every project of this service');
    }
    const keys: { prefix: string }[] = await em.execute('select prefix from api_keys where processing_service_id = ?', [id]);
    await em.nativeDelete(ProcessingService, { id: service.id });
    this.apiKeys.forget(keys.map((key) => key.prefix));
    return true;
  }

  async projectIdsOf(em: EntityManager, id: number): Promise<number[]> {
    const links = await em.find(ProcessingServiceProject, { processingService: id }, { orderBy: { project: 'asc' } });
    return links.map((link) => link.project.id);
  }

  /** A service the caller may change: a manager of one of its projects, or a superuser. */
  private async findManaged(em: EntityManager, access: ProjectAccess, id: number): Promise<ProcessingService> {
    const service = await this.findVisible(em, access, id);
    if (!service) throw new NotFoundError('Processing service not found');
    if (access.principal.kind === 'service') throw new ForbiddenError('A processing service may not change services');
    if (!isAllPowerful(access.principal) && !(await access.isManager(await this.projectIdsOf(em, id)))) {
      throw new ForbiddenError('Only project managers may change this service');
    }
    return service;
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

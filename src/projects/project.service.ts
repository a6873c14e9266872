import { UniqueConstraintViolationException, type EntityManager } from '@mikro-orm/postgresql';
import type { AuditOrigin } from '../audit/audit-origin';
import { recordAuditEvent } from '../audit/audit-trail';
import { isAllPowerful, type Principal } from '../auth/principal';
import { ForbiddenError, NotFoundError, ValidationError } from '../core/errors';
import { normalizeEmail } from '../users/user.service';
import { User } from '../users/user.entity';
import { ProjectMembership } from './project-membership.entity';
import type { ProjectRole } from '../auth/project-role';
import { Project } from './project.entity';

export interface CreateProjectInput {
  name: string;
  description?: string | null;
}

export const PROJECT_NAME_MAX = 255;
export const PROJECT_DESCRIPTION_MAX = 10_000;

function checkProjectInput(input: CreateProjectInput): { name: string; description: string } {
  const name = input.name.trim();
  if (name.length === 0 || name.length > PROJECT_NAME_MAX) {
    throw new ValidationError(`must be 1 to ${PROJECT_NAME_MAX} characters`, 'input.name');
  }
  const description = input.description ?? '';
  if (description.length > PROJECT_DESCRIPTION_MAX) {
    throw new ValidationError(`may not exceed ${PROJECT_DESCRIPTION_MAX} characters`, 'input.description');
  }
  return { name, description };
}

export class ProjectService {
  /** The projects a principal can see: all for superusers, linked ones for a processing service, else memberships and owned ones. */
  async listVisible(em: EntityManager, actor: Principal): Promise<Project[]> {
    if (isAllPowerful(actor)) return em.find(Project, {}, { orderBy: { id: 'asc' } });
    const ids = await this.visibleIds(em, actor);
    return ids.length > 0 ? em.find(Project, { id: { $in: ids } }, { orderBy: { id: 'asc' } }) : [];
  }

  /** Ids of the projects a non-superuser principal can see. */
  private async visibleIds(em: EntityManager, actor: Principal): Promise<number[]> {
    const knex = em.getKnex();
    let query;
    if (actor.kind === 'service') {
      query = knex
        .select('project_id as id')
        .from('processing_service_projects')
        .where('processing_service_id', actor.processingServiceId);
    } else if (actor.kind === 'user') {
      query = knex
        .select('p.id')
        .from('projects as p')
        .leftJoin('project_memberships as m', (join) => join.on('m.project_id', 'p.id').andOnVal('m.user_id', actor.userId))
        .where((where) => where.where('p.owner_id', actor.userId).orWhereNotNull('m.id'));
    } else {
      return [];
    }
    const rows: { id: number }[] = await query;
    return rows.map((row) => row.id);
  }

  /**
   * Creates a project. Superusers only. The owner is the user with `ownerEmail` when given (the
   * CLI operator is no user), else the creating user.
   */
  async createProject(
    em: EntityManager,
    actor: Principal,
    input: CreateProjectInput,
    ownerEmail?: string,
  ): Promise<Project> {
    if (!isAllPowerful(actor)) throw new ForbiddenError('Only superusers may create projects');
    const { name, description } = checkProjectInput(input);
    let owner: User | null = actor.kind === 'user' ? em.getReference(User, actor.userId) : null;
    if (ownerEmail !== undefined) {
      owner = await em.findOne(User, { email: normalizeEmail(ownerEmail, 'owner') });
      if (!owner) throw new NotFoundError('No user with this email');
    }
    const project = em.create(Project, { name, description, owner });
    await em.flush();
    return project;
  }

  /** Adds a user to a project, or changes the role of an existing member; a change is recorded with it. */
  async addMember(
    em: EntityManager,
    projectId: number,
    emailInput: string,
    role: ProjectRole,
    origin: AuditOrigin,
  ): Promise<ProjectMembership> {
    const email = normalizeEmail(emailInput);
    const [project, user] = await Promise.all([
      em.findOne(Project, { id: projectId }),
      em.findOne(User, { email }),
    ]);
    if (!project) throw new NotFoundError('Project not found');
    if (!user) throw new NotFoundError('No user with this email');
    const save = () =>
      em.transactional(async (tx) => {
        const existing = await tx.findOne(ProjectMembership, { project: projectId, user: user.id });
        const membership = existing ?? tx.create(ProjectMembership, { project: projectId, user: user.id, role });
        const previousRole = existing?.role;
        membership.role = role;
        await tx.flush();
        if (previousRole !== role) {
          await recordAuditEvent(tx, origin, {
            action: existing ? 'MEMBER_ROLE_CHANGED' : 'MEMBER_ADDED',
            projectIds: [projectId],
            targetUserId: user.id,
            targetUserLabel: user.email,
            details: existing ? { role, previousRole: previousRole ?? null } : { role },
          });
        }
        return membership;
      });
    try {
      return await save();
    } catch (error) {
      // A concurrent add of the same member won the race; theirs stands, with this role.
      if (!(error instanceof UniqueConstraintViolationException)) throw error;
      return save();
    }
  }

  /** Removes a member; false when the user was not a member. */
  async removeMember(em: EntityManager, projectId: number, userId: number, origin: AuditOrigin): Promise<boolean> {
    return em.transactional(async (tx) => {
      const [removed] = await tx.execute<{ role: ProjectRole }[]>(
        'delete from project_memberships where project_id = ? and user_id = ? returning role',
        [projectId, userId],
      );
      if (!removed) return false;
      await recordAuditEvent(tx, origin, { action: 'MEMBER_REMOVED', projectIds: [projectId], targetUserId: userId, details: { role: removed.role } });
      return true;
    });
  }
}

import type { EntityManager } from '@mikro-orm/postgresql';
import DataLoader from 'dataloader';
import type { Verdict } from './auth.directive';
import { isAllPowerful, type Principal } from './principal';
import { roleRank, type ProjectRole } from './project-role';

/** Rank of a project owner: above every membership role. */
const OWNER_RANK = roleRank('PROJECT_MANAGER') + 1;
/** Rank of someone with no role in a project. */
export const NO_RANK = -1;

/**
 * Answers "what may this principal do in project X" for one request, batching and caching the
 * lookups so a list of objects costs one query, not one per row: a user's rank in each project,
 * and the projects a key's service is linked to.
 */
export class ProjectAccess {
  private readonly ranks: DataLoader<number, number> | undefined;
  private linkedProjects: Promise<ReadonlySet<number>> | undefined;
  /** Verdicts of rules on objects checked in this request (or being decided), so sibling fields reuse them. */
  readonly verdicts = new WeakMap<object, Map<unknown, Verdict | Promise<Verdict>>>();

  constructor(
    private readonly em: EntityManager,
    readonly principal: Principal,
  ) {
    if (principal.kind === 'user') {
      const userId = principal.userId;
      this.ranks = new DataLoader(async (projectIds) => {
        const rows: { project_id: number; role: ProjectRole | null; is_owner: boolean }[] = await em
          .getConnection()
          .execute(
            `select p.id as project_id, m.role, (p.owner_id = ?) as is_owner
               from projects p
               left join project_memberships m on m.project_id = p.id and m.user_id = ?
              where p.id in (?)`,
            [userId, userId, [...projectIds]],
          );
        const byProject = new Map(
          rows.map((row) => [row.project_id, row.is_owner ? OWNER_RANK : row.role ? roleRank(row.role) : NO_RANK]),
        );
        return projectIds.map((id) => byProject.get(id) ?? NO_RANK);
      });
    }
  }

  /** The principal's strongest rank in any of `projectIds` (`NO_RANK` for none); superusers rank as owners. */
  async bestRank(projectIds: readonly number[]): Promise<number> {
    if (isAllPowerful(this.principal)) return OWNER_RANK;
    if (!this.ranks || projectIds.length === 0) return NO_RANK;
    const ranks = await this.ranks.loadMany(projectIds);
    // A failed lookup is an error, not "no role": it must not pass for FORBIDDEN.
    const failure = ranks.find((rank) => rank instanceof Error);
    if (failure) throw failure;
    return Math.max(NO_RANK, ...(ranks as number[]));
  }

  /** True when the principal holds at least `minimum` (or owns, or is a superuser) in any of `projectIds`. */
  async hasRole(projectIds: readonly number[], minimum: ProjectRole): Promise<boolean> {
    return (await this.bestRank(projectIds)) >= roleRank(minimum);
  }

  isManager(projectIds: readonly number[]): Promise<boolean> {
    return this.hasRole(projectIds, 'PROJECT_MANAGER');
  }

  /** True when the calling key's service is linked to any of `projectIds`; false for other principals. */
  async serviceLinkedToAny(projectIds: readonly number[]): Promise<boolean> {
    if (this.principal.kind !== 'service') return false;
    const serviceId = this.principal.processingServiceId;
    this.linkedProjects ??= this.em
      .getConnection()
      .execute<{ project_id: number }[]>('select project_id from processing_service_projects where processing_service_id = ?', [serviceId])
      .then((rows) => new Set(rows.map((row) => row.project_id)));
    const linked = await this.linkedProjects;
    return projectIds.some((id) => linked.has(id));
  }
}

import type { EntityManager } from '@mikro-orm/postgresql';
import DataLoader from 'dataloader';
import { isAllPowerful, type Principal } from '../auth/principal';
import { roleRank, type ProjectRole } from './project-role';

/** Rank of a project owner: above every membership role. */
const OWNER_RANK = roleRank('PROJECT_MANAGER') + 1;

/**
 * Answers "what may this principal do in project X" for one request, batching and caching the
 * membership lookups so a list of objects costs one query, not one per row.
 */
export class ProjectAccess {
  private readonly ranks: DataLoader<number, number> | undefined;

  constructor(
    em: EntityManager,
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
          rows.map((row) => [row.project_id, row.is_owner ? OWNER_RANK : row.role ? roleRank(row.role) : -1]),
        );
        return projectIds.map((id) => byProject.get(id) ?? -1);
      });
    }
  }

  /** True when the principal holds at least `minimum` (or owns, or is a superuser) in any of `projectIds`. */
  async hasRole(projectIds: readonly number[], minimum: ProjectRole): Promise<boolean> {
    if (isAllPowerful(this.principal)) return true;
    if (!this.ranks || projectIds.length === 0) return false;
    const ranks = await this.ranks.loadMany(projectIds);
    // A failed lookup is an error, not "no role": it must not pass for FORBIDDEN.
    const failure = ranks.find((rank) => rank instanceof Error);
    if (failure) throw failure;
    return ranks.some((rank) => typeof rank === 'number' && rank >= roleRank(minimum));
  }

  /** Membership of any role in the project. */
  isMember(projectId: number): Promise<boolean> {
    return this.hasRole([projectId], 'BASIC_MEMBER');
  }

  isManager(projectIds: readonly number[]): Promise<boolean> {
    return this.hasRole(projectIds, 'PROJECT_MANAGER');
  }
}

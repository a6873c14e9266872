import type { EntityManager } from '@mikro-orm/postgresql';
import { loaderByKey, loaderOfGroups } from '../graphql/batch';
import { ProjectMembership } from './project-membership.entity';
import { Project } from './project.entity';

export function projectLoaders(em: EntityManager) {
  return {
    projectById: loaderByKey((ids: readonly number[]) => em.find(Project, { id: { $in: [...ids] } }), (p) => p.id),
    membershipsByProject: loaderOfGroups(
      (ids: readonly number[]) =>
        em.find(ProjectMembership, { project: { $in: [...ids] } }, { orderBy: { createdAt: 'asc', id: 'asc' } }),
      (membership) => membership.project.id,
    ),
  };
}

export type ProjectLoaders = ReturnType<typeof projectLoaders>;

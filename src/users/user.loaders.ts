import type { EntityManager } from '@mikro-orm/postgresql';
import { loaderByKey } from '../graphql/batch';
import { User } from './user.entity';

export function userLoaders(em: EntityManager) {
  return {
    userById: loaderByKey((ids: readonly number[]) => em.find(User, { id: { $in: [...ids] } }), (user) => user.id),
  };
}

export type UserLoaders = ReturnType<typeof userLoaders>;

import type { EntityManager } from '@mikro-orm/postgresql';
import DataLoader from 'dataloader';
import { servicePages, type AuditPage } from './audit.service';

export interface ServicePageKey {
  processingServiceId: number;
  first: number;
  afterId: number | null;
}

export function auditLoaders(em: EntityManager) {
  return {
    /** A page of each service's events; services asked for with the same page arguments share two queries. */
    auditEventsByService: new DataLoader<ServicePageKey, AuditPage, string>(
      async (keys) => {
        const byPage = new Map<string, ServicePageKey[]>();
        for (const key of keys) {
          const page = `${key.first}:${key.afterId}`;
          byPage.set(page, [...(byPage.get(page) ?? []), key]);
        }
        const pages = new Map<string, AuditPage>();
        await Promise.all(
          [...byPage.values()].map(async (group) => {
            const { first, afterId } = group[0]!;
            const found = await servicePages(em, group.map((key) => key.processingServiceId), first, afterId);
            for (const key of group) pages.set(cacheKey(key), found.get(key.processingServiceId)!);
          }),
        );
        return keys.map((key) => pages.get(cacheKey(key))!);
      },
      { cacheKeyFn: cacheKey },
    ),
  };
}

function cacheKey(key: ServicePageKey): string {
  return `${key.processingServiceId}:${key.first}:${key.afterId}`;
}

export type AuditLoaders = ReturnType<typeof auditLoaders>;

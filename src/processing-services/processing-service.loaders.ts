import type { EntityManager } from '@mikro-orm/postgresql';
import type DataLoader from 'dataloader';
import { loaderByKey, loaderOfGroups } from '../graphql/batch';
import { readProcessingServices } from './processing-service.view';

/** A worker row as the `workers` field returns it. */
export interface WorkerRow {
  processingServiceId: number;
  identity: string;
  hostname: string | null;
  podName: string | null;
  software: string | null;
  version: string | null;
  platform: string | null;
  ip: string | null;
  userAgent: string | null;
  firstSeen: Date;
  lastSeen: Date;
}

export function processingServiceLoaders(em: EntityManager, settings: { onlineWindowSeconds: number }) {
  const workerLoaders = new Map<number, DataLoader<number, WorkerRow[]>>();
  return {
    processingServiceById: loaderByKey(
      (ids: readonly number[]) => readProcessingServices(em, ids),
      (service) => service.id,
    ),
    /**
     * Each service's project links, by project id. Plain rows, not entities: a page of 100
     * services has hundreds of links, and hydrating them as entities cost several times the query.
     */
    projectLinksByService: loaderOfGroups(
      (ids: readonly number[]) =>
        em.execute<{ processingServiceId: number; projectId: number }[]>(
          `select processing_service_id as "processingServiceId", project_id as "projectId"
             from processing_service_projects where processing_service_id in (?) order by project_id`,
          [[...ids]],
        ),
      (link) => link.processingServiceId,
    ),
    /** Each service's workers seen within the online window, newest first, at most `first` each. */
    workersByService(first: number): DataLoader<number, WorkerRow[]> {
      let loader = workerLoaders.get(first);
      if (!loader) {
        loader = loaderOfGroups(
          async (ids: readonly number[]) =>
            (
              await em.execute<(Omit<WorkerRow, 'firstSeen' | 'lastSeen'> & { firstSeen: string; lastSeen: string })[]>(
              `select "processingServiceId", identity, hostname, "podName", software, version, platform, ip, "userAgent", "firstSeen", "lastSeen"
                 from (select processing_service_id as "processingServiceId", identity, hostname, pod_name as "podName", software,
                              version, platform, ip, user_agent as "userAgent", first_seen as "firstSeen", last_seen as "lastSeen",
                              row_number() over (partition by processing_service_id order by last_seen desc, identity) as position
                         from processing_service_workers
                        where processing_service_id in (?) and last_seen >= now() - make_interval(secs => ?)) as seen
                where position <= ? order by "processingServiceId", position`,
                [[...ids], settings.onlineWindowSeconds, first],
              )
            ).map((row) => ({ ...row, firstSeen: new Date(row.firstSeen), lastSeen: new Date(row.lastSeen) })),
          (worker) => worker.processingServiceId,
        );
        workerLoaders.set(first, loader);
      }
      return loader;
    },
  };
}

export type ProcessingServiceLoaders = ReturnType<typeof processingServiceLoaders>;

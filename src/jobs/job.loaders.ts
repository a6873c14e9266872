import type { EntityManager } from '@mikro-orm/postgresql';
import DataLoader from 'dataloader';
import { loaderByKey, loaderOfGroups } from '../graphql/batch';
import type { ClientInfo } from '../processing-services/client-info';
import { loadJobs } from './job.service';

/** A worker that leased tasks of a job: its service, what it said of itself, how many leases. */
export interface JobWorkerView {
  jobId: number;
  processingServiceId: number;
  clientInfo: ClientInfo;
  leases: number;
  lastLeasedAt: Date;
}

export interface JobResultView {
  id: number;
  jobId: number;
  taskId: number;
  imageId: string;
  imageUrl: string;
  attempts: number;
  processingServiceId: number | null;
  worker: ClientInfo;
  result: Record<string, unknown> | null;
  error: string | null;
  errorImageId: string | null;
  createdAt: Date;
}

/** A page of one job's results: the key names the job, the page size and the cursor. */
export interface JobResultsKey {
  jobId: number;
  first: number;
  afterId: number;
}

export function jobLoaders(em: EntityManager) {
  const connection = () => em.getConnection();
  return {
    jobById: loaderByKey((ids: readonly number[]) => loadJobs(em, ids), (job) => job.id),
    workersByJob: loaderOfGroups(
      async (jobIds: readonly number[]): Promise<JobWorkerView[]> => {
        const rows: { job_id: number; processing_service_id: number; worker: ClientInfo; leases: number; last_leased_at: string | Date }[] =
          await connection().execute(
            `select job_id, processing_service_id, worker, count(*)::int as leases, max(leased_at) as last_leased_at
               from task_leases where job_id in (?)
              group by job_id, processing_service_id, worker
              order by job_id, max(leased_at) desc`,
            [[...jobIds]],
          );
        return rows.map((row) => ({
          jobId: row.job_id,
          processingServiceId: row.processing_service_id,
          clientInfo: row.worker,
          leases: row.leases,
          lastLeasedAt: new Date(row.last_leased_at),
        }));
      },
      (worker) => worker.jobId,
    ),
    /** Pages of several jobs' results in one statement, when they share page size and cursor (a list does). */
    resultsByJob: new DataLoader<JobResultsKey, JobResultView[], string>(
      async (keys) => {
        const groups = new Map<string, JobResultsKey[]>();
        for (const key of keys) {
          const group = `${key.first}:${key.afterId}`;
          groups.set(group, [...(groups.get(group) ?? []), key]);
        }
        const pages = new Map<string, JobResultView[]>();
        await Promise.all(
          [...groups.values()].map(async (group) => {
            const { first, afterId } = group[0]!;
            const rows: any[] = await connection().execute(
              `select * from (
                 select r.id, r.job_id, r.task_id, t.image_id, t.image_url, t.attempts, r.processing_service_id, r.worker,
                        r.result, r.error, r.error_image_id, r.created_at,
                        row_number() over (partition by r.job_id order by r.id) as position
                   from task_results r join tasks t on t.id = r.task_id
                  where r.job_id in (?) and r.id > ?) x
                where x.position <= ?
                order by x.job_id, x.id`,
              [group.map((key) => key.jobId), afterId, first],
            );
            for (const key of group) pages.set(`${key.jobId}:${first}:${afterId}`, []);
            for (const row of rows) {
              pages.get(`${row.job_id}:${first}:${afterId}`)!.push({
                id: row.id,
                jobId: row.job_id,
                taskId: row.task_id,
                imageId: row.image_id,
                imageUrl: row.image_url,
                attempts: row.attempts,
                processingServiceId: row.processing_service_id,
                worker: row.worker,
                result: row.result,
                error: row.error,
                errorImageId: row.error_image_id,
                createdAt: new Date(row.created_at),
              });
            }
          }),
        );
        return keys.map((key) => pages.get(`${key.jobId}:${key.first}:${key.afterId}`)!);
      },
      { cacheKeyFn: (key) => `${key.jobId}:${key.first}:${key.afterId}` },
    ),
  };
}

export type JobLoaders = ReturnType<typeof jobLoaders>;

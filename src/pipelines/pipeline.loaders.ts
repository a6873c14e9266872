import type { EntityManager } from '@mikro-orm/postgresql';
import { loaderByKey, loaderOfGroups } from '../graphql/batch';
import type { PipelineStage } from './pipeline.entity';
import type { TaskType } from './task-type';

/** What `Pipeline` shows, as read by the list loaders (the entity has the same shape). */
export interface PipelineView {
  id: number;
  name: string;
  slug: string;
  version: number;
  description: string;
  stages: PipelineStage[];
  createdAt: Date;
  updatedAt: Date;
}

/** What `Algorithm` shows; `categoryMap` carries only the id, like the entity's reference. */
export interface AlgorithmView {
  id: number;
  key: string;
  name: string;
  version: number;
  versionName?: string | null;
  description?: string | null;
  taskType: TaskType;
  uri?: string | null;
  categoryMap?: { id: number } | null;
}

export interface CategoryMapView {
  id: number;
  data: unknown[];
  labels: string[];
  version: string | null;
  description: string | null;
  uri: string | null;
}

/** Raw rows carry timestamps as PostgreSQL text (the ORM's pg setting), e.g. `2026-01-02 10:00:00.1+00`. */
type PipelineRow = Omit<PipelineView, 'createdAt' | 'updatedAt'> & { createdAt: string; updatedAt: string };
type AlgorithmRow = Omit<AlgorithmView, 'categoryMap'> & { categoryMapId: number | null };

/**
 * Pipelines, algorithms and category maps of a page of services, as plain rows rather than
 * entities: a page of 100 services holds hundreds of links and algorithms, and hydrating them
 * into the identity map cost several times the queries. A row read twice in one batch (a
 * pipeline several services share, an algorithm several pipelines share) becomes one object.
 */
export function pipelineLoaders(em: EntityManager) {
  return {
    /** Each pipeline's algorithms, in pipeline order. */
    algorithmsByPipeline: loaderOfGroups(
      async (ids: readonly number[]) => {
        const rows = await em.execute<(AlgorithmRow & { pipelineId: number })[]>(
          `select pa.pipeline_id as "pipelineId", a.id, a.key, a.name, a.version, a.version_name as "versionName",
                  a.description, a.task_type as "taskType", a.uri, a.category_map_id as "categoryMapId"
             from pipeline_algorithms pa join algorithms a on a.id = pa.algorithm_id
            where pa.pipeline_id in (?) order by pa.pipeline_id, pa.position`,
          [[...ids]],
        );
        const algorithms = new Map<number, AlgorithmView>();
        return rows.map(({ pipelineId, categoryMapId, ...row }) => {
          let algorithm = algorithms.get(row.id);
          if (!algorithm) {
            algorithm = { ...row, categoryMap: categoryMapId === null ? null : { id: categoryMapId } };
            algorithms.set(row.id, algorithm);
          }
          return { pipelineId, algorithm };
        });
      },
      (link) => link.pipelineId,
    ),
    /** Each service's pipelines, by slug. */
    pipelinesByService: loaderOfGroups(
      async (ids: readonly number[]) => {
        const rows = await em.execute<(PipelineRow & { processingServiceId: number })[]>(
          `select psp.processing_service_id as "processingServiceId", p.id, p.name, p.slug, p.version, p.description,
                  p.stages, p.created_at as "createdAt", p.updated_at as "updatedAt"
             from processing_service_pipelines psp join pipelines p on p.id = psp.pipeline_id
            where psp.processing_service_id in (?) order by psp.processing_service_id, p.slug`,
          [[...ids]],
        );
        const pipelines = new Map<number, PipelineView>();
        return rows.map(({ processingServiceId, ...row }) => {
          let pipeline = pipelines.get(row.id);
          if (!pipeline) {
            pipeline = { ...row, createdAt: new Date(row.createdAt), updatedAt: new Date(row.updatedAt) };
            pipelines.set(row.id, pipeline);
          }
          return { processingServiceId, pipeline };
        });
      },
      (link) => link.processingServiceId,
    ),
    /** One object per map, however many algorithms show it. */
    categoryMapById: loaderByKey(
      (ids: readonly number[]) =>
        em.execute<CategoryMapView[]>(`select id, data, labels, version, description, uri from category_maps where id in (?)`, [[...ids]]),
      (map) => map.id,
    ),
  };
}

import type { EntityManager } from '@mikro-orm/postgresql';
import { loaderByKey, loaderOfGroups } from '../graphql/batch';
import type { PipelineStage } from './pipeline.entity';
import type { TaskType } from './task-type';

export interface CategoryMapView {
  id: number;
  data: unknown[];
  labels: string[];
  version: string | null;
  description: string | null;
  uri: string | null;
}

/** What `Algorithm` shows, with its category map already read. */
export interface AlgorithmView {
  id: number;
  key: string;
  name: string;
  version: number;
  versionName: string | null;
  description: string | null;
  taskType: TaskType;
  uri: string | null;
  categoryMap: CategoryMapView | null;
}

/** What `Pipeline` shows, with its algorithms already read, in pipeline order. */
export interface PipelineView {
  id: number;
  name: string;
  slug: string;
  version: number;
  description: string;
  stages: PipelineStage[];
  createdAt: Date;
  updatedAt: Date;
  algorithms: AlgorithmView[];
}

/** Raw rows carry timestamps as PostgreSQL text (the ORM's pg setting), e.g. `2026-01-02 10:00:00.1+00`. */
type PipelineRow = Omit<PipelineView, 'createdAt' | 'updatedAt' | 'algorithms'> & { createdAt: string; updatedAt: string };
type AlgorithmRow = Omit<AlgorithmView, 'categoryMap'> & { categoryMapId: number | null };

/**
 * Pipelines, algorithms and category maps as plain rows rather than entities: a page of 100
 * services holds hundreds of links and algorithms, and hydrating them into the identity map cost
 * several times the queries. A pipeline, algorithm or map read twice in one batch (shared by
 * several services or pipelines) becomes one object. A service's pipelines come with their
 * algorithms and maps, so those fields resolve without a further round of promises per object.
 */
export function pipelineLoaders(em: EntityManager) {
  const selectCategoryMaps = (ids: readonly number[]) =>
    em.execute<CategoryMapView[]>(`select id, data, labels, version, description, uri from category_maps where id in (?)`, [[...ids]]);

  /** The algorithms of these pipelines, in pipeline order, each with its category map. */
  async function algorithmLinks(pipelineIds: readonly number[]): Promise<{ pipelineId: number; algorithm: AlgorithmView }[]> {
    if (pipelineIds.length === 0) return [];
    const rows = await em.execute<(AlgorithmRow & { pipelineId: number })[]>(
      `select pa.pipeline_id as "pipelineId", a.id, a.key, a.name, a.version, a.version_name as "versionName",
              a.description, a.task_type as "taskType", a.uri, a.category_map_id as "categoryMapId"
         from pipeline_algorithms pa join algorithms a on a.id = pa.algorithm_id
        where pa.pipeline_id in (?) order by pa.pipeline_id, pa.position`,
      [[...pipelineIds]],
    );
    const mapIds = [...new Set(rows.flatMap((row) => (row.categoryMapId === null ? [] : [row.categoryMapId])))];
    const maps = new Map((mapIds.length > 0 ? await selectCategoryMaps(mapIds) : []).map((map) => [map.id, map]));
    const algorithms = new Map<number, AlgorithmView>();
    return rows.map(({ pipelineId, categoryMapId, ...row }) => {
      let algorithm = algorithms.get(row.id);
      if (!algorithm) {
        algorithm = { ...row, categoryMap: categoryMapId === null ? null : (maps.get(categoryMapId) ?? null) };
        algorithms.set(row.id, algorithm);
      }
      return { pipelineId, algorithm };
    });
  }

  return {
    /** Each service's pipelines, by slug, with their algorithms and category maps. */
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
        for (const { id, name, slug, version, description, stages, createdAt, updatedAt } of rows) {
          if (pipelines.has(id)) continue;
          pipelines.set(id, { id, name, slug, version, description, stages, createdAt: new Date(createdAt), updatedAt: new Date(updatedAt), algorithms: [] });
        }
        for (const { pipelineId, algorithm } of await algorithmLinks([...pipelines.keys()])) {
          pipelines.get(pipelineId)!.algorithms.push(algorithm);
        }
        return rows.map((row) => ({ processingServiceId: row.processingServiceId, pipeline: pipelines.get(row.id)! }));
      },
      (link) => link.processingServiceId,
    ),
    /** Each pipeline's algorithms, for pipelines read as entities (registration results). */
    algorithmsByPipeline: loaderOfGroups(algorithmLinks, (link) => link.pipelineId),
    /** Category maps by id, for algorithms read as entities (registration results). */
    categoryMapById: loaderByKey(selectCategoryMaps, (map) => map.id),
  };
}

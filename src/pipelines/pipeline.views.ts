import type { EntityManager } from '@mikro-orm/postgresql';
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

const algorithmColumns = `a.id, a.key, a.name, a.version, a.version_name as "versionName", a.description,
  a.task_type as "taskType", a.uri, a.category_map_id as "categoryMapId"`;

/**
 * Pipelines, algorithms and category maps are read as plain rows rather than entities: a page of
 * services holds many links and algorithms, and hydrating them into the identity map costs several
 * times the queries. Within one read, a pipeline, algorithm or map shared by several parents is
 * one object. These are the only shapes the GraphQL types resolve from.
 */
async function withCategoryMaps(em: EntityManager, rows: AlgorithmRow[]): Promise<Map<number, AlgorithmView>> {
  const mapIds = [...new Set(rows.flatMap((row) => (row.categoryMapId === null ? [] : [row.categoryMapId])))];
  const maps = new Map(
    (mapIds.length > 0
      ? await em.execute<CategoryMapView[]>(`select id, data, labels, version, description, uri from category_maps where id in (?)`, [mapIds])
      : []
    ).map((map) => [map.id, map]),
  );
  const algorithms = new Map<number, AlgorithmView>();
  for (const { categoryMapId, ...row } of rows) {
    if (!algorithms.has(row.id)) {
      algorithms.set(row.id, { ...row, categoryMap: categoryMapId === null ? null : (maps.get(categoryMapId) ?? null) });
    }
  }
  return algorithms;
}

/** Algorithms by id, each with its category map. */
export async function readAlgorithms(em: EntityManager, ids: readonly number[]): Promise<AlgorithmView[]> {
  if (ids.length === 0) return [];
  const rows = await em.execute<AlgorithmRow[]>(`select ${algorithmColumns} from algorithms a where a.id in (?) order by a.id`, [[...ids]]);
  return [...(await withCategoryMaps(em, rows)).values()];
}

const pipelineColumns = `p.id, p.name, p.slug, p.version, p.description, p.stages,
  p.created_at as "createdAt", p.updated_at as "updatedAt"`;

/** Turns pipeline rows into views, reading their algorithms (in pipeline order) and category maps. */
async function assemble(em: EntityManager, rows: readonly PipelineRow[]): Promise<Map<number, PipelineView>> {
  const pipelines = new Map<number, PipelineView>();
  for (const { createdAt, updatedAt, ...row } of rows) {
    if (!pipelines.has(row.id)) pipelines.set(row.id, { ...row, createdAt: new Date(createdAt), updatedAt: new Date(updatedAt), algorithms: [] });
  }
  if (pipelines.size === 0) return pipelines;
  const links = await em.execute<(AlgorithmRow & { pipelineId: number })[]>(
    `select pa.pipeline_id as "pipelineId", ${algorithmColumns}
       from pipeline_algorithms pa join algorithms a on a.id = pa.algorithm_id
      where pa.pipeline_id in (?) order by pa.pipeline_id, pa.position`,
    [[...pipelines.keys()]],
  );
  const algorithms = await withCategoryMaps(em, links.map(({ pipelineId: _pipelineId, ...row }) => row));
  for (const link of links) pipelines.get(link.pipelineId)!.algorithms.push(algorithms.get(link.id)!);
  return pipelines;
}

/** Pipelines by id, in the order asked, each with its algorithms and their category maps. */
export async function readPipelines(em: EntityManager, ids: readonly number[]): Promise<PipelineView[]> {
  if (ids.length === 0) return [];
  const rows = await em.execute<PipelineRow[]>(`select ${pipelineColumns} from pipelines p where p.id in (?)`, [[...ids]]);
  const pipelines = await assemble(em, rows);
  return ids.flatMap((id) => pipelines.get(id) ?? []);
}

/** Each service's pipelines, by slug, with their algorithms and category maps. */
export async function readServicePipelines(
  em: EntityManager,
  serviceIds: readonly number[],
): Promise<{ processingServiceId: number; pipeline: PipelineView }[]> {
  const rows = await em.execute<(PipelineRow & { processingServiceId: number })[]>(
    `select psp.processing_service_id as "processingServiceId", ${pipelineColumns}
       from processing_service_pipelines psp join pipelines p on p.id = psp.pipeline_id
      where psp.processing_service_id in (?) order by psp.processing_service_id, p.slug`,
    [[...serviceIds]],
  );
  const pipelines = await assemble(em, rows);
  return rows.map((row) => ({ processingServiceId: row.processingServiceId, pipeline: pipelines.get(row.id)! }));
}

import type { EntityManager, Knex } from '@mikro-orm/postgresql';
import type { ServicePrincipal } from '../auth/principal';
import { ConflictError, ForbiddenError, NotFoundError } from '../core/errors';
import {
  byString,
  canonicalJson,
  planRegistration,
  type PipelineConfig,
  type PlannedAlgorithm,
  type PlannedCategoryMap,
  type RegistrationPlan,
} from './pipeline-registration.plan';
import { readAlgorithms, readPipelines, type AlgorithmView, type PipelineView } from './pipeline.views';

export interface RegistrationOutcome {
  /** Every registered pipeline, in payload order. */
  pipelines: PipelineView[];
  /** Pipelines this call inserted. */
  pipelinesCreated: PipelineView[];
  /** Algorithms this call inserted. */
  algorithmsCreated: AlgorithmView[];
}

interface PipelineRow {
  id: number;
  slug: string;
  name: string;
  version: number;
  description: string;
  stages: unknown;
}

/**
 * Pipeline registration by a worker: the writes of a validated plan. Re-sending the same payload
 * writes no row. A changed payload for a known slug updates the pipeline's name, version,
 * description, stages and ordered algorithm list; an algorithm already stored under (key, version)
 * is immutable and kept as stored, as is a category map with the same data and labels.
 */
export class PipelineRegistrationService {
  /**
   * Registers `pipelines` for the caller's service in a project. Bad input: ValidationError
   * (`planRegistration`); unknown project: NotFoundError; a service not linked to the project:
   * ForbiddenError. Nothing is written on any of them.
   */
  async register(
    em: EntityManager,
    caller: Pick<ServicePrincipal, 'processingServiceId'>,
    projectId: number,
    pipelines: readonly PipelineConfig[],
  ): Promise<RegistrationOutcome> {
    const plan = planRegistration(pipelines);
    await this.checkAccess(em, caller, projectId);
    if (plan.pipelines.length === 0) return { pipelines: [], pipelinesCreated: [], algorithmsCreated: [] };

    const written = await em.transactional((tx) =>
      this.write(tx.getTransactionContext<Knex.Transaction>()!, plan, projectId, caller.processingServiceId),
    );
    const [inOrder, algorithmsCreated] = await Promise.all([
      readPipelines(em, written.pipelineIds),
      readAlgorithms(em, written.createdAlgorithmIds),
    ]);
    return {
      pipelines: inOrder,
      pipelinesCreated: inOrder.filter((pipeline) => written.createdPipelineIds.has(pipeline.id)),
      algorithmsCreated,
    };
  }

  private async checkAccess(em: EntityManager, caller: Pick<ServicePrincipal, 'processingServiceId'>, projectId: number): Promise<void> {
    const [row]: { linked: boolean }[] = await em.execute(
      `select exists (select 1 from processing_service_projects
                      where project_id = p.id and processing_service_id = ?) as linked
       from projects p where p.id = ?`,
      [caller.processingServiceId, projectId],
    );
    if (!row) throw new NotFoundError('Project not found');
    if (!row.linked) throw new ForbiddenError('This processing service is not linked to the project');
  }

  /**
   * The writes, in one transaction. Every table is written in a fixed order and, within a table,
   * in sorted key order; pipeline rows are locked (sorted by slug) before their links are
   * rewritten. So concurrent registrations of overlapping payloads wait for each other instead of
   * deadlocking, and unique constraints plus `on conflict do nothing` keep rows single. Rows that
   * already hold the wanted content are not written at all.
   */
  private async write(db: Knex.Transaction, plan: RegistrationPlan, projectId: number, serviceId: number) {
    const mapIds = await this.ensureCategoryMaps(db, [...plan.categoryMaps.values()].sort(byString((map) => map.digest)));
    const algorithms = [...plan.algorithms.values()].sort((a, b) =>
      a.key < b.key ? -1 : a.key > b.key ? 1 : a.version - b.version,
    );
    const { ids: algorithmIds, created: createdAlgorithmIds } = await this.ensureAlgorithms(db, algorithms, mapIds);

    const planned = [...plan.pipelines].sort(byString((pipeline) => pipeline.slug));
    const slugs = planned.map((pipeline) => pipeline.slug);
    const existing = new Set((await db('pipelines').select('slug').whereIn('slug', slugs)).map((row: { slug: string }) => row.slug));
    const missing = planned.filter((pipeline) => !existing.has(pipeline.slug));
    const createdPipelineIds = new Set<number>();
    if (missing.length > 0) {
      const inserted: { id: number }[] = await db('pipelines')
        .insert(
          missing.map((pipeline) => ({
            name: pipeline.name,
            slug: pipeline.slug,
            version: pipeline.version,
            description: pipeline.description,
            stages: JSON.stringify(pipeline.stages),
          })),
        )
        .onConflict('slug')
        .ignore()
        .returning('id');
      for (const row of inserted) createdPipelineIds.add(row.id);
    }
    const locked: PipelineRow[] = await db('pipelines')
      .select('id', 'slug', 'name', 'version', 'description', 'stages')
      .whereIn('slug', slugs)
      .orderBy('slug')
      .forUpdate();
    if (locked.length !== slugs.length) throw new ConflictError('A pipeline was deleted during registration; retry');
    const rowBySlug = new Map(locked.map((row) => [row.slug, row]));
    const pipelineIds = locked.map((row) => row.id);

    const currentLinks = new Map<number, number[]>(pipelineIds.map((id) => [id, []]));
    const links: { pipeline_id: number; algorithm_id: number }[] = await db('pipeline_algorithms')
      .select('pipeline_id', 'algorithm_id')
      .whereIn('pipeline_id', pipelineIds)
      .orderBy(['pipeline_id', 'position']);
    for (const link of links) currentLinks.get(link.pipeline_id)!.push(link.algorithm_id);

    const relinked: { id: number; algorithmIds: number[] }[] = [];
    for (const pipeline of planned) {
      const row = rowBySlug.get(pipeline.slug)!;
      const wanted = pipeline.algorithms.map((identity) => algorithmIds.get(identity)!);
      const linksChanged = canonicalJson(wanted) !== canonicalJson(currentLinks.get(row.id));
      if (linksChanged) relinked.push({ id: row.id, algorithmIds: wanted });
      const fieldsChanged =
        row.name !== pipeline.name ||
        row.version !== pipeline.version ||
        row.description !== pipeline.description ||
        canonicalJson(row.stages) !== canonicalJson(pipeline.stages);
      if (!createdPipelineIds.has(row.id) && (fieldsChanged || linksChanged)) {
        await db('pipelines')
          .where('id', row.id)
          .update({
            name: pipeline.name,
            version: pipeline.version,
            description: pipeline.description,
            stages: JSON.stringify(pipeline.stages),
            updated_at: db.fn.now(),
          });
      }
    }
    if (relinked.length > 0) {
      await db('pipeline_algorithms').whereIn('pipeline_id', relinked.map((pipeline) => pipeline.id)).delete();
      const rows = relinked.flatMap((pipeline) =>
        pipeline.algorithmIds.map((algorithmId, position) => ({ pipeline_id: pipeline.id, position, algorithm_id: algorithmId })),
      );
      if (rows.length > 0) await db('pipeline_algorithms').insert(rows);
    }

    await db('project_pipeline_configs')
      .insert(pipelineIds.map((id) => ({ project_id: projectId, pipeline_id: id })))
      .onConflict(['project_id', 'pipeline_id'])
      .ignore();
    await db('processing_service_pipelines')
      .insert(pipelineIds.map((id) => ({ processing_service_id: serviceId, pipeline_id: id })))
      .onConflict(['processing_service_id', 'pipeline_id'])
      .ignore();

    return {
      pipelineIds: plan.pipelines.map((pipeline) => rowBySlug.get(pipeline.slug)!.id),
      createdPipelineIds,
      createdAlgorithmIds: [...createdAlgorithmIds],
    };
  }

  /** Category map ids by digest; inserts the missing ones (sorted by digest). */
  private async ensureCategoryMaps(db: Knex.Transaction, maps: PlannedCategoryMap[]): Promise<Map<string, number>> {
    const ids = new Map<string, number>();
    if (maps.length === 0) return ids;
    const find = async (digests: string[]) => {
      const rows: { id: number; content_digest: string }[] = await db('category_maps')
        .select('id', 'content_digest')
        .whereIn('content_digest', digests);
      for (const row of rows) ids.set(row.content_digest, row.id);
    };
    await find(maps.map((map) => map.digest));
    const missing = maps.filter((map) => !ids.has(map.digest));
    if (missing.length === 0) return ids;
    const inserted: { id: number; content_digest: string }[] = await db('category_maps')
      .insert(
        missing.map((map) => ({
          content_digest: map.digest,
          data: JSON.stringify(map.data),
          labels: JSON.stringify(map.labels),
          version: map.version,
          description: map.description,
          uri: map.uri,
        })),
      )
      .onConflict('content_digest')
      .ignore()
      .returning(['id', 'content_digest']);
    for (const row of inserted) ids.set(row.content_digest, row.id);
    // Inserted meanwhile by a concurrent registration (our insert waited for it, then skipped).
    const raced = missing.filter((map) => !ids.has(map.digest)).map((map) => map.digest);
    if (raced.length > 0) await find(raced);
    return ids;
  }

  /** Algorithm ids by identity, and which this call inserted (sorted by key, version). */
  private async ensureAlgorithms(db: Knex.Transaction, algorithms: PlannedAlgorithm[], mapIds: Map<string, number>) {
    const ids = new Map<string, number>();
    const created: number[] = [];
    if (algorithms.length === 0) return { ids, created };
    const find = async (wanted: PlannedAlgorithm[]) => {
      const rows: { id: number; key: string; version: number }[] = await db('algorithms')
        .select('id', 'key', 'version')
        .whereIn(
          ['key', 'version'],
          wanted.map((algorithm) => [algorithm.key, algorithm.version]),
        );
      for (const row of rows) ids.set(JSON.stringify([row.key, row.version]), row.id);
    };
    await find(algorithms);
    const missing = algorithms.filter((algorithm) => !ids.has(algorithm.identity));
    if (missing.length === 0) return { ids, created };
    const inserted: { id: number; key: string; version: number }[] = await db('algorithms')
      .insert(
        missing.map((algorithm) => ({
          key: algorithm.key,
          version: algorithm.version,
          name: algorithm.name,
          version_name: algorithm.versionName,
          description: algorithm.description,
          task_type: algorithm.taskType,
          uri: algorithm.uri,
          category_map_id: algorithm.categoryMap ? mapIds.get(algorithm.categoryMap.digest)! : null,
        })),
      )
      .onConflict(['key', 'version'])
      .ignore()
      .returning(['id', 'key', 'version']);
    for (const row of inserted) {
      ids.set(JSON.stringify([row.key, row.version]), row.id);
      created.push(row.id);
    }
    const raced = missing.filter((algorithm) => !ids.has(algorithm.identity));
    if (raced.length > 0) await find(raced);
    return { ids, created };
  }
}

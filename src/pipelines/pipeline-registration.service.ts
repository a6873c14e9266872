import { createHash } from 'node:crypto';
import type { EntityManager, Knex } from '@mikro-orm/postgresql';
import type { ServicePrincipal } from '../auth/principal';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../core/errors';
import { mergeClientInfo, sanitizeReported, type ObservedClientInfo, type ReportedClientInfo } from '../processing-services/client-info';
import type { HeartbeatService } from '../processing-services/heartbeat.service';
import { Algorithm } from './algorithm.entity';
import { Pipeline, type PipelineStage } from './pipeline.entity';
import { labelledTaskTypes, taskTypes, type TaskType } from './task-type';

/** Bounds on one registerPipelines call; printed in the schema. The HTTP body limit applies too. */
export const PIPELINE_REGISTRATION_LIMITS = {
  pipelinesPerCall: 100,
  algorithmsPerPipeline: 50,
  /** Distinct (key, version) pairs in one call. */
  algorithmsPerCall: 500,
  stagesPerPipeline: 50,
  paramsPerStage: 100,
  labelsPerCategoryMap: 100_000,
  /** name, slug, key, versionName, stage and param fields, category map version. */
  nameLength: 255,
  uriLength: 1024,
  descriptionLength: 10_000,
} as const;

export interface CategoryMapConfig {
  data: readonly unknown[];
  labels: readonly string[];
  version?: string | null;
  description?: string | null;
  uri?: string | null;
}

export interface AlgorithmConfig {
  name: string;
  key: string;
  version?: number | null;
  versionName?: string | null;
  description?: string | null;
  taskType?: TaskType | null;
  uri?: string | null;
  categoryMap?: CategoryMapConfig | null;
}

export interface PipelineStageConfig {
  key: string;
  name: string;
  description?: string | null;
  params?: readonly { name: string; key: string; category: string }[] | null;
}

export interface PipelineConfig {
  name: string;
  slug: string;
  version: number;
  description?: string | null;
  algorithms?: readonly AlgorithmConfig[] | null;
  stages?: readonly PipelineStageConfig[] | null;
}

export interface RegistrationOutcome {
  /** Every registered pipeline, in payload order. */
  pipelines: Pipeline[];
  /** Pipelines this call inserted. */
  pipelinesCreated: Pipeline[];
  /** Algorithms this call inserted. */
  algorithmsCreated: Algorithm[];
}

interface PlannedCategoryMap {
  digest: string;
  data: readonly unknown[];
  labels: readonly string[];
  version: string | null;
  description: string | null;
  uri: string | null;
}

interface PlannedAlgorithm {
  identity: string;
  key: string;
  version: number;
  name: string;
  versionName: string | null;
  description: string | null;
  taskType: TaskType;
  uri: string | null;
  categoryMap: PlannedCategoryMap | null;
  /** Canonical form of everything above, to tell a repeated definition from a conflicting one. */
  print: string;
}

interface PlannedPipeline {
  slug: string;
  name: string;
  version: number;
  description: string;
  stages: PipelineStage[];
  /** Algorithm identities in pipeline order. */
  algorithms: string[];
}

interface RegistrationPlan {
  pipelines: PlannedPipeline[];
  algorithms: Map<string, PlannedAlgorithm>;
  categoryMaps: Map<string, PlannedCategoryMap>;
}

interface PipelineRow {
  id: number;
  slug: string;
  name: string;
  version: number;
  description: string;
  stages: unknown;
}

const limits = PIPELINE_REGISTRATION_LIMITS;
const slugPattern = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** JSON with object keys sorted, so equal content always prints (and digests) the same. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    item && typeof item === 'object' && !Array.isArray(item)
      ? Object.fromEntries(Object.entries(item).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : item,
  );
}

/** PostgreSQL refuses NUL characters and lone surrogates (in text and jsonb): refuse them as input, not as a 500. */
const unstorable = /[\u0000\p{Cs}]/u;

function storable(value: string): boolean {
  return !unstorable.test(value);
}

function text(value: string | null | undefined, path: string, max: number): string | null;
function text(value: string | null | undefined, path: string, max: number, required: true): string;
function text(value: string | null | undefined, path: string, max: number, required = false): string | null {
  if (value === null || value === undefined) {
    if (required) throw new ValidationError('is required', path);
    return null;
  }
  if (required && value.trim() === '') throw new ValidationError('may not be empty', path);
  if (value.length > max) throw new ValidationError(`may not exceed ${max} characters`, path);
  if (!storable(value)) throw new ValidationError('contains characters that cannot be stored', path);
  return value;
}

function count<T>(items: readonly T[] | null | undefined, max: number, path: string): readonly T[] {
  const list = items ?? [];
  if (list.length > max) throw new ValidationError(`at most ${max} allowed`, path);
  return list;
}

function checkVersion(value: number, path: string): number {
  if (!Number.isInteger(value) || value < 0) throw new ValidationError('must be a non-negative integer', path);
  return value;
}

function checkJson(value: unknown, path: string): void {
  if (typeof value === 'string') {
    if (!storable(value)) throw new ValidationError('contains characters that cannot be stored', path);
  } else if (Array.isArray(value)) {
    value.forEach((item, index) => checkJson(item, `${path}.${index}`));
  } else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (!storable(key)) throw new ValidationError('contains characters that cannot be stored', path);
      checkJson(item, `${path}.${key}`);
    }
  }
}

function planCategoryMap(input: CategoryMapConfig, path: string): PlannedCategoryMap {
  const labels = count(input.labels, limits.labelsPerCategoryMap, `${path}.labels`);
  labels.forEach((label, index) => text(label, `${path}.labels.${index}`, limits.nameLength));
  const data = count(input.data, limits.labelsPerCategoryMap, `${path}.data`);
  checkJson(data, `${path}.data`);
  return {
    digest: createHash('sha256').update(canonicalJson({ data, labels })).digest('hex'),
    data,
    labels,
    version: text(input.version, `${path}.version`, limits.nameLength),
    description: text(input.description, `${path}.description`, limits.descriptionLength),
    uri: text(input.uri, `${path}.uri`, limits.uriLength),
  };
}

function planAlgorithm(input: AlgorithmConfig, path: string): PlannedAlgorithm {
  const taskType = input.taskType ?? 'UNKNOWN';
  if (!taskTypes.includes(taskType)) throw new ValidationError('is not a known task type', `${path}.taskType`);
  if (labelledTaskTypes.has(taskType) && !input.categoryMap) {
    throw new ValidationError(`${taskType} algorithms need a category map`, `${path}.categoryMap`);
  }
  const planned = {
    key: text(input.key, `${path}.key`, limits.nameLength, true),
    version: checkVersion(input.version ?? 1, `${path}.version`),
    name: text(input.name, `${path}.name`, limits.nameLength, true),
    versionName: text(input.versionName, `${path}.versionName`, limits.nameLength),
    description: text(input.description, `${path}.description`, limits.descriptionLength),
    taskType,
    uri: text(input.uri, `${path}.uri`, limits.uriLength),
    categoryMap: input.categoryMap ? planCategoryMap(input.categoryMap, `${path}.categoryMap`) : null,
  };
  const { data: _data, labels: _labels, ...mapPrint } = planned.categoryMap ?? { data: [], labels: [] };
  return {
    ...planned,
    identity: JSON.stringify([planned.key, planned.version]),
    print: canonicalJson({ ...planned, categoryMap: planned.categoryMap ? mapPrint : null }),
  };
}

function planStage(input: PipelineStageConfig, path: string): PipelineStage {
  const params = count(input.params, limits.paramsPerStage, `${path}.params`).map((param, index) => ({
    name: text(param.name, `${path}.params.${index}.name`, limits.nameLength, true),
    key: text(param.key, `${path}.params.${index}.key`, limits.nameLength, true),
    category: text(param.category, `${path}.params.${index}.category`, limits.nameLength, true),
  }));
  return {
    key: text(input.key, `${path}.key`, limits.nameLength, true),
    name: text(input.name, `${path}.name`, limits.nameLength, true),
    description: text(input.description, `${path}.description`, limits.descriptionLength),
    params,
  };
}

/**
 * Validates a registration payload and reduces it to distinct rows, or throws a ValidationError
 * naming the offending path (e.g. `pipelines.2.algorithms.0.categoryMap`). Touches no database.
 */
export function planRegistration(input: readonly PipelineConfig[]): RegistrationPlan {
  const plan: RegistrationPlan = { pipelines: [], algorithms: new Map(), categoryMaps: new Map() };
  const slugs = new Set<string>();
  count(input, limits.pipelinesPerCall, 'pipelines').forEach((pipeline, index) => {
    const path = `pipelines.${index}`;
    const slug = text(pipeline.slug, `${path}.slug`, limits.nameLength, true);
    if (!slugPattern.test(slug)) throw new ValidationError('may hold only letters, digits, "_", "-" and "."', `${path}.slug`);
    if (slugs.has(slug)) throw new ValidationError(`"${slug}" appears twice in this call`, `${path}.slug`);
    slugs.add(slug);
    const algorithms: string[] = [];
    count(pipeline.algorithms, limits.algorithmsPerPipeline, `${path}.algorithms`).forEach((config, position) => {
      const algorithmPath = `${path}.algorithms.${position}`;
      const algorithm = planAlgorithm(config, algorithmPath);
      const seen = plan.algorithms.get(algorithm.identity);
      if (seen && seen.print !== algorithm.print) {
        throw new ValidationError(
          `${algorithm.key} version ${algorithm.version} is defined earlier in this call with different content`,
          algorithmPath,
        );
      }
      if (algorithms.includes(algorithm.identity)) {
        throw new ValidationError(`${algorithm.key} version ${algorithm.version} appears twice in this pipeline`, algorithmPath);
      }
      algorithms.push(algorithm.identity);
      if (!seen) {
        plan.algorithms.set(algorithm.identity, algorithm);
        if (plan.algorithms.size > limits.algorithmsPerCall) {
          throw new ValidationError(`at most ${limits.algorithmsPerCall} distinct algorithms per call`, algorithmPath);
        }
      }
      if (algorithm.categoryMap) plan.categoryMaps.set(algorithm.categoryMap.digest, algorithm.categoryMap);
    });
    plan.pipelines.push({
      slug,
      name: text(pipeline.name, `${path}.name`, limits.nameLength, true),
      version: checkVersion(pipeline.version, `${path}.version`),
      description: text(pipeline.description, `${path}.description`, limits.descriptionLength) ?? '',
      stages: count(pipeline.stages, limits.stagesPerPipeline, `${path}.stages`).map((stage, position) =>
        planStage(stage, `${path}.stages.${position}`),
      ),
      algorithms,
    });
  });
  return plan;
}

function byString<T>(keyOf: (item: T) => string): (a: T, b: T) => number {
  return (a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0);
}

/**
 * Pipeline registration by a worker (see domain.md, "Pipeline registration"). Re-sending the same
 * payload writes no row. A changed payload for a known slug updates the pipeline's name, version,
 * description, stages and ordered algorithm list; an algorithm already stored under (key, version)
 * is immutable and kept as stored, as is a category map with the same data and labels.
 */
export class PipelineRegistrationService {
  constructor(private readonly heartbeats: HeartbeatService) {}

  /**
   * Registers `pipelines` for the caller's service in a project, then records the caller's
   * heartbeat with what it reported. Bad input: ValidationError; unknown project: NotFoundError;
   * a service not linked to the project: ForbiddenError. Nothing is written on any of them.
   */
  async register(
    em: EntityManager,
    caller: ServicePrincipal,
    projectId: number,
    pipelines: readonly PipelineConfig[],
    observed: ObservedClientInfo,
    reported?: ReportedClientInfo | null,
  ): Promise<RegistrationOutcome> {
    const plan = planRegistration(pipelines);
    const clientInfo = reported ? sanitizeReported(reported) : undefined;
    // Fails now (before any write) when the report alone is too large to be kept.
    mergeClientInfo(null, clientInfo ?? {}, observed);
    await this.checkAccess(em, caller, projectId);

    const written =
      plan.pipelines.length === 0
        ? { pipelineIds: [], createdPipelineIds: new Set<number>(), createdAlgorithmIds: [] }
        : await em.transactional((tx) =>
            this.write(tx.getTransactionContext<Knex.Transaction>()!, plan, projectId, caller.processingServiceId),
          );
    await this.heartbeats.record(em, caller, observed, clientInfo);

    const [pipelineRows, algorithmsCreated] = await Promise.all([
      written.pipelineIds.length > 0 ? em.find(Pipeline, { id: { $in: written.pipelineIds } }) : [],
      written.createdAlgorithmIds.length > 0
        ? em.find(Algorithm, { id: { $in: written.createdAlgorithmIds } }, { orderBy: { id: 'asc' } })
        : [],
    ]);
    const byId = new Map(pipelineRows.map((pipeline) => [pipeline.id, pipeline]));
    const inOrder = written.pipelineIds.map((id) => byId.get(id)!);
    return {
      pipelines: inOrder,
      pipelinesCreated: inOrder.filter((pipeline) => written.createdPipelineIds.has(pipeline.id)),
      algorithmsCreated,
    };
  }

  private async checkAccess(em: EntityManager, caller: ServicePrincipal, projectId: number): Promise<void> {
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

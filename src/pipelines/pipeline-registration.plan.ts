import { createHash } from 'node:crypto';
import { ValidationError } from '../core/errors';
import type { PipelineStage } from './pipeline.entity';
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

export interface PlannedCategoryMap {
  digest: string;
  data: readonly unknown[];
  labels: readonly string[];
  version: string | null;
  description: string | null;
  uri: string | null;
}

export interface PlannedAlgorithm {
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

export interface PlannedPipeline {
  slug: string;
  name: string;
  version: number;
  description: string;
  stages: PipelineStage[];
  /** Algorithm identities in pipeline order. */
  algorithms: string[];
}

export interface RegistrationPlan {
  pipelines: PlannedPipeline[];
  algorithms: Map<string, PlannedAlgorithm>;
  categoryMaps: Map<string, PlannedCategoryMap>;
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

export function byString<T>(keyOf: (item: T) => string): (a: T, b: T) => number {
  return (a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0);
}

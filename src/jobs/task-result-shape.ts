import { ValidationError } from '../core/errors';

/** Bounds on what one result may hold; the HTTP body limit applies too. */
export const RESULT_LIMITS = {
  detectionsPerResult: 1_000,
  classificationsPerDetection: 100,
  scoresPerClassification: 100_000,
  algorithmsPerResult: 100,
  errorsPerResult: 100,
  textLength: 1_000,
  errorLength: 10_000,
  urlLength: 2_048,
} as const;

export interface AlgorithmReference {
  name: string;
  key: string;
}

export interface BoundingBox {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

export interface ClassificationInput {
  classification: string;
  labels?: readonly string[] | null;
  scores: readonly number[];
  logits?: readonly number[] | null;
  inferenceTime?: number | null;
  algorithm: AlgorithmReference;
  terminal?: boolean | null;
  timestamp: Date;
}

export interface DetectionInput {
  sourceImageId?: string | null;
  bbox: BoundingBox;
  inferenceTime?: number | null;
  algorithm: AlgorithmReference;
  timestamp: Date;
  cropImageUrl?: string | null;
  classifications?: readonly ClassificationInput[] | null;
}

export interface PipelineResultInput {
  pipeline: string;
  algorithms?: readonly AlgorithmReference[] | null;
  totalTime: number;
  sourceImages: readonly { id: string; url?: string | null }[];
  detections: readonly DetectionInput[];
  errors?: readonly string[] | null;
}

export interface TaskErrorInput {
  error: string;
  imageId?: string | null;
}

/** One item of submitResults: a lease token and either a result or an error. */
export interface TaskResultItem {
  leaseToken: string;
  result?: PipelineResultInput | null;
  error?: TaskErrorInput | null;
}

/** A result as stored: only the fields we know, timestamps as ISO strings. */
export type StoredResult = Record<string, unknown>;

export type CheckedItem =
  | {
      kind: 'result';
      result: StoredResult;
      pipeline: string;
      algorithmKeys: Set<string>;
      sourceImageIds: string[];
      /** Images the detections name, each of which must be the task's too. */
      detectionImageIds: string[];
    }
  | { kind: 'error'; error: string; imageId: string | null };

/** PostgreSQL refuses NUL characters and lone surrogates in text and jsonb. */
const unstorable = /[\u0000\p{Cs}]/u;

function text(value: string, path: string, max: number): string {
  if (value.length > max) throw new ValidationError(`may not exceed ${max} characters`, path);
  if (unstorable.test(value)) throw new ValidationError('contains characters that cannot be stored', path);
  return value;
}

function required(value: string, path: string, max: number): string {
  if (value.trim() === '') throw new ValidationError('may not be empty', path);
  return text(value, path, max);
}

function finite(value: number, path: string): number {
  if (!Number.isFinite(value)) throw new ValidationError('must be a finite number', path);
  return value;
}

function optionalFinite(value: number | null | undefined, path: string): number | null {
  return value === null || value === undefined ? null : finite(value, path);
}

function bounded<T>(items: readonly T[] | null | undefined, max: number, path: string): readonly T[] {
  const list = items ?? [];
  if (list.length > max) throw new ValidationError(`at most ${max} allowed`, path);
  return list;
}

function timestamp(value: Date, path: string): string {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw new ValidationError('must be a date-time', path);
  return value.toISOString();
}

function algorithm(reference: AlgorithmReference, path: string, keys: Set<string>): AlgorithmReference {
  const checked = { name: text(reference.name, `${path}.name`, RESULT_LIMITS.textLength), key: required(reference.key, `${path}.key`, RESULT_LIMITS.textLength) };
  keys.add(checked.key);
  return checked;
}

function bbox(box: BoundingBox, path: string): BoundingBox {
  const { x1, y1, x2, y2 } = box;
  for (const [name, value] of Object.entries({ x1, y1, x2, y2 })) finite(value, `${path}.${name}`);
  if (x1 > x2 || y1 > y2) throw new ValidationError('is inverted: x1 must not exceed x2, nor y1 exceed y2', path);
  return { x1, y1, x2, y2 };
}

function classification(input: ClassificationInput, path: string, keys: Set<string>): StoredResult {
  const scores = bounded(input.scores, RESULT_LIMITS.scoresPerClassification, `${path}.scores`).map((score, index) =>
    finite(score, `${path}.scores.${index}`),
  );
  const labels = input.labels ? input.labels.map((label, index) => text(label, `${path}.labels.${index}`, RESULT_LIMITS.textLength)) : null;
  if (labels && labels.length !== scores.length) {
    throw new ValidationError(`has ${labels.length} labels for ${scores.length} scores`, `${path}.labels`);
  }
  const logits = input.logits ? input.logits.map((logit, index) => finite(logit, `${path}.logits.${index}`)) : null;
  if (logits && logits.length !== scores.length) {
    throw new ValidationError(`has ${logits.length} logits for ${scores.length} scores`, `${path}.logits`);
  }
  return {
    classification: required(input.classification, `${path}.classification`, RESULT_LIMITS.textLength),
    labels,
    scores,
    logits,
    inferenceTime: optionalFinite(input.inferenceTime, `${path}.inferenceTime`),
    algorithm: algorithm(input.algorithm, `${path}.algorithm`, keys),
    terminal: input.terminal ?? true,
    timestamp: timestamp(input.timestamp, `${path}.timestamp`),
  };
}

function detection(input: DetectionInput, path: string, keys: Set<string>, sourceImageIds: string[]): StoredResult {
  const sourceImageId = input.sourceImageId ? text(input.sourceImageId, `${path}.sourceImageId`, 255) : null;
  if (sourceImageId !== null) sourceImageIds.push(sourceImageId);
  return {
    sourceImageId,
    bbox: bbox(input.bbox, `${path}.bbox`),
    inferenceTime: optionalFinite(input.inferenceTime, `${path}.inferenceTime`),
    algorithm: algorithm(input.algorithm, `${path}.algorithm`, keys),
    timestamp: timestamp(input.timestamp, `${path}.timestamp`),
    cropImageUrl: input.cropImageUrl ? text(input.cropImageUrl, `${path}.cropImageUrl`, RESULT_LIMITS.urlLength) : null,
    classifications: bounded(input.classifications, RESULT_LIMITS.classificationsPerDetection, `${path}.classifications`).map(
      (item, index) => classification(item, `${path}.classifications.${index}`, keys),
    ),
  };
}

/**
 * Checks the shape of one submitted item on its own (what needs no database): exactly one of
 * result and error, finite and upright boxes, as many labels and logits as scores, bounded sizes.
 * Throws a ValidationError naming the path below `path`.
 */
export function checkItemShape(item: TaskResultItem, path: string): CheckedItem {
  if (Boolean(item.result) === Boolean(item.error)) throw new ValidationError('give either result or error', path);
  if (item.error) {
    return {
      kind: 'error',
      error: required(item.error.error, `${path}.error.error`, RESULT_LIMITS.errorLength),
      imageId: item.error.imageId ? text(item.error.imageId, `${path}.error.imageId`, 255) : null,
    };
  }
  const input = item.result!;
  const base = `${path}.result`;
  const keys = new Set<string>();
  const detectionImageIds: string[] = [];
  const sourceImages = input.sourceImages.map((image, index) => ({
    id: required(image.id, `${base}.sourceImages.${index}.id`, 255),
    url: image.url ? text(image.url, `${base}.sourceImages.${index}.url`, RESULT_LIMITS.urlLength) : null,
  }));
  const result: StoredResult = {
    pipeline: required(input.pipeline, `${base}.pipeline`, 255),
    algorithms: bounded(input.algorithms, RESULT_LIMITS.algorithmsPerResult, `${base}.algorithms`).map((reference, index) =>
      algorithm(reference, `${base}.algorithms.${index}`, keys),
    ),
    totalTime: finite(input.totalTime, `${base}.totalTime`),
    sourceImages,
    detections: bounded(input.detections, RESULT_LIMITS.detectionsPerResult, `${base}.detections`).map((item, index) =>
      detection(item, `${base}.detections.${index}`, keys, detectionImageIds),
    ),
    errors: bounded(input.errors, RESULT_LIMITS.errorsPerResult, `${base}.errors`).map((message, index) =>
      text(message, `${base}.errors.${index}`, RESULT_LIMITS.errorLength),
    ),
  };
  if ((result.totalTime as number) < 0) throw new ValidationError('may not be negative', `${base}.totalTime`);
  return {
    kind: 'result',
    result,
    pipeline: result.pipeline as string,
    algorithmKeys: keys,
    sourceImageIds: sourceImages.map((image) => image.id),
    detectionImageIds,
  };
}

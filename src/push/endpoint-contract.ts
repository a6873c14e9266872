import { z } from 'zod/v3';
import type { AlgorithmReference, PipelineResultInput } from '../jobs/task-result-shape';
import type { PipelineConfig } from '../pipelines/pipeline-registration.plan';
import type { TaskType } from '../pipelines/task-type';

/**
 * What a push-mode endpoint answers, in the wire format of the original's template service
 * (snake_case), turned into the types the registration and result code take. Only types are
 * checked here; limits and meaning are checked by that shared code, as for workers.
 */

const optionalText = z.string().nullish();

const readyz = z.object({ status: z.array(z.string()).max(1_000) });

const categoryMap = z.object({
  data: z.array(z.unknown()),
  labels: z.array(z.string()),
  version: optionalText,
  description: optionalText,
  uri: optionalText,
});

const algorithmConfig = z.object({
  name: z.string(),
  key: z.string(),
  version: z.number().int().nullish(),
  version_name: optionalText,
  description: optionalText,
  task_type: optionalText,
  uri: optionalText,
  category_map: categoryMap.nullish(),
});

const pipelineConfig = z.object({
  name: z.string(),
  slug: z.string(),
  version: z.number().int(),
  description: optionalText,
  algorithms: z.array(algorithmConfig).nullish(),
  stages: z
    .array(
      z.object({
        key: z.string(),
        name: z.string(),
        description: optionalText,
        params: z.array(z.object({ name: z.string(), key: z.string(), category: z.string() })).nullish(),
      }),
    )
    .nullish(),
});

const info = z.object({ name: optionalText, description: optionalText, pipelines: z.array(pipelineConfig) });

const algorithmReference = z.object({ name: z.string(), key: z.string() });
const timestamp = z.coerce.date();

const classification = z.object({
  classification: z.string(),
  labels: z.array(z.string()).nullish(),
  scores: z.array(z.number()),
  logits: z.array(z.number()).nullish(),
  inference_time: z.number().nullish(),
  algorithm: algorithmReference,
  terminal: z.boolean().nullish(),
  timestamp,
});

const detection = z.object({
  source_image_id: optionalText,
  bbox: z.object({ x1: z.number(), y1: z.number(), x2: z.number(), y2: z.number() }),
  inference_time: z.number().nullish(),
  algorithm: algorithmReference,
  timestamp,
  crop_image_url: optionalText,
  classifications: z.array(classification).nullish(),
});

const pipelineResults = z.object({
  pipeline: z.string(),
  // A list of references, or (deprecated in the original) a map from key to algorithm.
  algorithms: z.union([z.array(algorithmReference), z.record(z.string(), z.object({ name: z.string(), key: z.string() }))]).nullish(),
  total_time: z.number(),
  source_images: z.array(z.object({ id: z.union([z.string(), z.number()]).transform(String), url: optionalText })),
  detections: z.array(detection),
  errors: z.union([z.array(z.string()), z.string()]).nullish(),
});

const rejection = z.object({ detail: z.unknown() });

/** Parses JSON and checks it against a schema; null when it does not fit, with the first problem. */
function parse<Schema extends z.ZodTypeAny>(schema: Schema, body: Buffer): { ok: true; value: z.output<Schema> } | { ok: false; problem: string } {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return { ok: false, problem: 'is not JSON' };
  }
  const result = schema.safeParse(json);
  if (result.success) return { ok: true, value: result.data };
  const issue = result.error.issues[0]!;
  return { ok: false, problem: `${issue.path.join('.') || 'the body'}: ${issue.message}` };
}

export function parseReadyz(body: Buffer) {
  const parsed = parse(readyz, body);
  return parsed.ok ? { ok: true as const, value: parsed.value.status } : parsed;
}

export interface EndpointInfo {
  name: string | null;
  description: string | null;
  pipelines: PipelineConfig[];
}

export function parseInfo(body: Buffer): { ok: true; value: EndpointInfo } | { ok: false; problem: string } {
  const parsed = parse(info, body);
  if (!parsed.ok) return parsed;
  return {
    ok: true,
    value: {
      name: parsed.value.name ?? null,
      description: parsed.value.description ?? null,
      pipelines: parsed.value.pipelines.map((pipeline) => ({
        name: pipeline.name,
        slug: pipeline.slug,
        version: pipeline.version,
        description: pipeline.description,
        stages: pipeline.stages,
        algorithms: (pipeline.algorithms ?? []).map((algorithm) => ({
          name: algorithm.name,
          key: algorithm.key,
          version: algorithm.version,
          versionName: algorithm.version_name,
          description: algorithm.description,
          // The registration code refuses a value that is not a known task type, naming the path.
          taskType: (algorithm.task_type?.toUpperCase() as TaskType | undefined) ?? null,
          uri: algorithm.uri,
          categoryMap: algorithm.category_map,
        })),
      })),
    },
  };
}

/** A /process answer: one result per image of the batch, by image id. */
export interface BatchResults {
  pipeline: string;
  byImage: Map<string, PipelineResultInput>;
}

export function parseResults(body: Buffer): { ok: true; value: BatchResults } | { ok: false; problem: string } {
  const parsed = parse(pipelineResults, body);
  if (!parsed.ok) return parsed;
  const response = parsed.value;
  const algorithms: AlgorithmReference[] = Array.isArray(response.algorithms)
    ? response.algorithms
    : Object.values(response.algorithms ?? {}).map(({ name, key }) => ({ name, key }));
  const errors = typeof response.errors === 'string' ? [response.errors] : (response.errors ?? []);
  const soleImage = response.source_images.length === 1 ? response.source_images[0]!.id : null;
  const byImage = new Map<string, PipelineResultInput>();
  for (const image of response.source_images) {
    byImage.set(image.id, {
      pipeline: response.pipeline,
      algorithms,
      totalTime: response.total_time,
      sourceImages: [{ id: image.id, url: image.url }],
      detections: response.detections
        .filter((detection) => (detection.source_image_id ?? soleImage) === image.id)
        .map((detection) => ({
          sourceImageId: detection.source_image_id ?? image.id,
          bbox: detection.bbox,
          inferenceTime: detection.inference_time,
          algorithm: detection.algorithm,
          timestamp: detection.timestamp,
          cropImageUrl: detection.crop_image_url,
          classifications: (detection.classifications ?? []).map((item) => ({
            classification: item.classification,
            labels: item.labels,
            scores: item.scores,
            logits: item.logits,
            inferenceTime: item.inference_time,
            algorithm: item.algorithm,
            terminal: item.terminal,
            timestamp: item.timestamp,
          })),
        })),
      errors,
    });
  }
  return { ok: true, value: { pipeline: response.pipeline, byImage } };
}

/** The `detail` of a 422, as text (FastAPI sends a string, or a list of validation problems). */
export function rejectionDetail(body: Buffer): string {
  const parsed = parse(rejection, body);
  if (!parsed.ok) return 'no detail given';
  const detail = parsed.value.detail;
  return typeof detail === 'string' ? detail : JSON.stringify(detail);
}

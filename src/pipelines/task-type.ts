/** Algorithm task types of the original, upper-cased for the GraphQL enum. */
export const taskTypes = [
  'DETECTION',
  'LOCALIZATION',
  'SEGMENTATION',
  'CLASSIFICATION',
  'EMBEDDING',
  'TRACKING',
  'TAGGING',
  'REGRESSION',
  'CAPTIONING',
  'GENERATION',
  'TRANSLATION',
  'SUMMARIZATION',
  'QUESTION_ANSWERING',
  'DEPTH_ESTIMATION',
  'POSE_ESTIMATION',
  'SIZE_ESTIMATION',
  'POST_PROCESSING',
  'OTHER',
  'UNKNOWN',
] as const;

export type TaskType = (typeof taskTypes)[number];

/** Task types whose output is a label set, so a category map is required. */
export const labelledTaskTypes: ReadonlySet<TaskType> = new Set(['CLASSIFICATION', 'TAGGING']);

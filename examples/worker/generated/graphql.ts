/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
/** An algorithm is identified by (key, version); one already registered is kept as stored. */
export type AlgorithmConfigInput = {
  /** Required for CLASSIFICATION and TAGGING. */
  categoryMap?: CategoryMapInput | null | undefined;
  description?: string | null | undefined;
  key: string;
  name: string;
  taskType?: AlgorithmTaskType;
  uri?: string | null | undefined;
  version?: number;
  versionName?: string | null | undefined;
};

export type AlgorithmReferenceInput = {
  /** Must be an algorithm of the job's pipeline. */
  key: string;
  name: string;
};

/** What an algorithm does. CLASSIFICATION and TAGGING output labels, so they need a category map. */
export type AlgorithmTaskType =
  | 'CAPTIONING'
  | 'CLASSIFICATION'
  | 'DEPTH_ESTIMATION'
  | 'DETECTION'
  | 'EMBEDDING'
  | 'GENERATION'
  | 'LOCALIZATION'
  | 'OTHER'
  | 'POSE_ESTIMATION'
  | 'POST_PROCESSING'
  | 'QUESTION_ANSWERING'
  | 'REGRESSION'
  | 'SEGMENTATION'
  | 'SIZE_ESTIMATION'
  | 'SUMMARIZATION'
  | 'TAGGING'
  | 'TRACKING'
  | 'TRANSLATION'
  | 'UNKNOWN';

/** Finite, with x1 <= x2 and y1 <= y2. */
export type BoundingBoxInput = {
  x1: number;
  x2: number;
  y1: number;
  y2: number;
};

/** Maps are stored once per distinct (data, labels). */
export type CategoryMapInput = {
  /** One entry per category (any JSON), e.g. { index, label, gbif_key }. */
  data: Array<unknown>;
  description?: string | null | undefined;
  labels: Array<string>;
  uri?: string | null | undefined;
  version?: string | null | undefined;
};

export type ClassificationInput = {
  algorithm: AlgorithmReferenceInput;
  /** The label. */
  classification: string;
  inferenceTime?: number | null | undefined;
  /** All labels in model order; as many as scores. May be left out for large maps. */
  labels?: Array<string> | null | undefined;
  /** As many as scores. */
  logits?: Array<number> | null | undefined;
  scores: Array<number>;
  terminal?: boolean | null | undefined;
  timestamp: string;
};

/** What a worker says about itself. Strings are cut to 500 characters. */
export type ClientInfoInput = {
  /** At most 20 keys with scalar values. */
  extra?: Record<string, unknown> | null | undefined;
  hostname?: string | null | undefined;
  platform?: string | null | undefined;
  podName?: string | null | undefined;
  software?: string | null | undefined;
  version?: string | null | undefined;
};

export type CreateProcessingServiceInput = {
  description?: string | null | undefined;
  /** http(s) URL for push mode; empty or null for pull mode. */
  endpointUrl?: string | null | undefined;
  /** At most 255 characters; need not be unique. */
  name: string;
  /** Projects it serves; you must manage each of them. */
  projectIds: Array<string | number>;
};

export type DetectionInput = {
  algorithm: AlgorithmReferenceInput;
  bbox: BoundingBoxInput;
  classifications?: Array<ClassificationInput>;
  cropImageUrl?: string | null | undefined;
  inferenceTime?: number | null | undefined;
  /** If given, the task's image id. */
  sourceImageId?: string | null | undefined;
  timestamp: string;
};

/** A pipeline is identified by its slug. */
export type PipelineConfigInput = {
  /** In pipeline order. */
  algorithms?: Array<AlgorithmConfigInput> | null | undefined;
  description?: string | null | undefined;
  name: string;
  /** Letters, digits, "_", "-" and ".". */
  slug: string;
  stages?: Array<PipelineStageInput> | null | undefined;
  version: number;
};

/** A worker's answer for one task (the original's PipelineResultsResponse). */
export type PipelineResultInput = {
  algorithms?: Array<AlgorithmReferenceInput> | null | undefined;
  detections: Array<DetectionInput>;
  errors?: Array<string> | null | undefined;
  /** The job's pipeline slug. */
  pipeline: string;
  /** Exactly the task's image. */
  sourceImages: Array<SourceImageInput>;
  /** Seconds. */
  totalTime: number;
};

export type PipelineStageInput = {
  description?: string | null | undefined;
  key: string;
  name: string;
  params?: Array<PipelineStageParamInput> | null | undefined;
};

export type PipelineStageParamInput = {
  category: string;
  key: string;
  name: string;
};

export type SourceImageInput = {
  id: string;
  url?: string | null | undefined;
};

export type TaskErrorInput = {
  error: string;
  imageId?: string | null | undefined;
};

/** Either result or error, for the task the lease token names. */
export type TaskResultInput = {
  error?: TaskErrorInput | null | undefined;
  leaseToken: string;
  result?: PipelineResultInput | null | undefined;
};

export type AvailableJobsQueryVariables = Exact<{
  pipelineSlugs?: Array<string> | string | null | undefined;
  clientInfo?: ClientInfoInput | null | undefined;
}>;


export type AvailableJobsQuery = { availableJobs: Array<{ id: string, pipelineSlug: string, leaseSeconds: number }> };

export type HeartbeatMutationVariables = Exact<{
  clientInfo?: ClientInfoInput | null | undefined;
}>;


export type HeartbeatMutation = { heartbeat: { id: string } };

export type LoginMutationVariables = Exact<{
  email: string;
  password: string;
}>;


export type LoginMutation = { login: { token: string, user: { id: string, email: string } } };

export type LogoutMutationVariables = Exact<{ [key: string]: never; }>;


export type LogoutMutation = { logout: boolean };

export type CreateProcessingServiceMutationVariables = Exact<{
  input: CreateProcessingServiceInput;
}>;


export type CreateProcessingServiceMutation = { createProcessingService: { id: string, name: string } };

export type GenerateKeyMutationVariables = Exact<{
  processingServiceId: string | number;
  name?: string | null | undefined;
}>;


export type GenerateKeyMutation = { generateKey: { key: string, apiKey: { id: string, prefix: string } } };

export type RegisterPipelinesMutationVariables = Exact<{
  projectId: string | number;
  pipelines: Array<PipelineConfigInput> | PipelineConfigInput;
  clientInfo?: ClientInfoInput | null | undefined;
}>;


export type RegisterPipelinesMutation = { registerPipelines: { timestamp: string, success: boolean, pipelines: Array<{ slug: string, version: number, algorithms: Array<{ key: string, version: number }> }>, pipelinesCreated: Array<{ slug: string }>, algorithmsCreated: Array<{ key: string, version: number }> } };

export type RenewTaskLeasesMutationVariables = Exact<{
  leaseTokens: Array<string> | string;
  clientInfo?: ClientInfoInput | null | undefined;
}>;


export type RenewTaskLeasesMutation = { renewTaskLeases: { renewed: Array<{ leaseToken: string, leaseExpiresAt: string }>, refused: Array<{ leaseToken: string, code: string, message: string }> } };

export type ReserveTasksMutationVariables = Exact<{
  jobId: string | number;
  batchSize: number;
  clientInfo?: ClientInfoInput | null | undefined;
}>;


export type ReserveTasksMutation = { reserveTasks: { jobId: string, tasks: Array<{ id: string, imageId: string, imageUrl: string, leaseToken: string, leaseExpiresAt: string, attempt: number }> } };

export type SubmitResultsMutationVariables = Exact<{
  results: Array<TaskResultInput> | TaskResultInput;
  clientInfo?: ClientInfoInput | null | undefined;
}>;


export type SubmitResultsMutation = { submitResults: { accepted: number, duplicates: number, refused: Array<{ leaseToken: string, code: string, path: string, message: string }> } };

export type WhoAmIQueryVariables = Exact<{ [key: string]: never; }>;


export type WhoAmIQuery = { viewer: { processingService: { id: string, name: string } | null } };


export const AvailableJobsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"AvailableJobs"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"pipelineSlugs"}},"type":{"kind":"ListType","type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"clientInfo"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"ClientInfoInput"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"availableJobs"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"pipelineSlugs"},"value":{"kind":"Variable","name":{"kind":"Name","value":"pipelineSlugs"}}},{"kind":"Argument","name":{"kind":"Name","value":"clientInfo"},"value":{"kind":"Variable","name":{"kind":"Name","value":"clientInfo"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"pipelineSlug"}},{"kind":"Field","name":{"kind":"Name","value":"leaseSeconds"}}]}}]}}]} as unknown as DocumentNode<AvailableJobsQuery, AvailableJobsQueryVariables>;
export const HeartbeatDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"Heartbeat"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"clientInfo"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"ClientInfoInput"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"heartbeat"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"clientInfo"},"value":{"kind":"Variable","name":{"kind":"Name","value":"clientInfo"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}}]}}]}}]} as unknown as DocumentNode<HeartbeatMutation, HeartbeatMutationVariables>;
export const LoginDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"Login"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"email"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"password"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"login"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"email"},"value":{"kind":"Variable","name":{"kind":"Name","value":"email"}}},{"kind":"Argument","name":{"kind":"Name","value":"password"},"value":{"kind":"Variable","name":{"kind":"Name","value":"password"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"token"}},{"kind":"Field","name":{"kind":"Name","value":"user"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"email"}}]}}]}}]}}]} as unknown as DocumentNode<LoginMutation, LoginMutationVariables>;
export const LogoutDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"Logout"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"logout"}}]}}]} as unknown as DocumentNode<LogoutMutation, LogoutMutationVariables>;
export const CreateProcessingServiceDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CreateProcessingService"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"CreateProcessingServiceInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"createProcessingService"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}}]} as unknown as DocumentNode<CreateProcessingServiceMutation, CreateProcessingServiceMutationVariables>;
export const GenerateKeyDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"GenerateKey"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"processingServiceId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"name"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"generateKey"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"processingServiceId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"processingServiceId"}}},{"kind":"Argument","name":{"kind":"Name","value":"name"},"value":{"kind":"Variable","name":{"kind":"Name","value":"name"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"apiKey"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"prefix"}}]}}]}}]}}]} as unknown as DocumentNode<GenerateKeyMutation, GenerateKeyMutationVariables>;
export const RegisterPipelinesDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"RegisterPipelines"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"projectId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"pipelines"}},"type":{"kind":"NonNullType","type":{"kind":"ListType","type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"PipelineConfigInput"}}}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"clientInfo"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"ClientInfoInput"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"registerPipelines"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"projectId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"projectId"}}},{"kind":"Argument","name":{"kind":"Name","value":"pipelines"},"value":{"kind":"Variable","name":{"kind":"Name","value":"pipelines"}}},{"kind":"Argument","name":{"kind":"Name","value":"clientInfo"},"value":{"kind":"Variable","name":{"kind":"Name","value":"clientInfo"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"timestamp"}},{"kind":"Field","name":{"kind":"Name","value":"success"}},{"kind":"Field","name":{"kind":"Name","value":"pipelines"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"slug"}},{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"algorithms"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"version"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pipelinesCreated"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"slug"}}]}},{"kind":"Field","name":{"kind":"Name","value":"algorithmsCreated"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"version"}}]}}]}}]}}]} as unknown as DocumentNode<RegisterPipelinesMutation, RegisterPipelinesMutationVariables>;
export const RenewTaskLeasesDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"RenewTaskLeases"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"leaseTokens"}},"type":{"kind":"NonNullType","type":{"kind":"ListType","type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"clientInfo"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"ClientInfoInput"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"renewTaskLeases"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"leaseTokens"},"value":{"kind":"Variable","name":{"kind":"Name","value":"leaseTokens"}}},{"kind":"Argument","name":{"kind":"Name","value":"clientInfo"},"value":{"kind":"Variable","name":{"kind":"Name","value":"clientInfo"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"renewed"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"leaseToken"}},{"kind":"Field","name":{"kind":"Name","value":"leaseExpiresAt"}}]}},{"kind":"Field","name":{"kind":"Name","value":"refused"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"leaseToken"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]} as unknown as DocumentNode<RenewTaskLeasesMutation, RenewTaskLeasesMutationVariables>;
export const ReserveTasksDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ReserveTasks"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"jobId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"batchSize"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"clientInfo"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"ClientInfoInput"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"reserveTasks"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"jobId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"jobId"}}},{"kind":"Argument","name":{"kind":"Name","value":"batchSize"},"value":{"kind":"Variable","name":{"kind":"Name","value":"batchSize"}}},{"kind":"Argument","name":{"kind":"Name","value":"clientInfo"},"value":{"kind":"Variable","name":{"kind":"Name","value":"clientInfo"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"jobId"}},{"kind":"Field","name":{"kind":"Name","value":"tasks"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"imageId"}},{"kind":"Field","name":{"kind":"Name","value":"imageUrl"}},{"kind":"Field","name":{"kind":"Name","value":"leaseToken"}},{"kind":"Field","name":{"kind":"Name","value":"leaseExpiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"attempt"}}]}}]}}]}}]} as unknown as DocumentNode<ReserveTasksMutation, ReserveTasksMutationVariables>;
export const SubmitResultsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"SubmitResults"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"results"}},"type":{"kind":"NonNullType","type":{"kind":"ListType","type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"TaskResultInput"}}}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"clientInfo"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"ClientInfoInput"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"submitResults"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"results"},"value":{"kind":"Variable","name":{"kind":"Name","value":"results"}}},{"kind":"Argument","name":{"kind":"Name","value":"clientInfo"},"value":{"kind":"Variable","name":{"kind":"Name","value":"clientInfo"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"accepted"}},{"kind":"Field","name":{"kind":"Name","value":"duplicates"}},{"kind":"Field","name":{"kind":"Name","value":"refused"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"leaseToken"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"path"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]} as unknown as DocumentNode<SubmitResultsMutation, SubmitResultsMutationVariables>;
export const WhoAmIDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"WhoAmI"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"viewer"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"processingService"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}}]}}]} as unknown as DocumentNode<WhoAmIQuery, WhoAmIQueryVariables>;
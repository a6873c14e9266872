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

/** Maps are stored once per distinct (data, labels). */
export type CategoryMapInput = {
  /** One entry per category (any JSON), e.g. { index, label, gbif_key }. */
  data: Array<unknown>;
  description?: string | null | undefined;
  labels: Array<string>;
  uri?: string | null | undefined;
  version?: string | null | undefined;
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

export type WhoAmIQueryVariables = Exact<{ [key: string]: never; }>;


export type WhoAmIQuery = { viewer: { processingService: { id: string, name: string } | null } };


export const HeartbeatDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"Heartbeat"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"clientInfo"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"ClientInfoInput"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"heartbeat"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"clientInfo"},"value":{"kind":"Variable","name":{"kind":"Name","value":"clientInfo"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}}]}}]}}]} as unknown as DocumentNode<HeartbeatMutation, HeartbeatMutationVariables>;
export const LoginDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"Login"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"email"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"password"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"login"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"email"},"value":{"kind":"Variable","name":{"kind":"Name","value":"email"}}},{"kind":"Argument","name":{"kind":"Name","value":"password"},"value":{"kind":"Variable","name":{"kind":"Name","value":"password"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"token"}},{"kind":"Field","name":{"kind":"Name","value":"user"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"email"}}]}}]}}]}}]} as unknown as DocumentNode<LoginMutation, LoginMutationVariables>;
export const LogoutDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"Logout"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"logout"}}]}}]} as unknown as DocumentNode<LogoutMutation, LogoutMutationVariables>;
export const CreateProcessingServiceDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CreateProcessingService"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"CreateProcessingServiceInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"createProcessingService"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}}]} as unknown as DocumentNode<CreateProcessingServiceMutation, CreateProcessingServiceMutationVariables>;
export const GenerateKeyDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"GenerateKey"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"processingServiceId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"name"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"generateKey"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"processingServiceId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"processingServiceId"}}},{"kind":"Argument","name":{"kind":"Name","value":"name"},"value":{"kind":"Variable","name":{"kind":"Name","value":"name"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"apiKey"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"prefix"}}]}}]}}]}}]} as unknown as DocumentNode<GenerateKeyMutation, GenerateKeyMutationVariables>;
export const RegisterPipelinesDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"RegisterPipelines"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"projectId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"pipelines"}},"type":{"kind":"NonNullType","type":{"kind":"ListType","type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"PipelineConfigInput"}}}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"clientInfo"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"ClientInfoInput"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"registerPipelines"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"projectId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"projectId"}}},{"kind":"Argument","name":{"kind":"Name","value":"pipelines"},"value":{"kind":"Variable","name":{"kind":"Name","value":"pipelines"}}},{"kind":"Argument","name":{"kind":"Name","value":"clientInfo"},"value":{"kind":"Variable","name":{"kind":"Name","value":"clientInfo"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"timestamp"}},{"kind":"Field","name":{"kind":"Name","value":"success"}},{"kind":"Field","name":{"kind":"Name","value":"pipelines"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"slug"}},{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"algorithms"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"version"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pipelinesCreated"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"slug"}}]}},{"kind":"Field","name":{"kind":"Name","value":"algorithmsCreated"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"version"}}]}}]}}]}}]} as unknown as DocumentNode<RegisterPipelinesMutation, RegisterPipelinesMutationVariables>;
export const WhoAmIDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"WhoAmI"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"viewer"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"processingService"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}}]}}]} as unknown as DocumentNode<WhoAmIQuery, WhoAmIQueryVariables>;
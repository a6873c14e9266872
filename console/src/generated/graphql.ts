/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
/** What an audit event records. */
export type AuditAction =
  | 'AUDIT_PRUNED'
  | 'KEY_EXPIRED_BY_ROTATION'
  | 'KEY_GENERATED'
  | 'KEY_REVOKED'
  | 'LOGIN_FAILURES_REPEATED'
  | 'MEMBER_ADDED'
  | 'MEMBER_REMOVED'
  | 'MEMBER_ROLE_CHANGED'
  | 'SERVICE_CREATED'
  | 'SERVICE_DELETED'
  | 'SERVICE_UPDATED';

export type CreateJobInput = {
  /** At most 1000; add more with addJobImages. */
  images?: Array<JobImageInput> | null | undefined;
  /** How long a lease lasts unless renewed (1 to 86400 seconds, default 300). */
  leaseSeconds?: number | null | undefined;
  /** Leases of a task before it fails for good (1 to 100, default 3). */
  maxAttempts?: number | null | undefined;
  /** At most 255 characters. */
  name: string;
  /** A pipeline enabled for the project. */
  pipelineSlug: string;
  projectId: string | number;
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

export type CreateProjectInput = {
  description?: string | null | undefined;
  name: string;
};

/** A source image: the platform's id and a URL workers can fetch. */
export type JobImageInput = {
  /** Unique within the job; at most 255 characters. */
  id: string;
  /** http(s), at most 2048 characters. */
  url: string;
};

/** Derived from the tasks: CREATED (no tasks yet), QUEUED (none leased yet), RUNNING, SUCCESS (every task done), FAILURE (nothing left to do, at least one task failed for good), CANCELED. */
export type JobStatus =
  | 'CANCELED'
  | 'CREATED'
  | 'FAILURE'
  | 'QUEUED'
  | 'RUNNING'
  | 'SUCCESS';

/** PUSH: the platform calls its endpointUrl. PULL: no endpoint; its workers call in. Derived from endpointUrl. */
export type ProcessingServiceMode =
  | 'PULL'
  | 'PUSH';

/** ONLINE while the last heartbeat (pull mode) or health check (push mode) is recent and live; UNKNOWN before the first one. */
export type ProcessingServiceStatus =
  | 'OFFLINE'
  | 'ONLINE'
  | 'UNKNOWN';

/** Per-project roles, weakest first. */
export type ProjectRole =
  | 'BASIC_MEMBER'
  | 'IDENTIFIER'
  | 'ML_DATA_MANAGER'
  | 'PROJECT_MANAGER'
  | 'RESEARCHER';

/** Fields left out are not changed. */
export type UpdateProcessingServiceInput = {
  description?: string | null | undefined;
  /** Set to null or empty to switch to pull mode. */
  endpointUrl?: string | null | undefined;
  name?: string | null | undefined;
  /** The complete new set of projects. */
  projectIds?: Array<string | number> | null | undefined;
};

export type ConsoleLoginMutationVariables = Exact<{
  email: string;
  password: string;
}>;


export type ConsoleLoginMutation = { login: { token: string, user: { id: string, email: string, isSuperuser: boolean } } };

export type ConsoleLogoutMutationVariables = Exact<{ [key: string]: never; }>;


export type ConsoleLogoutMutation = { logout: boolean };

export type ConsoleProjectsQueryVariables = Exact<{ [key: string]: never; }>;


export type ConsoleProjectsQuery = { viewer: { user: { id: string, email: string, isSuperuser: boolean } | null }, projects: Array<{ id: string, name: string, members: Array<{ role: ProjectRole, user: { id: string } }> | null }> };

export type ConsoleCreateProjectMutationVariables = Exact<{
  input: CreateProjectInput;
}>;


export type ConsoleCreateProjectMutation = { createProject: { id: string, name: string } };

export type ConsoleServicesQueryVariables = Exact<{
  projectId: string | number;
}>;


export type ConsoleServicesQuery = { processingServices: { totalCount: number, edges: Array<{ node: { id: string, name: string, mode: ProcessingServiceMode, status: ProcessingServiceStatus, apiKeyPrefix: string | null, lastSeen: string | null, lastSeenClientInfo: { hostname: string | null, software: string | null, version: string | null, platform: string | null, podName: string | null, ip: string | null, userAgent: string | null } | null, pipelines: Array<{ id: string, slug: string, name: string, version: number, algorithms: Array<{ id: string, key: string, name: string, version: number }> }> } }> } };

export type ConsoleServiceQueryVariables = Exact<{
  id: string | number;
}>;


export type ConsoleServiceQuery = { processingService: { id: string, name: string, description: string, endpointUrl: string | null, mode: ProcessingServiceMode, status: ProcessingServiceStatus, apiKeyPrefix: string | null, lastSeen: string | null, projects: Array<{ id: string, name: string }>, apiKeys: Array<{ id: string, name: string, prefix: string, createdAt: string, lastUsedAt: string | null, expiresAt: string | null, revokedAt: string | null }> | null, workers: Array<{ identity: string, software: string | null, version: string | null, platform: string | null, ip: string | null, userAgent: string | null, lastSeen: string }>, auditEvents: { totalCount: number, edges: Array<{ node: { id: string, occurredAt: string, action: AuditAction, actorLabel: string, ip: string | null, userAgent: string | null, apiKeyPrefix: string | null } }> } | null } | null };

export type ConsoleCreateServiceMutationVariables = Exact<{
  input: CreateProcessingServiceInput;
}>;


export type ConsoleCreateServiceMutation = { createProcessingService: { id: string, name: string } };

export type ConsoleUpdateServiceMutationVariables = Exact<{
  id: string | number;
  input: UpdateProcessingServiceInput;
}>;


export type ConsoleUpdateServiceMutation = { updateProcessingService: { id: string, name: string, description: string, endpointUrl: string | null } };

export type ConsoleGenerateKeyMutationVariables = Exact<{
  processingServiceId: string | number;
  previousKeyGraceSeconds?: number | null | undefined;
}>;


export type ConsoleGenerateKeyMutation = { generateKey: { key: string, apiKey: { id: string, prefix: string } } };

export type ConsoleRevokeKeyMutationVariables = Exact<{
  id: string | number;
}>;


export type ConsoleRevokeKeyMutation = { revokeKey: { id: string, revokedAt: string | null } };

export type ConsoleJobsQueryVariables = Exact<{
  projectId: string | number;
}>;


export type ConsoleJobsQuery = { jobs: { edges: Array<{ node: { id: string, name: string, status: JobStatus, pipelineSlug: string, createdAt: string, progress: { total: number, done: number, failed: number, leased: number, queued: number, canceled: number }, processingServices: Array<{ id: string, name: string }> | null, workers: Array<{ leases: number, clientInfo: { hostname: string | null, software: string | null, version: string | null }, processingService: { id: string } | null }> | null } }> } };

export type ConsoleCreateJobMutationVariables = Exact<{
  input: CreateJobInput;
}>;


export type ConsoleCreateJobMutation = { createJob: { id: string } };

export type ConsoleCancelJobMutationVariables = Exact<{
  id: string | number;
}>;


export type ConsoleCancelJobMutation = { cancelJob: { id: string, status: JobStatus } };

export type ConsoleRetryFailedMutationVariables = Exact<{
  jobId: string | number;
}>;


export type ConsoleRetryFailedMutation = { retryFailedTasks: { id: string, status: JobStatus } };

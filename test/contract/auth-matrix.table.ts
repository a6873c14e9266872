import type { MatrixWorld } from './auth-matrix.world';

/** The callers every root operation is tried as. */
export const callers = ['anonymous', 'member', 'otherManager', 'superuser', 'linkedKey', 'unlinkedKey'] as const;
export type Caller = (typeof callers)[number];

/**
 * What a caller gets: `data` (the root field resolved to a value), `null` (resolved to null
 * without an error), or the code of the error on the root field. `refused` lists the nested
 * fields (as Type.field) that answered FORBIDDEN inside data.
 */
export type Outcome = 'data' | 'null' | 'UNAUTHENTICATED' | 'FORBIDDEN' | 'NOT_FOUND';
export type Expected = Outcome | { outcome: Outcome; refused: string[] };

export interface MatrixRow {
  /** Variables for one call; called once per caller, so a mutation gets fresh objects to act on. */
  variables(world: MatrixWorld): Promise<Record<string, unknown>> | Record<string, unknown>;
  expect: Record<Caller, Expected>;
  /** The call ends the caller's session: users get a fresh one for it. */
  endsSession?: boolean;
}

/** Everyone the project's people are hidden from. */
const keyRefusals = ['Project.owner', 'Project.members'];
/** What a member below project manager may not see of a service. */
const memberRefusals = ['ProcessingService.apiKeys'];
/** What a key may not see of a job it can work on: who else took part, and the results. */
const jobMemberFields = ['Job.processingServices', 'Job.workers', 'Job.results', 'Job.createdBy'];

const allUsers = (outcome: Expected, keys: Expected): Record<Caller, Expected> => ({
  anonymous: 'UNAUTHENTICATED',
  member: outcome,
  otherManager: outcome,
  superuser: outcome,
  linkedKey: keys,
  unlinkedKey: keys,
});

/**
 * The expected outcome of every root operation for every caller. The target objects live in
 * project A: `member` is a basic member of A, `otherManager` manages only project B, `linkedKey`
 * belongs to service A (linked to A) and `unlinkedKey` to service B (linked to B only).
 */
export const matrix: Record<string, MatrixRow> = {
  'Query.viewer': {
    variables: () => ({}),
    expect: {
      anonymous: 'data',
      member: 'data',
      otherManager: 'data',
      superuser: 'data',
      linkedKey: { outcome: 'data', refused: [...memberRefusals, ...keyRefusals] },
      unlinkedKey: { outcome: 'data', refused: [...memberRefusals, ...keyRefusals] },
    },
  },
  'Query.projects': {
    variables: () => ({}),
    expect: allUsers('data', { outcome: 'data', refused: keyRefusals }),
  },
  'Query.project': {
    variables: (w) => ({ id: w.projectA }),
    expect: {
      anonymous: 'UNAUTHENTICATED',
      member: 'data',
      otherManager: 'null',
      superuser: 'data',
      linkedKey: { outcome: 'data', refused: keyRefusals },
      unlinkedKey: 'null',
    },
  },
  'Query.processingService': {
    variables: (w) => ({ id: w.serviceA }),
    expect: {
      anonymous: 'UNAUTHENTICATED',
      member: { outcome: 'data', refused: memberRefusals },
      otherManager: 'null',
      superuser: 'data',
      linkedKey: { outcome: 'data', refused: [...memberRefusals, ...keyRefusals] },
      unlinkedKey: 'null',
    },
  },
  'Query.processingServices': {
    variables: (w) => ({ projectId: w.projectA }),
    expect: {
      anonymous: 'UNAUTHENTICATED',
      member: { outcome: 'data', refused: memberRefusals },
      otherManager: 'NOT_FOUND',
      superuser: 'data',
      linkedKey: 'FORBIDDEN',
      unlinkedKey: 'FORBIDDEN',
    },
  },
  'Query.auditEvents': {
    variables: (w) => ({ projectId: w.projectA }),
    expect: {
      anonymous: 'UNAUTHENTICATED',
      member: 'FORBIDDEN',
      otherManager: 'NOT_FOUND',
      superuser: 'data',
      linkedKey: 'FORBIDDEN',
      unlinkedKey: 'FORBIDDEN',
    },
  },
  'Query.allAuditEvents': {
    variables: () => ({}),
    expect: { ...allUsers('FORBIDDEN', 'FORBIDDEN'), superuser: 'data' },
  },
  'Mutation.login': {
    variables: (w) => ({ email: w.memberEmail, password: w.password }),
    expect: {
      anonymous: 'data',
      member: 'data',
      otherManager: 'data',
      superuser: 'data',
      linkedKey: 'data',
      unlinkedKey: 'data',
    },
  },
  'Mutation.logout': {
    variables: () => ({}),
    endsSession: true,
    expect: allUsers('data', 'FORBIDDEN'),
  },
  'Mutation.createUser': {
    variables: (w) => ({ input: { email: w.uniqueEmail(), password: w.password } }),
    expect: { ...allUsers('FORBIDDEN', 'FORBIDDEN'), superuser: 'data' },
  },
  'Mutation.createProject': {
    variables: () => ({ input: { name: 'Matrix project' } }),
    expect: { ...allUsers('FORBIDDEN', 'FORBIDDEN'), superuser: 'data' },
  },
  'Mutation.addProjectMember': {
    variables: async (w) => ({ projectId: w.projectA, email: await w.freshUserEmail(), role: 'RESEARCHER' }),
    expect: { ...allUsers('FORBIDDEN', 'FORBIDDEN'), otherManager: 'NOT_FOUND', superuser: 'data' },
  },
  'Mutation.removeProjectMember': {
    variables: async (w) => ({ projectId: w.projectA, userId: await w.freshMemberOfA() }),
    expect: { ...allUsers('FORBIDDEN', 'FORBIDDEN'), otherManager: 'NOT_FOUND', superuser: 'data' },
  },
  'Mutation.createProcessingService': {
    variables: (w) => ({ input: { name: 'matrix service', projectIds: [w.projectA] } }),
    expect: { ...allUsers('FORBIDDEN', 'FORBIDDEN'), superuser: 'data' },
  },
  'Mutation.updateProcessingService': {
    variables: async (w) => ({ id: await w.freshServiceInA(), input: { description: 'changed' } }),
    expect: { ...allUsers('FORBIDDEN', 'FORBIDDEN'), otherManager: 'NOT_FOUND', superuser: 'data' },
  },
  'Mutation.deleteProcessingService': {
    variables: async (w) => ({ id: await w.freshServiceInA() }),
    expect: { ...allUsers('FORBIDDEN', 'FORBIDDEN'), otherManager: 'NOT_FOUND', superuser: 'data' },
  },
  'Mutation.generateKey': {
    variables: async (w) => ({ processingServiceId: await w.freshServiceInA() }),
    expect: { ...allUsers('FORBIDDEN', 'FORBIDDEN'), otherManager: 'NOT_FOUND', superuser: 'data' },
  },
  'Mutation.revokeKey': {
    variables: async (w) => ({ id: await w.freshKeyInA() }),
    expect: { ...allUsers('FORBIDDEN', 'FORBIDDEN'), otherManager: 'NOT_FOUND', superuser: 'data' },
  },
  'Mutation.checkProcessingService': {
    variables: async (w) => ({ id: await w.freshPushServiceInA() }),
    expect: { ...allUsers('FORBIDDEN', 'FORBIDDEN'), otherManager: 'NOT_FOUND', superuser: 'data' },
  },
  'Mutation.syncProcessingServicePipelines': {
    variables: async (w) => ({ id: await w.freshPushServiceInA() }),
    expect: { ...allUsers('FORBIDDEN', 'FORBIDDEN'), otherManager: 'NOT_FOUND', superuser: 'data' },
  },
  'Mutation.heartbeat': {
    variables: () => ({}),
    expect: {
      ...allUsers('FORBIDDEN', 'data'),
      linkedKey: { outcome: 'data', refused: [...memberRefusals, ...keyRefusals] },
      unlinkedKey: { outcome: 'data', refused: [...memberRefusals, ...keyRefusals] },
    },
  },
  'Mutation.registerPipelines': {
    variables: (w) => ({ projectId: w.projectA, pipelines: [] }),
    expect: { ...allUsers('FORBIDDEN', 'data'), unlinkedKey: 'FORBIDDEN' },
  },
  'Query.job': {
    variables: (w) => ({ id: w.jobA }),
    expect: { ...allUsers('data', 'FORBIDDEN'), otherManager: 'null' },
  },
  'Query.jobs': {
    // Every nested field at the default page sizes would exceed the query cost limit.
    variables: (w) => ({ projectId: w.projectA, first: 1 }),
    expect: { ...allUsers('data', 'FORBIDDEN'), otherManager: 'NOT_FOUND' },
  },
  'Query.availableJobs': {
    variables: () => ({}),
    expect: { ...allUsers('FORBIDDEN', 'data'), linkedKey: { outcome: 'data', refused: [...jobMemberFields, ...keyRefusals] } },
  },
  'Mutation.createJob': {
    variables: (w) => ({ input: { projectId: w.projectA, pipelineSlug: w.pipelineSlugA, name: 'matrix job' } }),
    expect: { ...allUsers('FORBIDDEN', 'FORBIDDEN'), otherManager: 'NOT_FOUND', superuser: 'data' },
  },
  'Mutation.addJobImages': {
    variables: async (w) => ({ jobId: await w.freshJobInA(), images: [{ id: 'extra', url: 'https://images.example.org/extra.jpg' }] }),
    expect: { ...allUsers('FORBIDDEN', 'FORBIDDEN'), otherManager: 'NOT_FOUND', superuser: 'data' },
  },
  'Mutation.cancelJob': {
    variables: async (w) => ({ id: await w.freshJobInA() }),
    expect: { ...allUsers('FORBIDDEN', 'FORBIDDEN'), otherManager: 'NOT_FOUND', superuser: 'data' },
  },
  'Mutation.retryFailedTasks': {
    variables: async (w) => ({ jobId: await w.freshJobInA() }),
    expect: { ...allUsers('FORBIDDEN', 'FORBIDDEN'), otherManager: 'NOT_FOUND', superuser: 'data' },
  },
  'Mutation.reserveTasks': {
    variables: async (w) => ({ jobId: await w.freshJobInA(), batchSize: 1 }),
    expect: { ...allUsers('FORBIDDEN', 'data'), unlinkedKey: 'FORBIDDEN' },
  },
  'Mutation.renewTaskLeases': {
    variables: async (w) => ({ leaseTokens: [await w.freshLeaseTokenOfA()] }),
    expect: allUsers('FORBIDDEN', 'data'),
  },
  'Mutation.submitResults': {
    variables: async (w) => ({ results: [{ leaseToken: await w.freshLeaseTokenOfA(), error: { error: 'matrix' } }] }),
    expect: allUsers('FORBIDDEN', 'data'),
  },
};

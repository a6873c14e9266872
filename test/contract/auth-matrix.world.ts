import { ADMIN, type TestGateway } from '../support/gateway';
import { startPushEndpoint } from '../support/push-endpoint';
import { createWorld, dataOf, unique } from '../support/world';
import type { Caller } from './auth-matrix.table';

/** The objects and callers the shared auth suite calls every operation with. */
export interface MatrixWorld {
  projectA: string;
  serviceA: string;
  memberEmail: string;
  password: string;
  /** The Authorization header of each caller (none for anonymous). */
  headers(caller: Caller): Record<string, string>;
  /** A new session for a user caller, for operations that end one. */
  freshHeaders(caller: Caller): Promise<Record<string, string>>;
  uniqueEmail(): string;
  freshUserEmail(): Promise<string>;
  freshMemberOfA(): Promise<string>;
  freshServiceInA(): Promise<string>;
  /** A push-mode service in project A whose endpoint (on loopback, allowed) serves the contract. */
  freshPushServiceInA(): Promise<string>;
  freshKeyInA(): Promise<string>;
  /** A pipeline service A registered in project A, and a job of it with tasks left to lease. */
  pipelineSlugA: string;
  jobA: string;
  freshJobInA(): Promise<string>;
  /** A lease token service A holds on a task of a fresh job. */
  freshLeaseTokenOfA(): Promise<string>;
}

const PASSWORD = 'matrix-password-123';

export async function createMatrixWorld(gw: TestGateway): Promise<MatrixWorld> {
  const world = await createWorld(gw);
  const createUser = async (label: string) => {
    const email = `${unique(label)}@example.com`.toLowerCase();
    const { createUser: user } = dataOf(
      await gw.gql<{ createUser: { id: string } }>(
        'mutation ($input: CreateUserInput!) { createUser(input: $input) { id } }',
        { input: { email, password: PASSWORD } },
        world.as(world.admin),
      ),
    );
    return { id: user.id, email };
  };

  const projectA = await world.createProject('matrix-a');
  const projectB = await world.createProject('matrix-b');
  const member = await createUser('matrix-member');
  const otherManager = await createUser('matrix-other-manager');
  await world.addMember(projectA, member.email, 'BASIC_MEMBER');
  await world.addMember(projectB, otherManager.email, 'PROJECT_MANAGER');
  const serviceA = await world.createService({ projectIds: [projectA] });
  const serviceB = await world.createService({ projectIds: [projectB] });
  const [keyA, keyB] = [await world.generateKey(serviceA), await world.generateKey(serviceB)];
  const pipelineSlugA = unique('matrix-pipeline');
  dataOf(
    await gw.gql(
      'mutation ($projectId: ID!, $pipelines: [PipelineConfigInput!]!) { registerPipelines(projectId: $projectId, pipelines: $pipelines) { success } }',
      { projectId: projectA, pipelines: [{ name: pipelineSlugA, slug: pipelineSlugA, version: 1, algorithms: [] }] },
      { authorization: `Api-Key ${keyA.key}` },
    ),
  );
  const createJob = async () => {
    const images = Array.from({ length: 3 }, (_, index) => ({ id: unique('matrix-image'), url: `https://images.example.org/${index}.jpg` }));
    const { createJob: job } = dataOf(
      await gw.gql<{ createJob: { id: string } }>(
        'mutation ($input: CreateJobInput!) { createJob(input: $input) { id } }',
        { input: { projectId: projectA, pipelineSlug: pipelineSlugA, name: 'matrix job', images } },
        world.as(world.admin),
      ),
    );
    return job.id;
  };
  const jobA = await createJob();
  const endpoint = await startPushEndpoint([{ slug: unique('matrix-push-pipeline') }]);
  endpoint.unref();
  const emails: Partial<Record<Caller, string>> = { member: member.email, otherManager: otherManager.email };
  const headers: Record<Caller, Record<string, string>> = {
    anonymous: {},
    member: { authorization: await gw.loginAs(member.email, PASSWORD) },
    otherManager: { authorization: await gw.loginAs(otherManager.email, PASSWORD) },
    superuser: { authorization: world.admin },
    linkedKey: { authorization: `Api-Key ${keyA.key}` },
    unlinkedKey: { authorization: `Api-Key ${keyB.key}` },
  };

  return {
    projectA,
    serviceA,
    memberEmail: member.email,
    password: PASSWORD,
    headers: (caller) => headers[caller],
    async freshHeaders(caller) {
      if (caller === 'superuser') return { authorization: await gw.loginAs(ADMIN.email, ADMIN.password) };
      const email = emails[caller];
      return email ? { authorization: await gw.loginAs(email, PASSWORD) } : headers[caller];
    },
    uniqueEmail: () => `${unique('matrix-new')}@example.com`.toLowerCase(),
    freshUserEmail: async () => (await createUser('matrix-invitee')).email,
    async freshMemberOfA() {
      const user = await createUser('matrix-leaver');
      await world.addMember(projectA, user.email, 'RESEARCHER');
      return user.id;
    },
    freshServiceInA: () => world.createService({ projectIds: [projectA] }),
    freshPushServiceInA: () => world.createService({ projectIds: [projectA], endpointUrl: endpoint.url }),
    freshKeyInA: async () => (await world.generateKey(await world.createService({ projectIds: [projectA] }))).id,
    pipelineSlugA,
    jobA,
    freshJobInA: createJob,
    async freshLeaseTokenOfA() {
      const { reserveTasks } = dataOf(
        await gw.gql<{ reserveTasks: { tasks: { leaseToken: string }[] } }>(
          'mutation ($jobId: ID!) { reserveTasks(jobId: $jobId, batchSize: 1) { tasks { leaseToken } } }',
          { jobId: await createJob() },
          { authorization: `Api-Key ${keyA.key}` },
        ),
      );
      return reserveTasks.tasks[0]!.leaseToken;
    },
  };
}

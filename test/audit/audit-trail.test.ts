import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operatorOrigin } from '../../src/audit/audit-origin';
import { ADMIN, startTestGateway, type TestGateway } from '../support/gateway';
import { createWorld, dataOf, errorOf, sql, type World } from '../support/world';
import { projectEvents, type AuditEventJson } from './fixtures';

const USER_AGENT = 'audit-test-console/1.0';
const LOOPBACK = /^(::ffff:)?127\.0\.0\.1$/;

let gw: TestGateway;
let world: World;
let manager: Awaited<ReturnType<World['createUser']>>;
let projectA: string;
let projectB: string;
/** The manager's session, sent with a user agent of its own. */
let asManager: Record<string, string>;

beforeAll(async () => {
  gw = await startTestGateway();
  world = await createWorld(gw);
  projectA = await world.createProject('audit-a');
  projectB = await world.createProject('audit-b');
  manager = await world.createUser('audit-manager');
  await world.addMember(projectA, manager.email, 'PROJECT_MANAGER');
  await world.addMember(projectB, manager.email, 'PROJECT_MANAGER');
  asManager = { authorization: manager.auth, 'user-agent': USER_AGENT };
});
// close() also checks that no password, token or key reached any table, audit_events among them.
afterAll(() => gw?.close());

/** Runs a mutation as the manager and returns its data, with the times it ran between. */
async function asManagerTimed<T>(query: string, variables: Record<string, unknown>): Promise<{ data: T; before: Date; after: Date }> {
  const before = new Date(Date.now() - 1000);
  const data = dataOf(await gw.gql<T>(query, variables, asManager));
  return { data, before, after: new Date(Date.now() + 1000) };
}

/** Events written since `sinceId`, oldest first, of every project (read as the superuser). */
async function eventsSince(sinceId: number): Promise<AuditEventJson[]> {
  const rows = await sql<{ id: number }>(gw, 'select id from audit_events where id > ? order by id', [sinceId]);
  const byId = new Map<string, AuditEventJson>();
  for (const project of [projectA, projectB]) {
    for (const event of await projectEvents(gw, project, world.as(world.admin))) byId.set(event.id, event);
  }
  return rows.map((row) => byId.get(String(row.id))!).filter(Boolean);
}

async function lastEventId(): Promise<number> {
  const [row] = await sql<{ id: number | null }>(gw, 'select max(id) as id from audit_events');
  return row?.id ?? 0;
}

function expectByManager(event: AuditEventJson, window: { before: Date; after: Date }) {
  expect(event.actorKind).toBe('USER');
  expect(event.actorId).toBe(manager.id);
  expect(event.actorLabel).toBe(manager.email);
  expect(event.ip).toMatch(LOOPBACK);
  expect(event.userAgent).toBe(USER_AGENT);
  const at = new Date(event.occurredAt).getTime();
  expect(at).toBeGreaterThanOrEqual(window.before.getTime());
  expect(at).toBeLessThanOrEqual(window.after.getTime());
}

describe('every audited action writes one event with its actor, address and time', () => {
  it('records a service created, its keys generated, rotated and revoked, updated and deleted', async () => {
    const start = await lastEventId();
    const created = await asManagerTimed<{ createProcessingService: { id: string } }>(
      'mutation ($input: CreateProcessingServiceInput!) { createProcessingService(input: $input) { id } }',
      { input: { name: 'audited detector', projectIds: [projectA] } },
    );
    const serviceId = created.data.createProcessingService.id;
    const generate = (grace: number) =>
      asManagerTimed<{ generateKey: { apiKey: { id: string; prefix: string } } }>(
        'mutation ($id: ID!, $grace: Int) { generateKey(processingServiceId: $id, previousKeyGraceSeconds: $grace) { key apiKey { id prefix } } }',
        { id: serviceId, grace },
      );
    const first = await generate(0);
    const second = await generate(60);
    const firstPrefix = first.data.generateKey.apiKey.prefix;
    const secondPrefix = second.data.generateKey.apiKey.prefix;
    const revoked = await asManagerTimed('mutation ($id: ID!) { revokeKey(id: $id) { id } }', { id: second.data.generateKey.apiKey.id });
    // Revoking again changes nothing and records nothing.
    dataOf(await gw.gql('mutation ($id: ID!) { revokeKey(id: $id) { id } }', { id: second.data.generateKey.apiKey.id }, asManager));
    const updated = await asManagerTimed(
      'mutation ($id: ID!, $input: UpdateProcessingServiceInput!) { updateProcessingService(id: $id, input: $input) { id } }',
      { id: serviceId, input: { name: 'renamed detector', projectIds: [projectA, projectB] } },
    );
    const deleted = await asManagerTimed('mutation ($id: ID!) { deleteProcessingService(id: $id) }', { id: serviceId });

    const events = await eventsSince(start);
    expect(events.map((event) => [event.action, event.apiKeyPrefix])).toEqual([
      ['SERVICE_CREATED', null],
      ['KEY_GENERATED', firstPrefix],
      ['KEY_EXPIRED_BY_ROTATION', firstPrefix],
      ['KEY_GENERATED', secondPrefix],
      ['KEY_REVOKED', secondPrefix],
      ['SERVICE_UPDATED', null],
      ['SERVICE_DELETED', null],
    ]);
    const [createdEvent, firstKey, rotated, secondKey, revokedEvent, updatedEvent, deletedEvent] = events as AuditEventJson[];
    const windows = [created, first, second, second, revoked, updated, deleted];
    events.forEach((event, index) => expectByManager(event, windows[index]!));
    for (const event of events) expect(event.processingServiceId).toBe(serviceId);

    expect(createdEvent!.projectIds).toEqual([projectA]);
    expect(createdEvent!.processingServiceLabel).toBe('audited detector');
    expect(createdEvent!.details).toEqual({ mode: 'PULL' });
    expect(firstKey!.details).toMatchObject({ previousKeyGraceSeconds: 0, expiresAt: null });
    expect(rotated!.details.replacedBy).toBe(secondPrefix);
    const graceEnd = new Date(rotated!.details.expiresAt as string).getTime();
    expect(graceEnd).toBeGreaterThan(second.before.getTime() + 59_000);
    expect(graceEnd).toBeLessThan(second.after.getTime() + 61_000);
    expect(secondKey!.details).toMatchObject({ previousKeyGraceSeconds: 60 });
    expect(revokedEvent!.projectIds).toEqual([projectA]);
    // The project it left or joined sees the change too.
    expect([...updatedEvent!.projectIds].sort()).toEqual([projectA, projectB].sort());
    expect(updatedEvent!.details).toEqual({ changed: ['name'], previousName: 'audited detector', joinedProjectIds: [Number(projectB)], leftProjectIds: [] });
    expect(updatedEvent!.processingServiceLabel).toBe('renamed detector');
    // The deleted service keeps its history, with the name it had.
    expect(deletedEvent!.processingServiceLabel).toBe('renamed detector');
    expect([...deletedEvent!.projectIds].sort()).toEqual([projectA, projectB].sort());
    expect(deletedEvent!.details).toEqual({ keyPrefixes: expect.arrayContaining([firstPrefix, secondPrefix]) });
    const [{ count }] = (await sql<{ count: string }>(gw, 'select count(*) from processing_services where id = ?', [serviceId])) as [{ count: string }];
    expect(Number(count)).toBe(0);
  });

  it('records members added, changed and removed, and not a role set to what it was', async () => {
    const start = await lastEventId();
    const invitee = await world.createUser('audit-invitee');
    const add = (role: string) =>
      asManagerTimed(
        'mutation ($projectId: ID!, $email: String!, $role: ProjectRole!) { addProjectMember(projectId: $projectId, email: $email, role: $role) { id } }',
        { projectId: projectA, email: invitee.email.toUpperCase(), role },
      );
    const added = await add('RESEARCHER');
    const changed = await add('IDENTIFIER');
    await add('IDENTIFIER');
    const removed = await asManagerTimed('mutation ($projectId: ID!, $userId: ID!) { removeProjectMember(projectId: $projectId, userId: $userId) }', {
      projectId: projectA,
      userId: invitee.id,
    });
    // Removing someone who is not a member records nothing.
    dataOf(await gw.gql('mutation ($p: ID!, $u: ID!) { removeProjectMember(projectId: $p, userId: $u) }', { p: projectA, u: invitee.id }, asManager));

    const events = await eventsSince(start);
    expect(events.map((event) => [event.action, event.details])).toEqual([
      ['MEMBER_ADDED', { role: 'RESEARCHER' }],
      ['MEMBER_ROLE_CHANGED', { role: 'IDENTIFIER', previousRole: 'RESEARCHER' }],
      ['MEMBER_REMOVED', { role: 'IDENTIFIER' }],
    ]);
    events.forEach((event, index) => {
      expectByManager(event, [added, changed, removed][index]!);
      expect(event.projectIds).toEqual([projectA]);
      expect(event.targetUserId).toBe(invitee.id);
      expect(event.targetUserLabel).toBe(invitee.email);
    });
  });

  it('keeps the start of an overlong user agent rather than failing the change', async () => {
    const start = await lastEventId();
    const longAgent = `worker/${'x'.repeat(3000)}`;
    dataOf(
      await gw.gql(
        'mutation ($input: CreateProcessingServiceInput!) { createProcessingService(input: $input) { id } }',
        { input: { name: 'long agent', projectIds: [projectA] } },
        { authorization: manager.auth, 'user-agent': longAgent },
      ),
    );
    const [event] = await eventsSince(start);
    expect(event!.userAgent).toBe(longAgent.slice(0, 500));
  });

  it('names the operator at the CLI, with no address', async () => {
    const start = await lastEventId();
    const serviceId = await world.createService({ projectIds: [projectA] });
    const { apiKey } = await gw.services.apiKeys.generate(gw.database.orm.em.fork(), operatorOrigin, { processingServiceId: Number(serviceId) });
    const [, generated] = await eventsSince(start);
    expect(generated).toMatchObject({ action: 'KEY_GENERATED', actorKind: 'OPERATOR', actorId: null, actorLabel: 'operator (CLI)', ip: null, userAgent: null });
    expect(generated!.apiKeyPrefix).toBe(apiKey.prefix);
  });
});

describe('an event is part of its change', () => {
  it('leaves no event when the transaction of its change rolls back', async () => {
    const start = await lastEventId();
    const serviceId = Number(await world.createService({ projectIds: [projectA] }));
    const afterCreate = await lastEventId();
    const em = gw.database.orm.em.fork();
    const rollback = new Error('roll the change back');
    await expect(
      em.transactional(async (tx) => {
        await gw.services.apiKeys.generate(tx, operatorOrigin, { processingServiceId: serviceId });
        await gw.services.projects.removeMember(tx, Number(projectA), Number(manager.id), operatorOrigin);
        // Both changes and their events were written in this transaction before it fails.
        const [{ count }] = (await tx.execute('select count(*) from audit_events where id > ?', [afterCreate])) as [{ count: string }];
        expect(Number(count)).toBe(2);
        throw rollback;
      }),
    ).rejects.toBe(rollback);
    expect(await lastEventId()).toBe(afterCreate);
    expect(afterCreate).toBeGreaterThan(start);
    const keys = await sql(gw, 'select id from api_keys where processing_service_id = ?', [serviceId]);
    expect(keys).toEqual([]);
    const memberships = await sql(gw, 'select id from project_memberships where project_id = ? and user_id = ?', [projectA, manager.id]);
    expect(memberships).toHaveLength(1);
  });

  it('refuses to change or delete an event', async () => {
    await world.createService({ projectIds: [projectA] });
    const id = await lastEventId();
    await expect(sql(gw, "update audit_events set actor_label = 'someone else' where id = ?", [id])).rejects.toThrow(/append-only/);
    await expect(sql(gw, 'delete from audit_events where id = ?', [id])).rejects.toThrow(/append-only/);
  });
});

describe('repeated failed logins', () => {
  let limited: TestGateway;
  beforeAll(async () => {
    limited = await startTestGateway({ AUTH_FAILURE_LIMIT: '3' });
  });
  afterAll(() => limited?.close());

  const login = (email: string, password: string, userAgent = 'guesser/0.1') =>
    limited.gql(
      'mutation ($email: String!, $password: String!) { login(email: $email, password: $password) { token } }',
      { email, password },
      { 'user-agent': userAgent },
    );
  const loginEvents = () =>
    sql<{ action: string; actor_kind: string; actor_label: string; client_ip: string; client_user_agent: string; target_user_id: number | null; target_user_label: string | null; details: Record<string, unknown> }>(
      limited,
      "select * from audit_events where action = 'LOGIN_FAILURES_REPEATED' order by id",
    );

  it('records one event when an address uses up its attempts, naming the user but not what was typed', async () => {
    const typedPassword = 'a-password-typed-in-the-email-field';
    limited.rememberSecret(typedPassword);
    expect(errorOf(await login(typedPassword, 'wrong-password-1')).code).toBe('UNAUTHENTICATED');
    expect(errorOf(await login(ADMIN.email, 'wrong-password-2')).code).toBe('UNAUTHENTICATED');
    expect(await loginEvents()).toEqual([]);
    const before = Date.now() - 1000;
    expect(errorOf(await login(ADMIN.email, 'wrong-password-3')).code).toBe('UNAUTHENTICATED');
    const refused = await login(ADMIN.email, 'wrong-password-4');
    expect(refused.status).toBe(429);

    const events = await loginEvents();
    expect(events).toHaveLength(1);
    const [event] = events;
    expect(event).toMatchObject({ actor_kind: 'ANONYMOUS', actor_label: 'anonymous', client_user_agent: 'guesser/0.1', target_user_label: ADMIN.email });
    expect(event!.client_ip).toMatch(LOOPBACK);
    expect(event!.details).toEqual({ failures: 3, windowSeconds: 60 });
    const [{ occurred_at }] = (await sql<{ occurred_at: string }>(limited, 'select occurred_at from audit_events order by id desc limit 1')) as [{ occurred_at: string }];
    expect(new Date(occurred_at).getTime()).toBeGreaterThanOrEqual(before);
    // close() asserts that neither the typed "email" nor any tried password is stored anywhere.
  });
});

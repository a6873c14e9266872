import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataOf, errorOf, sql } from '../support/world';
import { ADMIN, startTestGateway, type TestGateway } from '../support/gateway';
import { withBrokenChecksum, withWrongSecret } from './keys';

let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway();
});
// close() itself asserts again that no remembered secret reached the logs or any table.
afterAll(() => gw?.close());

const sha256 = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;

describe('no plaintext secret reaches the database or the logs', () => {
  it('keeps passwords, tokens and keys of a full flow out of every table and log line', async () => {
    const admin = { authorization: await gw.loginAs(ADMIN.email, ADMIN.password) };
    const password = 'worker-owner-password-42';
    const email = 'owner@example.com';
    dataOf(await gw.gql('mutation ($input: CreateUserInput!) { createUser(input: $input) { id } }', { input: { email, password } }, admin));
    const wrongLogin = await gw.gql('mutation ($email: String!, $password: String!) { login(email: $email, password: $password) { token } }', {
      email,
      password: 'not-the-password-at-all',
    });
    expect(errorOf(wrongLogin).code).toBe('UNAUTHENTICATED');
    const login = dataOf(
      await gw.gql('mutation ($email: String!, $password: String!) { login(email: $email, password: $password) { token } }', { email, password }),
    );
    const owner = { authorization: `Token ${login.login.token}` };

    const { createProject } = dataOf(await gw.gql('mutation { createProject(input: { name: "moths" }) { id } }', {}, admin));
    dataOf(
      await gw.gql(
        'mutation ($p: ID!, $e: String!) { addProjectMember(projectId: $p, email: $e, role: PROJECT_MANAGER) { id } }',
        { p: createProject.id, e: email },
        admin,
      ),
    );
    const { createProcessingService } = dataOf(
      await gw.gql('mutation ($p: ID!) { createProcessingService(input: { name: "adc", projectIds: [$p] }) { id } }', { p: createProject.id }, owner),
    );
    const generated = dataOf(
      await gw.gql('mutation ($id: ID!) { generateKey(processingServiceId: $id) { key apiKey { prefix } } }', { id: createProcessingService.id }, owner),
    );
    const { key, apiKey } = generated.generateKey;
    const rotated = dataOf(
      await gw.gql('mutation ($id: ID!) { generateKey(processingServiceId: $id, previousKeyGraceSeconds: 60) { key } }', { id: createProcessingService.id }, owner),
    ).generateKey.key;

    for (const used of [key, rotated]) {
      dataOf(await gw.gql('mutation { heartbeat(clientInfo: { hostname: "node-1" }) { id } }', {}, { authorization: `Api-Key ${used}` }));
      dataOf(await gw.gql('{ viewer { processingService { id } } }', {}, { authorization: `Api-Key ${used}` }));
    }
    for (const bad of [withWrongSecret(key), withBrokenChecksum(key), `${key}x`]) {
      gw.rememberSecret(bad);
      expect((await gw.gql('{ __typename }', {}, { authorization: `Api-Key ${bad}` })).status).toBe(401);
    }
    expect((await gw.gql('{ __typename }', {}, { authorization: `Token ${login.login.token}0` })).status).toBe(401);
    dataOf(await gw.gql('mutation { logout }', {}, owner));

    // The logs were captured and do mention the failures, just never the secrets.
    expect(gw.logs.some((line) => line.includes('authentication refused'))).toBe(true);
    // The flow's changes are in the audit trail, whose table the scan reads like any other.
    const events = await sql<{ action: string }>(gw, 'select action from audit_events');
    expect(events.map((event) => event.action)).toEqual(expect.arrayContaining(['MEMBER_ADDED', 'SERVICE_CREATED', 'KEY_GENERATED', 'KEY_EXPIRED_BY_ROTATION']));
    await gw.assertNoSecretsLeaked();

    // What is stored instead: algorithm-tagged digests of the keys and tokens, argon2id for passwords.
    const keys = await sql<{ prefix: string; digest: string }>(gw, 'select prefix, digest from api_keys order by id');
    expect(keys.map((row) => row.digest)).toEqual([sha256(key), sha256(rotated)]);
    expect(keys[0]!.prefix).toBe(apiKey.prefix);
    const sessions = await sql<{ token_digest: string }>(gw, 'select token_digest from user_sessions');
    expect(sessions.length).toBeGreaterThan(0);
    for (const { token_digest } of sessions) expect(token_digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const [user] = await sql<{ password_hash: string }>(gw, 'select password_hash from users where email = ?', [email]);
    expect(user!.password_hash).toMatch(/^\$argon2id\$/);
  });
});

describe('the leak check itself', () => {
  it('names the table and the log line where a remembered secret appears, without printing it', async () => {
    const probe = await startTestGateway();
    const admin = { authorization: await probe.loginAs(ADMIN.email, ADMIN.password) };
    const storedName = 'a-project-name-pretending-to-be-secret';
    dataOf(await probe.gql('mutation ($name: String!) { createProject(input: { name: $name }) { id } }', { name: storedName }, admin));
    const loggedId = 'request-id-pretending-to-be-secret';
    await probe.gql('{ __typename }', {}, { 'x-request-id': loggedId });
    probe.rememberSecret(storedName);
    probe.rememberSecret(loggedId);

    const failure = await probe.close().then(
      () => null,
      (error: Error) => error,
    );
    expect(failure?.message).toMatch(/stored in table "?projects"?/);
    expect(failure?.message).toMatch(/appears in log line \d+/);
    expect(failure?.message).not.toContain(storedName);
    expect(failure?.message).not.toContain(loggedId);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestGateway, type TestGateway } from '../support/gateway';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(() => gw?.close());

describe('smoke', () => {
  it('logs in the bootstrapped admin', async () => {
    const auth = await gw.loginAs(ADMIN.email, ADMIN.password);
    const res = await gw.gql('{ viewer { user { email isSuperuser } processingService { id } } }', {}, { authorization: auth });
    expect(res.body).toEqual({ data: { viewer: { user: { email: ADMIN.email, isSuperuser: true }, processingService: null } } });
  });
});

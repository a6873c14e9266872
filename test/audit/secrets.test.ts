import { describe, expect, it } from 'vitest';
import { recordAuditEvent } from '../../src/audit/audit-trail';
import { operatorOrigin } from '../../src/audit/audit-origin';
import { startTestGateway } from '../support/gateway';
import { sql } from '../support/world';

describe('the leak check covers the audit trail', () => {
  it('fails, naming audit_events, when a remembered secret is in an event', async () => {
    const probe = await startTestGateway();
    const secret = 'psk_Planted1.a-secret-planted-in-an-audit-event';
    await recordAuditEvent(probe.database.orm.em.fork(), operatorOrigin, { action: 'KEY_REVOKED', details: { note: secret } });
    expect(await sql(probe, "select id from audit_events where details->>'note' = ?", [secret])).toHaveLength(1);
    probe.rememberSecret(secret);

    const failure = await probe.close().then(
      () => null,
      (error: Error) => error,
    );
    expect(failure?.message).toMatch(/stored in table "?audit_events"?/);
    expect(failure?.message).not.toContain(secret);
  });
});

import { Migration } from '@mikro-orm/migrations';

const ACTIONS_BEFORE = `'KEY_GENERATED', 'KEY_REVOKED', 'KEY_EXPIRED_BY_ROTATION', 'SERVICE_CREATED', 'SERVICE_UPDATED', 'SERVICE_DELETED', 'MEMBER_ADDED', 'MEMBER_ROLE_CHANGED', 'MEMBER_REMOVED', 'LOGIN_FAILURES_REPEATED'`;

/**
 * Retention for the append-only trail: a delete passes only for events older than the cut-off the
 * pruning transaction itself sets (`psgw.audit_prune_before`, local to it); updates never pass.
 */
export class Migration20261204220000_audit_retention extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "audit_events" drop constraint "audit_events_action_check";`);
    this.addSql(`alter table "audit_events" add constraint "audit_events_action_check" check ("action" in (${ACTIONS_BEFORE}, 'AUDIT_PRUNED'));`);
    this.addSql(`create or replace function "audit_events_append_only"() returns trigger language plpgsql as $$
      begin
        if tg_op = 'DELETE' and old.occurred_at < nullif(current_setting('psgw.audit_prune_before', true), '')::timestamptz then
          return old;
        end if;
        raise exception 'audit_events is append-only';
      end $$;`);
  }

  override async down(): Promise<void> {
    this.addSql(`create or replace function "audit_events_append_only"() returns trigger language plpgsql as $$ begin raise exception 'audit_events is append-only'; end $$;`);
    this.addSql(`alter table "audit_events" drop constraint "audit_events_action_check";`);
    this.addSql(`alter table "audit_events" add constraint "audit_events_action_check" check ("action" in (${ACTIONS_BEFORE}));`);
  }
}

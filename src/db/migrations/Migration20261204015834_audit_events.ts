import { Migration } from '@mikro-orm/migrations';

export class Migration20261204015834_audit_events extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "audit_events" ("id" serial primary key, "occurred_at" timestamptz not null default now(), "action" text check ("action" in ('KEY_GENERATED', 'KEY_REVOKED', 'KEY_EXPIRED_BY_ROTATION', 'SERVICE_CREATED', 'SERVICE_UPDATED', 'SERVICE_DELETED', 'MEMBER_ADDED', 'MEMBER_ROLE_CHANGED', 'MEMBER_REMOVED', 'LOGIN_FAILURES_REPEATED')) not null, "actor_kind" text check ("actor_kind" in ('USER', 'PROCESSING_SERVICE', 'OPERATOR', 'ANONYMOUS')) not null, "actor_user_id" int null, "actor_processing_service_id" int null, "actor_label" text not null, "client_ip" varchar(64) null, "client_user_agent" varchar(500) null, "project_ids" integer[] not null default '{}', "processing_service_id" int null, "processing_service_label" text null, "api_key_prefix" varchar(32) null, "target_user_id" int null, "target_user_label" varchar(254) null, "details" jsonb not null default '{}');`);
    this.addSql(`create index "audit_events_processing_service_index" on "audit_events" ("processing_service_id", "id");`);
    this.addSql(`create index "audit_events_project_ids_index" on "audit_events" using gin ("project_ids");`);
    this.addSql(`create function "audit_events_append_only"() returns trigger language plpgsql as $$ begin raise exception 'audit_events is append-only'; end $$;`);
    this.addSql(`create trigger "audit_events_append_only" before update or delete on "audit_events" for each row execute function "audit_events_append_only"();`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "audit_events" cascade;`);
    this.addSql(`drop function if exists "audit_events_append_only"();`);
  }

}

import { Migration } from '@mikro-orm/migrations';

/** Tables whose changes can give push dispatch new work, and which changes (statement triggers). */
const pushWorkTriggers = [
  ['jobs', 'insert'],
  ['tasks', 'insert'],
  ['processing_services', 'insert or update of endpoint_url'],
  ['processing_service_projects', 'insert'],
  ['processing_service_pipelines', 'insert'],
  ['project_pipeline_configs', 'insert or update of enabled'],
] as const;

export class Migration20261204015319_push_dispatch extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "push_batches" ("id" serial primary key, "processing_service_id" int not null, "job_id" int not null, "worker" jsonb not null, "started_at" timestamptz not null default now(), "expires_at" timestamptz not null);`);
    this.addSql(`create index "push_batches_job_id_index" on "push_batches" ("job_id");`);
    this.addSql(`create index "push_batches_processing_service_id_expires_at_index" on "push_batches" ("processing_service_id", "expires_at");`);

    this.addSql(`alter table "push_batches" add constraint "push_batches_processing_service_id_foreign" foreign key ("processing_service_id") references "processing_services" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "push_batches" add constraint "push_batches_job_id_foreign" foreign key ("job_id") references "jobs" ("id") on update cascade on delete cascade;`);

    // Wakes idle push runners on every replica; PostgreSQL sends it on commit, once per transaction.
    this.addSql(`create function "psgw_notify_push_work"() returns trigger language plpgsql as $$ begin perform pg_notify('psgw_push_work', ''); return null; end $$;`);
    for (const [table, events] of pushWorkTriggers) {
      this.addSql(`create trigger "${table}_push_work" after ${events} on "${table}" for each statement execute function "psgw_notify_push_work"();`);
    }
  }

  override async down(): Promise<void> {
    for (const [table] of pushWorkTriggers) this.addSql(`drop trigger if exists "${table}_push_work" on "${table}";`);
    this.addSql(`drop function if exists "psgw_notify_push_work"();`);
    this.addSql(`drop table if exists "push_batches" cascade;`);
  }

}

import { Migration } from '@mikro-orm/migrations';

export class Migration20261203120000_jobs extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "jobs" ("id" serial primary key, "project_id" int not null, "pipeline_id" int not null, "name" varchar(255) not null, "created_by_id" int null, "created_at" timestamptz not null default now(), "started_at" timestamptz null, "canceled_at" timestamptz null, "last_completed_at" timestamptz null, "max_attempts" int not null default 3, "lease_seconds" int not null default 300, "tasks_total" int not null default 0, "tasks_done" int not null default 0, "tasks_failed" int not null default 0, constraint jobs_max_attempts_range check (max_attempts >= 1 and max_attempts <= 100), constraint jobs_lease_seconds_range check (lease_seconds >= 1 and lease_seconds <= 86400), constraint jobs_counters_bounded check (tasks_done >= 0 and tasks_failed >= 0 and tasks_done + tasks_failed <= tasks_total));`);
    this.addSql(`create index "jobs_project_id_id_index" on "jobs" ("project_id", "id");`);
    this.addSql(`create index "jobs_pipeline_id_index" on "jobs" ("pipeline_id");`);
    this.addSql(`create index "jobs_created_by_id_index" on "jobs" ("created_by_id");`);

    this.addSql(`create table "tasks" ("id" serial primary key, "job_id" int not null, "image_id" varchar(255) not null, "image_url" varchar(2048) not null, "state" text check ("state" in ('QUEUED', 'LEASED', 'DONE', 'FAILED')) not null default 'QUEUED', "attempts" int not null default 0, "lease_token_digest" bytea null, "lease_expires_at" timestamptz null, "processing_service_id" int null, "worker" jsonb null, "last_error" text null, "completed_at" timestamptz null, "created_at" timestamptz not null default now());`);
    this.addSql(`alter table "tasks" add constraint "tasks_job_id_image_id_unique" unique ("job_id", "image_id");`);
    this.addSql(`create index "tasks_open_index" on "tasks" ("job_id", "id") where state in ('QUEUED', 'LEASED');`);
    this.addSql(`create index "tasks_leased_index" on "tasks" ("job_id") include ("lease_expires_at", "attempts") where state = 'LEASED';`);
    this.addSql(`create index "tasks_processing_service_id_index" on "tasks" ("processing_service_id");`);

    this.addSql(`create table "task_leases" ("token_digest" bytea primary key, "task_id" int not null, "job_id" int not null, "processing_service_id" int not null, "worker" jsonb not null, "attempt" int not null, "leased_at" timestamptz not null default now());`);
    this.addSql(`create index "task_leases_task_id_index" on "task_leases" ("task_id");`);
    this.addSql(`create index "task_leases_job_id_index" on "task_leases" ("job_id");`);
    this.addSql(`create index "task_leases_processing_service_id_index" on "task_leases" ("processing_service_id");`);

    this.addSql(`create table "task_results" ("id" serial primary key, "task_id" int not null, "job_id" int not null, "processing_service_id" int null, "worker" jsonb not null, "lease_token_digest" bytea not null, "result" jsonb null, "error" text null, "error_image_id" varchar(255) null, "created_at" timestamptz not null default now(), constraint task_results_result_or_error check ((result is null) <> (error is null)));`);
    this.addSql(`alter table "task_results" add constraint "task_results_task_id_unique" unique ("task_id");`);
    this.addSql(`create index "task_results_job_id_id_index" on "task_results" ("job_id", "id");`);
    this.addSql(`create index "task_results_processing_service_id_index" on "task_results" ("processing_service_id");`);

    this.addSql(`alter table "jobs" add constraint "jobs_project_id_foreign" foreign key ("project_id") references "projects" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "jobs" add constraint "jobs_pipeline_id_foreign" foreign key ("pipeline_id") references "pipelines" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "jobs" add constraint "jobs_created_by_id_foreign" foreign key ("created_by_id") references "users" ("id") on update cascade on delete set null;`);
    this.addSql(`alter table "tasks" add constraint "tasks_job_id_foreign" foreign key ("job_id") references "jobs" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "tasks" add constraint "tasks_processing_service_id_foreign" foreign key ("processing_service_id") references "processing_services" ("id") on update cascade on delete set null;`);
    this.addSql(`alter table "task_leases" add constraint "task_leases_task_id_foreign" foreign key ("task_id") references "tasks" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "task_leases" add constraint "task_leases_job_id_foreign" foreign key ("job_id") references "jobs" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "task_leases" add constraint "task_leases_processing_service_id_foreign" foreign key ("processing_service_id") references "processing_services" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "task_results" add constraint "task_results_task_id_foreign" foreign key ("task_id") references "tasks" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "task_results" add constraint "task_results_job_id_foreign" foreign key ("job_id") references "jobs" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "task_results" add constraint "task_results_processing_service_id_foreign" foreign key ("processing_service_id") references "processing_services" ("id") on update cascade on delete set null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "task_results" cascade;`);
    this.addSql(`drop table if exists "task_leases" cascade;`);
    this.addSql(`drop table if exists "tasks" cascade;`);
    this.addSql(`drop table if exists "jobs" cascade;`);
  }

}

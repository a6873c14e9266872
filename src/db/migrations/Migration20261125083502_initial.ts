import { Migration } from '@mikro-orm/migrations';

export class Migration20261125083502_initial extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "category_maps" ("id" serial primary key, "content_digest" varchar(64) not null, "data" jsonb not null, "labels" jsonb not null, "version" varchar(255) null, "description" text null, "uri" varchar(1024) null, "created_at" timestamptz not null default now());`);
    this.addSql(`alter table "category_maps" add constraint "category_maps_content_digest_unique" unique ("content_digest");`);

    this.addSql(`create table "algorithms" ("id" serial primary key, "name" varchar(255) not null, "key" varchar(255) not null, "version" int not null, "version_name" varchar(255) null, "description" text null, "task_type" text check ("task_type" in ('DETECTION', 'LOCALIZATION', 'SEGMENTATION', 'CLASSIFICATION', 'EMBEDDING', 'TRACKING', 'TAGGING', 'REGRESSION', 'CAPTIONING', 'GENERATION', 'TRANSLATION', 'SUMMARIZATION', 'QUESTION_ANSWERING', 'DEPTH_ESTIMATION', 'POSE_ESTIMATION', 'SIZE_ESTIMATION', 'POST_PROCESSING', 'OTHER', 'UNKNOWN')) not null, "uri" varchar(1024) null, "category_map_id" int null, "created_at" timestamptz not null default now());`);
    this.addSql(`create index "algorithms_category_map_id_index" on "algorithms" ("category_map_id");`);
    this.addSql(`alter table "algorithms" add constraint "algorithms_key_version_unique" unique ("key", "version");`);

    this.addSql(`create table "pipelines" ("id" serial primary key, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "name" varchar(255) not null, "slug" varchar(255) not null, "version" int not null, "description" text not null default '', "stages" jsonb not null default '[]');`);
    this.addSql(`alter table "pipelines" add constraint "pipelines_slug_unique" unique ("slug");`);

    this.addSql(`create table "pipeline_algorithms" ("pipeline_id" int not null, "position" int not null, "algorithm_id" int not null, constraint "pipeline_algorithms_pkey" primary key ("pipeline_id", "position"));`);
    this.addSql(`create index "pipeline_algorithms_algorithm_id_index" on "pipeline_algorithms" ("algorithm_id");`);
    this.addSql(`alter table "pipeline_algorithms" add constraint "pipeline_algorithms_pipeline_id_algorithm_id_unique" unique ("pipeline_id", "algorithm_id");`);

    this.addSql(`create table "processing_services" ("id" serial primary key, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "name" varchar(255) not null, "description" text not null default '', "endpoint_url" varchar(1024) null, "last_seen" timestamptz null, "last_seen_live" boolean null, "last_seen_latency" double precision null, "last_seen_client_info" jsonb null);`);

    this.addSql(`create table "processing_service_pipelines" ("processing_service_id" int not null, "pipeline_id" int not null, constraint "processing_service_pipelines_pkey" primary key ("processing_service_id", "pipeline_id"));`);
    this.addSql(`create index "processing_service_pipelines_pipeline_id_index" on "processing_service_pipelines" ("pipeline_id");`);

    this.addSql(`create table "users" ("id" serial primary key, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "email" varchar(254) not null, "password_hash" text not null, "is_superuser" boolean not null default false, constraint users_email_lowercase check (email = lower(email)));`);
    this.addSql(`alter table "users" add constraint "users_email_unique" unique ("email");`);

    this.addSql(`create table "projects" ("id" serial primary key, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "name" varchar(255) not null, "description" text not null default '', "owner_id" int null);`);
    this.addSql(`create index "projects_owner_id_index" on "projects" ("owner_id");`);

    this.addSql(`create table "project_pipeline_configs" ("project_id" int not null, "pipeline_id" int not null, "enabled" boolean not null default true, "config" jsonb not null default '{}', "created_at" timestamptz not null default now(), constraint "project_pipeline_configs_pkey" primary key ("project_id", "pipeline_id"));`);
    this.addSql(`create index "project_pipeline_configs_pipeline_id_index" on "project_pipeline_configs" ("pipeline_id");`);

    this.addSql(`create table "project_memberships" ("id" serial primary key, "project_id" int not null, "user_id" int not null, "role" text check ("role" in ('BASIC_MEMBER', 'RESEARCHER', 'IDENTIFIER', 'ML_DATA_MANAGER', 'PROJECT_MANAGER')) not null, "created_at" timestamptz not null default now());`);
    this.addSql(`create index "project_memberships_user_id_index" on "project_memberships" ("user_id");`);
    this.addSql(`alter table "project_memberships" add constraint "project_memberships_project_id_user_id_unique" unique ("project_id", "user_id");`);

    this.addSql(`create table "processing_service_projects" ("processing_service_id" int not null, "project_id" int not null, constraint "processing_service_projects_pkey" primary key ("processing_service_id", "project_id"));`);
    this.addSql(`create index "processing_service_projects_project_id_index" on "processing_service_projects" ("project_id");`);

    this.addSql(`create table "api_keys" ("id" serial primary key, "prefix" varchar(32) not null, "digest" varchar(100) not null, "name" varchar(100) not null, "processing_service_id" int not null, "created_by_id" int null, "created_at" timestamptz not null default now(), "expires_at" timestamptz null, "revoked_at" timestamptz null, "last_used_at" timestamptz null);`);
    this.addSql(`alter table "api_keys" add constraint "api_keys_prefix_unique" unique ("prefix");`);
    this.addSql(`create index "api_keys_processing_service_id_index" on "api_keys" ("processing_service_id");`);

    this.addSql(`create table "user_sessions" ("id" serial primary key, "user_id" int not null, "token_digest" varchar(100) not null, "created_at" timestamptz not null default now(), "expires_at" timestamptz not null);`);
    this.addSql(`create index "user_sessions_user_id_index" on "user_sessions" ("user_id");`);
    this.addSql(`alter table "user_sessions" add constraint "user_sessions_token_digest_unique" unique ("token_digest");`);

    this.addSql(`alter table "algorithms" add constraint "algorithms_category_map_id_foreign" foreign key ("category_map_id") references "category_maps" ("id") on update cascade on delete set null;`);

    this.addSql(`alter table "pipeline_algorithms" add constraint "pipeline_algorithms_pipeline_id_foreign" foreign key ("pipeline_id") references "pipelines" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "pipeline_algorithms" add constraint "pipeline_algorithms_algorithm_id_foreign" foreign key ("algorithm_id") references "algorithms" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "processing_service_pipelines" add constraint "processing_service_pipelines_processing_service_id_foreign" foreign key ("processing_service_id") references "processing_services" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "processing_service_pipelines" add constraint "processing_service_pipelines_pipeline_id_foreign" foreign key ("pipeline_id") references "pipelines" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "projects" add constraint "projects_owner_id_foreign" foreign key ("owner_id") references "users" ("id") on update cascade on delete set null;`);

    this.addSql(`alter table "project_pipeline_configs" add constraint "project_pipeline_configs_project_id_foreign" foreign key ("project_id") references "projects" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "project_pipeline_configs" add constraint "project_pipeline_configs_pipeline_id_foreign" foreign key ("pipeline_id") references "pipelines" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "project_memberships" add constraint "project_memberships_project_id_foreign" foreign key ("project_id") references "projects" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "project_memberships" add constraint "project_memberships_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "processing_service_projects" add constraint "processing_service_projects_processing_service_id_foreign" foreign key ("processing_service_id") references "processing_services" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "processing_service_projects" add constraint "processing_service_projects_project_id_foreign" foreign key ("project_id") references "projects" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "api_keys" add constraint "api_keys_processing_service_id_foreign" foreign key ("processing_service_id") references "processing_services" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "api_keys" add constraint "api_keys_created_by_id_foreign" foreign key ("created_by_id") references "users" ("id") on update cascade on delete set null;`);

    this.addSql(`alter table "user_sessions" add constraint "user_sessions_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "algorithms" drop constraint "algorithms_category_map_id_foreign";`);

    this.addSql(`alter table "pipeline_algorithms" drop constraint "pipeline_algorithms_algorithm_id_foreign";`);

    this.addSql(`alter table "pipeline_algorithms" drop constraint "pipeline_algorithms_pipeline_id_foreign";`);

    this.addSql(`alter table "processing_service_pipelines" drop constraint "processing_service_pipelines_pipeline_id_foreign";`);

    this.addSql(`alter table "project_pipeline_configs" drop constraint "project_pipeline_configs_pipeline_id_foreign";`);

    this.addSql(`alter table "processing_service_pipelines" drop constraint "processing_service_pipelines_processing_service_id_foreign";`);

    this.addSql(`alter table "processing_service_projects" drop constraint "processing_service_projects_processing_service_id_foreign";`);

    this.addSql(`alter table "api_keys" drop constraint "api_keys_processing_service_id_foreign";`);

    this.addSql(`alter table "projects" drop constraint "projects_owner_id_foreign";`);

    this.addSql(`alter table "project_memberships" drop constraint "project_memberships_user_id_foreign";`);

    this.addSql(`alter table "api_keys" drop constraint "api_keys_created_by_id_foreign";`);

    this.addSql(`alter table "user_sessions" drop constraint "user_sessions_user_id_foreign";`);

    this.addSql(`alter table "project_pipeline_configs" drop constraint "project_pipeline_configs_project_id_foreign";`);

    this.addSql(`alter table "project_memberships" drop constraint "project_memberships_project_id_foreign";`);

    this.addSql(`alter table "processing_service_projects" drop constraint "processing_service_projects_project_id_foreign";`);

    this.addSql(`drop table if exists "category_maps" cascade;`);

    this.addSql(`drop table if exists "algorithms" cascade;`);

    this.addSql(`drop table if exists "pipelines" cascade;`);

    this.addSql(`drop table if exists "pipeline_algorithms" cascade;`);

    this.addSql(`drop table if exists "processing_services" cascade;`);

    this.addSql(`drop table if exists "processing_service_pipelines" cascade;`);

    this.addSql(`drop table if exists "users" cascade;`);

    this.addSql(`drop table if exists "projects" cascade;`);

    this.addSql(`drop table if exists "project_pipeline_configs" cascade;`);

    this.addSql(`drop table if exists "project_memberships" cascade;`);

    this.addSql(`drop table if exists "processing_service_projects" cascade;`);

    this.addSql(`drop table if exists "api_keys" cascade;`);

    this.addSql(`drop table if exists "user_sessions" cascade;`);
  }

}

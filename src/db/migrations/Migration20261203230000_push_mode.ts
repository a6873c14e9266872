import { Migration } from '@mikro-orm/migrations';

export class Migration20261203230000_push_mode extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "processing_services" add column "last_seen_ready_pipelines" jsonb null, add column "last_check_error" text null, add column "health_check_claimed_at" timestamptz null;`);
    this.addSql(`create index "processing_services_push_health_index" on "processing_services" ("health_check_claimed_at") where coalesce(endpoint_url, '') <> '';`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index if exists "processing_services_push_health_index";`);
    this.addSql(`alter table "processing_services" drop column "last_seen_ready_pipelines", drop column "last_check_error", drop column "health_check_claimed_at";`);
  }

}

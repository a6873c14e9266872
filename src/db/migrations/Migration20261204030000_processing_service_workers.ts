import { Migration } from '@mikro-orm/migrations';

export class Migration20261204030000_processing_service_workers extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "processing_service_workers" ("processing_service_id" int not null, "identity" text not null, "hostname" text null, "pod_name" text null, "software" text null, "version" text null, "platform" text null, "ip" text null, "user_agent" text null, "first_seen" timestamptz not null, "last_seen" timestamptz not null, constraint "processing_service_workers_pkey" primary key ("processing_service_id", "identity"));`);

    this.addSql(`alter table "processing_service_workers" add constraint "processing_service_workers_processing_service_id_foreign" foreign key ("processing_service_id") references "processing_services" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "processing_service_workers" cascade;`);
  }

}

import { Migration } from '@mikro-orm/migrations';

/**
 * Push work also appears without an insert: a task goes back to the queue (its lease expired, a
 * failed task was retried) or a service that was down answers its health check again. Row triggers
 * with a `when` clause wake dispatch for those changes only, so a lease or a result does not.
 */
export class Migration20261204140000_push_wake_on_requeue extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create trigger "tasks_requeued_push_work" after update of state on "tasks" for each row when (new.state = 'QUEUED' and old.state is distinct from 'QUEUED') execute function "psgw_notify_push_work"();`);
    this.addSql(`create trigger "processing_services_live_push_work" after update of last_seen_live on "processing_services" for each row when (new.last_seen_live and old.last_seen_live is not true) execute function "psgw_notify_push_work"();`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger if exists "tasks_requeued_push_work" on "tasks";`);
    this.addSql(`drop trigger if exists "processing_services_live_push_work" on "processing_services";`);
  }

}

import type { MigrationObject } from '@mikro-orm/core';
import path from 'node:path';

/**
 * Applied in order. Add new migrations at the end; never edit one that has shipped. Each name is
 * also its file and its class, so the names serve checks without loading the migrator.
 */
export const migrationNames = [
  'Migration20261125083502_initial',
  'Migration20261203120000_jobs',
  'Migration20261203230000_push_mode',
  'Migration20261204015319_push_dispatch',
  'Migration20261204015834_audit_events',
  'Migration20261204030000_processing_service_workers',
  'Migration20261204140000_push_wake_on_requeue',
  'Migration20261204220000_audit_retention',
] as const;

/** The migration classes: loading them loads the migrator, so only when there is one to run. */
export async function loadMigrations(): Promise<MigrationObject[]> {
  return Promise.all(
    migrationNames.map(async (name) => {
      const module = (await import(path.join(__dirname, name))) as Record<string, MigrationObject['class']>;
      return { name, class: module[name]! };
    }),
  );
}

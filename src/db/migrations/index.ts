import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261125083502_initial } from './Migration20261125083502_initial';
import { Migration20261203120000_jobs } from './Migration20261203120000_jobs';
import { Migration20261203230000_push_mode } from './Migration20261203230000_push_mode';
import { Migration20261204015319_push_dispatch } from './Migration20261204015319_push_dispatch';
import { Migration20261204015834_audit_events } from './Migration20261204015834_audit_events';
import { Migration20261204030000_processing_service_workers } from './Migration20261204030000_processing_service_workers';

/** Applied in order. Add new migrations at the end; never edit one that has shipped. */
export const migrationsList: MigrationObject[] = [
  { name: 'Migration20261125083502_initial', class: Migration20261125083502_initial },
  { name: 'Migration20261203120000_jobs', class: Migration20261203120000_jobs },
  { name: 'Migration20261203230000_push_mode', class: Migration20261203230000_push_mode },
  { name: 'Migration20261204015319_push_dispatch', class: Migration20261204015319_push_dispatch },
  { name: 'Migration20261204015834_audit_events', class: Migration20261204015834_audit_events },
  { name: 'Migration20261204030000_processing_service_workers', class: Migration20261204030000_processing_service_workers },
];

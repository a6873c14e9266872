import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261125083502_initial } from './Migration20261125083502_initial';
import { Migration20261203120000_jobs } from './Migration20261203120000_jobs';

/** Applied in order. Add new migrations at the end; never edit one that has shipped. */
export const migrationsList: MigrationObject[] = [
  { name: 'Migration20261125083502_initial', class: Migration20261125083502_initial },
  { name: 'Migration20261203120000_jobs', class: Migration20261203120000_jobs },
];

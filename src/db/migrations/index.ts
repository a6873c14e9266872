import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261125083502_initial } from './Migration20261125083502_initial';

/** Applied in order. Add new migrations at the end; never edit one that has shipped. */
export const migrationsList: MigrationObject[] = [
  { name: 'Migration20261125083502_initial', class: Migration20261125083502_initial },
];

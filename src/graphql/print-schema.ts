import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { printGatewaySchema } from './schema';

/**
 * Writes the schema contract to schema/schema.graphql, or with --check fails when the file
 * differs from what the code builds (a schema change must be deliberate and reviewed).
 */
const target = path.resolve(__dirname, '../../../schema/schema.graphql');
const printed = printGatewaySchema();

if (process.argv.includes('--check')) {
  let committed = '';
  try {
    committed = readFileSync(target, 'utf8');
  } catch {
    // A missing file is a difference like any other.
  }
  if (committed !== printed) {
    console.error('schema/schema.graphql differs from the code. Run `npm run schema` and review the diff.');
    process.exit(1);
  }
  console.log('schema/schema.graphql is up to date');
} else {
  writeFileSync(target, printed);
  console.log(`wrote ${path.relative(process.cwd(), target)}`);
}

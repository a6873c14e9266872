import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { formatSchemaChanges, schemaChanges } from './schema-changes';
import { printGatewaySchema } from './schema';

/**
 * Writes the schema contract to schema/schema.graphql, or with --check fails when the file
 * differs from what the code builds (a schema change must be deliberate and reviewed), listing
 * the changes with their criticality so breaking ones stand out.
 */
const target = path.resolve(__dirname, '../../../schema/schema.graphql');
const printed = printGatewaySchema();

async function check(): Promise<number> {
  let committed: string | null = null;
  try {
    committed = readFileSync(target, 'utf8');
  } catch {
    // A missing file is a difference like any other: every type shows as added.
  }
  if (committed === printed) {
    console.log('schema/schema.graphql is up to date');
    return 0;
  }
  console.error('schema/schema.graphql differs from the code. Changes from the committed file to the code:');
  try {
    console.error(formatSchemaChanges(await schemaChanges(committed, printed)));
  } catch (error) {
    console.error(`Cannot compare the schemas: ${error instanceof Error ? error.message : String(error)}`);
  }
  console.error('Run `npm run schema` and review the diff.');
  return 1;
}

if (process.argv.includes('--check')) {
  check().then((code) => process.exit(code));
} else {
  writeFileSync(target, printed);
  console.log(`wrote ${path.relative(process.cwd(), target)}`);
}

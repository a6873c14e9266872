import { cp, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startEmbeddedPostgres } from './embedded';
import { migrationNames } from './migrations';

/** An embedded database with every migration applied, made at build time next to the compiled code. */
export const embeddedTemplateDir = path.join(__dirname, '..', '..', 'embedded-template');
const manifestFile = path.join(embeddedTemplateDir, 'ps-gateway-template.json');

function expectedManifest(): string {
  const entry = require.resolve('@electric-sql/pglite');
  const packageFile = path.join(entry.slice(0, entry.lastIndexOf(`${path.sep}pglite${path.sep}`) + 8), 'package.json');
  const engine = (JSON.parse(readFileSync(packageFile, 'utf8')) as { version: string }).version;
  return JSON.stringify({ engine, migrations: migrationNames });
}

async function templateIsCurrent(): Promise<boolean> {
  return (await readFile(manifestFile, 'utf8').catch(() => '')) === expectedManifest();
}

/**
 * Creating an embedded database (initdb inside the engine) takes seconds, copying a folder does
 * not: a new DATA_DIR starts as a copy of the template when it matches this build.
 */
export async function copyEmbeddedTemplate(dataDir: string): Promise<boolean> {
  if (!(await templateIsCurrent())) return false;
  // Copying everything, then dropping the manifest, is faster than a per-file filter.
  await cp(embeddedTemplateDir, dataDir, { recursive: true });
  await rm(path.join(dataDir, path.basename(manifestFile)));
  return true;
}

/** Builds the template unless the one there already matches the engine and the migrations. */
export async function prepareEmbeddedTemplate(): Promise<'current' | 'created'> {
  if (await templateIsCurrent()) return 'current';
  // Loaded only to build one: `npm run build` checks the template on every run.
  const [{ MikroORM }, { migrate }, { ormConfig }] = await Promise.all([import('@mikro-orm/postgresql'), import('./database'), import('./orm.config')]);
  const workDir = await mkdtemp(`${embeddedTemplateDir}-`);
  const dataDir = path.join(workDir, 'data');
  try {
    const embedded = await startEmbeddedPostgres({ dataDir, fromTemplate: false });
    try {
      const orm = await MikroORM.init(ormConfig({ clientUrl: embedded.url, poolSize: 1 }));
      try {
        await migrate(orm);
      } finally {
        await orm.close(true);
      }
    } finally {
      await embedded.stop();
    }
    await writeFile(path.join(dataDir, path.basename(manifestFile)), expectedManifest());
    if (await stat(embeddedTemplateDir).catch(() => null)) await rm(embeddedTemplateDir, { recursive: true, force: true });
    await rename(dataDir, embeddedTemplateDir);
    return 'created';
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  prepareEmbeddedTemplate().then(
    (outcome) => console.log(`embedded database template: ${outcome} (${embeddedTemplateDir})`),
    (error: unknown) => {
      console.error(`embedded database template not built (a new DATA_DIR will be created from scratch): ${String(error)}`);
    },
  );
}

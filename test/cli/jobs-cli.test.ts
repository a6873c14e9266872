import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database';
import { runCapturedCli } from '../support/cli';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

let db: TestDatabase;
let dir: string;
let projectId: string;

const cli = (argv: string[]) => runCapturedCli(argv, { DATABASE_URL: db.url });

/** Runs SQL on a connection of its own, closed before the CLI runs again (the embedded database is one session). */
async function sql<T = Record<string, any>>(query: string, params: unknown[] = []): Promise<T[]> {
  const database = await openDatabase({ databaseUrl: db.url, dataDir: 'unused', poolSize: 1 });
  try {
    return await database.orm.em.fork().getConnection().execute(query, params);
  } finally {
    await database.close();
  }
}

beforeAll(async () => {
  db = await createTestDatabase();
  dir = await mkdtemp(path.join(tmpdir(), 'psgw-jobs-cli-'));
  const created = await cli(['projects', 'create', 'CLI jobs']);
  projectId = /Created project (\d+)/.exec(created.stdout)![1]!;
  const [pipeline] = await sql<{ id: number }>(`insert into pipelines (name, slug, version) values ('cli', 'cli-pipeline', 1) returning id`);
  await sql('insert into project_pipeline_configs (project_id, pipeline_id) values (?, ?)', [Number(projectId), pipeline!.id]);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await db?.drop();
});

describe('jobs create, show, cancel', () => {
  it('creates a job from a CSV of 2,500 images in batches, shows it and cancels it', async () => {
    const file = path.join(dir, 'images.csv');
    const lines = ['id,url', ...Array.from({ length: 2_500 }, (_, i) => `img-${i},https://images.example.org/${i}.jpg`)];
    await writeFile(file, `${lines.join('\n')}\n`);
    const created = await cli(['jobs', 'create', '--project', projectId, '--pipeline', 'cli-pipeline', '--images', file, '--name', 'survey 2026']);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const jobId = /^Job (\d+) "survey 2026"/.exec(created.stdout)![1]!;
    expect(created.stdout).toContain('QUEUED');
    expect(created.stdout).toContain('2500 total, 2500 queued');

    const shown = await cli(['jobs', 'show', jobId]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('2500 total');

    const canceled = await cli(['jobs', 'cancel', jobId]);
    expect(canceled.code).toBe(0);
    expect(canceled.stdout).toContain('CANCELED');
    expect(canceled.stdout).toContain('2500 canceled');
  });

  it('reads JSON lines', async () => {
    const file = path.join(dir, 'images.jsonl');
    await writeFile(file, '{"id": "a", "url": "https://x.org/a.jpg"}\n\n{"id": 7, "url": "https://x.org/7.jpg"}\n');
    const created = await cli(['jobs', 'create', '--project', projectId, '--pipeline', 'cli-pipeline', '--images', file]);
    expect(created.code).toBe(0);
    expect(created.stdout).toContain('2 total');
  });

  it('refuses bad usage and bad input with exit 2, and an unknown job with exit 1, in one line each', async () => {
    const broken = path.join(dir, 'broken.csv');
    await writeFile(broken, 'a,https://x.org/a.jpg\nno-url-here\n');
    const cases: [string[], number, RegExp][] = [
      [['jobs', 'create', '--pipeline', 'cli-pipeline', '--images', broken], 2, /--project/],
      [['jobs', 'create', '--project', projectId, '--pipeline', 'cli-pipeline', '--images', broken], 2, /line 2: expected id,url/],
      [['jobs', 'create', '--project', projectId, '--pipeline', 'cli-pipeline', '--images', path.join(dir, 'missing.csv')], 2, /cannot read/],
      [['jobs', 'create', '--project', projectId, '--pipeline', 'nope', '--images', path.join(dir, 'images.jsonl')], 2, /--pipeline/],
      [['jobs', 'show', 'x'], 2, /<id>/],
      [['jobs', 'show', '999999'], 1, /not found/],
    ];
    for (const [argv, code, reason] of cases) {
      const run = await cli(argv);
      expect(run.code, argv.join(' ')).toBe(code);
      expect(run.stdout).toBe('');
      const lines = run.stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(reason);
    }
  });
});

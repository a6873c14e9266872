import Fastify from 'fastify';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { consoleBuildDir, registerConsole } from '../src/app/console';
import { median } from './stats';
import { reportTarget, runBench } from './support';

const CHROMIUM = '/usr/bin/chromium';
const RUNS = 10;
/** The issue asks for "light enough to load fast"; these are the budgets this bench holds it to. */
const TARGET_GZIP_BYTES = 100 * 1024;
const TARGET_FIRST_RENDER_MS = 1_000;

async function main(): Promise<void> {
  const files = ['index.html', ...(await readdir(join(consoleBuildDir, 'assets'))).map((name) => join('assets', name))];
  let raw = 0;
  let gzip = 0;
  for (const file of files) {
    const bytes = await readFile(join(consoleBuildDir, file));
    const compressed = gzipSync(bytes, { level: 9 }).length;
    raw += bytes.length;
    gzip += compressed;
    console.log(`${file.padEnd(40)} ${String(bytes.length).padStart(8)} B  gzip ${String(compressed).padStart(7)} B`);
  }
  reportTarget('total transfer (gzip)', Math.round((gzip / 1024) * 10) / 10, { atMost: TARGET_GZIP_BYTES / 1024, unit: 'KiB' }, `(raw ${(raw / 1024).toFixed(1)} KiB)`);

  if (!existsSync(CHROMIUM)) {
    console.log(`time to first render: not measured, ${CHROMIUM} is missing (apt-get install -y chromium)`);
    return;
  }
  const app = Fastify();
  await registerConsole(app);
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const firstRender: number[] = [];
  try {
    for (let run = 0; run < RUNS; run++) {
      // A fresh context each time: an empty cache, as on an operator's first visit.
      const context = await browser.newContext();
      const page = await context.newPage();
      const started = performance.now();
      await page.goto(`${url}/console/`);
      await page.getByRole('button', { name: 'Sign in' }).waitFor();
      firstRender.push(performance.now() - started);
      await context.close();
    }
  } finally {
    await browser.close();
    await app.close();
  }
  reportTarget(`time to first render (sign-in form visible, cold cache, median of ${RUNS})`, Math.round(median(firstRender)), { atMost: TARGET_FIRST_RENDER_MS, unit: 'ms' });
}

runBench('bench:console', main);

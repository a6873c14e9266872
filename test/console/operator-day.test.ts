import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { examplePipelines } from '../../examples/worker/pipelines';
import { loadWorkerSettings } from '../../examples/worker/settings';
import { runWorker } from '../../examples/worker/worker';
import { consoleBuildDir } from '../../src/app/console';
import { ADMIN, startTestGateway, type TestGateway } from '../support/gateway';
import { createWorld } from '../support/world';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = join(__dirname, '..', '..', 'test-results', 'console');
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`console browser tests skipped: ${CHROMIUM} is missing (apt-get install -y chromium; .ci/run does it)`);

let gw: TestGateway;
let browser: Browser;
const stopWorker = new AbortController();
let worker: Promise<void> | undefined;

async function signIn(context: BrowserContext, email: string, password: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${gw.url}/console/`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  return page;
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/** Everything the page could still hold a secret in: its markup and both web storages. */
async function pageMemory(page: Page): Promise<string> {
  const storage: string = await page.evaluate('JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage } })');
  return (await page.content()) + storage;
}

describe.skipIf(!hasChromium)('the console in Chromium, against a real gateway', () => {
  beforeAll(async () => {
    if (!existsSync(join(consoleBuildDir, 'index.html'))) execFileSync('npm', ['run', '-s', 'build:console'], { stdio: 'inherit' });
    await mkdir(SHOTS, { recursive: true });
    [gw, browser] = await Promise.all([
      startTestGateway(),
      // launch() starts Chromium on a fresh temporary profile (--user-data-dir) and removes it on close.
      chromium.launch({
        executablePath: CHROMIUM,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
      }),
    ]);
  });
  afterAll(async () => {
    stopWorker.abort();
    await worker;
    await browser?.close();
    await gw?.close();
  });

  it('is served with a strict CSP, security headers and cache headers', async () => {
    const index = await fetch(`${gw.url}/console/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(index.headers.get('content-security-policy')).not.toContain('unsafe-inline');
    expect(index.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(index.headers.get('x-content-type-options')).toBe('nosniff');
    expect(index.headers.get('referrer-policy')).toBe('no-referrer');
    expect(index.headers.get('x-frame-options')).toBe('DENY');
    expect(index.headers.get('cache-control')).toBe('no-cache');
    const html = await index.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    const asset = html.match(/src="(\/console\/assets\/[^"]+\.js)"/)![1]!;
    const script = await fetch(`${gw.url}${asset}`);
    expect(script.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await fetch(`${gw.url}/console/nothing-here.js`)).status).toBe(404);
  });

  it('a bad login shows the message, not a crash', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => message.type() === 'error' && !/status of 4\d\d/.test(message.text()) && problems.push(message.text()));
    await page.goto(`${gw.url}/console/`);
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.getByRole('alert');
    await expect.poll(() => alert.textContent()).toMatch(/invalid|incorrect|wrong/i);
    expect(await alert.textContent()).not.toContain('{');
    await shot(page, '01-bad-login');
    expect(problems).toEqual([]);
    await context.close();
  });

  it("an operator's day: project, service, key shown once, worker online, rotation, revocation, a job drained", async () => {
    const context = await browser.newContext();
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: gw.url });
    const page = await signIn(context, ADMIN.email, ADMIN.password);
    page.on('dialog', (dialog) => void dialog.accept());

    await page.getByText('New project').click();
    await page.getByLabel('Project name').fill('Moth survey');
    await page.getByRole('button', { name: 'Create project' }).click();
    await page.getByRole('heading', { name: 'Processing services of Moth survey' }).waitFor();
    await page.getByText('No processing services in this project yet.').waitFor();
    await shot(page, '02-empty-project');

    await page.getByText('New processing service').click();
    await page.getByLabel('Name', { exact: true }).fill('Field station GPU');
    await page.getByRole('button', { name: 'Create service' }).click();
    await page.getByRole('heading', { name: 'Field station GPU' }).waitFor();
    await page.getByText('No keys yet').waitFor();

    await page.getByRole('button', { name: 'Generate API key' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    await expect.poll(() => dialog.textContent()).toContain('will not be shown again');
    const key = (await page.getByTestId('new-key').textContent())!.trim();
    expect(key).toMatch(/^psk_[0-9A-Za-z]{8}\.[0-9A-Za-z]+$/);
    gw.rememberSecret(key);
    await page.getByRole('button', { name: 'Copy key' }).click();
    await page.getByText('Copied.').waitFor();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(key);
    await shot(page, '03-new-key-dialog');
    await page.getByRole('button', { name: /close/ }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(await pageMemory(page)).not.toContain(key.split('.')[1]);
    const firstPrefix = key.split('.')[0]!;
    await page.locator(`tr[data-prefix="${firstPrefix}"]`).getByText('active').waitFor();

    const projectId = await page.getByLabel('Project', { exact: true }).inputValue();
    const settingsEnv = { GATEWAY_URL: gw.url, PROJECT_IDS: projectId, HEARTBEAT_INTERVAL_SECONDS: '1', REQUEST_MAX_ATTEMPTS: '2' };
    worker = runWorker(loadWorkerSettings({ ...settingsEnv, PS_API_KEY: key }, os.hostname()), { signal: stopWorker.signal, log: { info: () => {}, warn: () => {} } });

    await page.getByRole('button', { name: '← All services' }).click();
    const row = page.locator('tr[data-service="Field station GPU"]');
    await row.getByText('ONLINE').waitFor({ timeout: 15_000 });
    await row.getByText(os.hostname()).first().waitFor();
    for (const pipeline of examplePipelines) await row.getByText(pipeline.slug, { exact: true }).waitFor();
    expect(await row.textContent()).toContain(firstPrefix);
    await shot(page, '04-service-online');

    await row.getByRole('button', { name: 'Field station GPU' }).click();
    // Workers are written behind; this gateway flushes only when told (test/support/gateway).
    await gw.services.heartbeats.flush(gw.database.orm.em.fork());
    const fleetRow = page.locator(`tr[data-worker="${os.hostname()}"]`);
    await fleetRow.waitFor({ timeout: 15_000 });
    expect(await fleetRow.textContent()).toContain('ps-gateway-example-worker');
    expect(await fleetRow.textContent()).toContain('127.0.0.1');
    await page.getByRole('heading', { name: 'Workers online (1)' }).waitFor();
    await shot(page, '04b-service-workers');
    await page.getByLabel('Keep the previous key working for').selectOption('15');
    await page.getByRole('button', { name: 'Generate API key' }).click();
    const rotated = (await page.getByTestId('new-key').textContent())!.trim();
    gw.rememberSecret(rotated);
    const secondPrefix = rotated.split('.')[0]!;
    await page.getByRole('button', { name: /close/ }).click();
    await page.locator(`tr[data-prefix="${secondPrefix}"]`).getByText('active').waitFor();
    await page.locator(`tr[data-prefix="${firstPrefix}"]`).getByText('active').waitFor();
    await shot(page, '05-rotated-with-grace');

    // Within the grace period the operator moves the worker to the new key, then revokes the old one.
    stopWorker.abort();
    await worker;
    const drain = new AbortController();
    const drainer = runWorker(
      loadWorkerSettings({ ...settingsEnv, PS_API_KEY: rotated }, os.hostname()),
      { signal: drain.signal, log: { info: () => {}, warn: () => {} } },
    );
    try {
      await page.getByRole('button', { name: `Revoke key ${firstPrefix}` }).click();
      await page.locator(`tr[data-prefix="${firstPrefix}"]`).getByText('revoked').waitFor();
      expect(await page.getByRole('button', { name: `Revoke key ${firstPrefix}` }).count()).toBe(0);
      // The page's activity names the operator's revocation and the rotation before it.
      const revokedRow = page.locator('tr[data-audit="KEY_REVOKED"]');
      await revokedRow.waitFor();
      expect(await revokedRow.textContent()).toContain(firstPrefix);
      expect(await page.locator('tr[data-audit="KEY_EXPIRED_BY_ROTATION"]').textContent()).toContain(firstPrefix);
      expect(await page.locator('tr[data-audit]').count()).toBe(5);
      await shot(page, '06-old-key-revoked');
      expect(await pageMemory(page)).not.toContain(rotated.split('.')[1]);

      await page.getByRole('button', { name: 'Jobs' }).click();
      await page.getByText('No jobs in this project yet.').waitFor();
      await page.getByText('New job').click();
      await page.getByLabel('Name', { exact: true }).fill('Night of 3 June');
      await page.getByLabel('Pipeline slug').fill(examplePipelines[0]!.slug);
      const lines = Array.from({ length: 20 }, (_, index) => `img-${index + 1},https://images.example.org/${index + 1}.jpg`);
      await page.getByLabel(/Images, one/).fill(lines.join('\n'));
      await page.getByRole('button', { name: 'Create job' }).click();
      const job = page.locator('tr[data-job="Night of 3 June"]');
      await expect
        .poll(() => job.getByRole('progressbar').getAttribute('aria-valuetext'), { timeout: 20_000 })
        .toMatch(/^100% done: 20 done, 0 failed/);
      await job.getByText('Field station GPU').waitFor();
      await job.getByText(new RegExp(`${os.hostname()}: \\d+ leases`)).waitFor();
      await shot(page, '07-job-drained');
    } finally {
      drain.abort();
      await drainer;
    }
    await context.close();
  }, 90_000);

  it('a basic member sees the services but no key, service or job controls', async () => {
    const world = await createWorld(gw);
    const projectId = await world.createProject('shared');
    const member = await world.createUser('member');
    await world.addMember(projectId, member.email, 'BASIC_MEMBER');
    const admin = await gw.loginAs(ADMIN.email, ADMIN.password);
    await gw.gql(
      'mutation ($projectId: ID!) { createProcessingService(input: { name: "Shared GPU", projectIds: [$projectId] }) { id } }',
      { projectId },
      { authorization: admin },
    );
    const context = await browser.newContext();
    const page = await signIn(context, member.email, 'correct-horse-battery');
    const row = page.locator('tr[data-service="Shared GPU"]');
    await row.waitFor();
    expect(await page.getByText('New processing service').count()).toBe(0);
    expect(await page.getByText('New project').count()).toBe(0);
    await row.getByRole('button', { name: 'Shared GPU' }).click();
    await page.getByRole('heading', { name: 'Shared GPU' }).waitFor();
    expect(await page.getByRole('button', { name: 'Generate API key' }).count()).toBe(0);
    expect(await page.getByText('API keys').count()).toBe(0);
    expect(await page.getByText('Edit service').count()).toBe(0);
    expect(await page.getByRole('heading', { name: 'Activity' }).count()).toBe(0);
    expect(await page.getByRole('alert').count()).toBe(0);
    await shot(page, '08-basic-member-service');
    await page.getByRole('button', { name: 'Jobs' }).click();
    await page.getByText('No jobs in this project yet.').waitFor();
    expect(await page.getByText('New job').count()).toBe(0);
    await context.close();
  });
});

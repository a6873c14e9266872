import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway';
import type { PushEndpoint } from '../support/push-endpoint';
import { pushJobDoneAfterIdle } from '../support/push-wake';
import { createWorld, type World } from '../support/world';

const IDLE_PAUSE_MS = 600_000;
/** Idle, the runner's pause doubles from this: after `IDLE_WAIT_MS` it is seconds long. */
const POLL_INTERVAL_MS = 500;
const IDLE_WAIT_MS = 4_000;
/** Well under what is left of the pause the job arrives in, without a wake. */
const WOKEN_WITHIN_MS = 1_500;

let dataDir: string;
let gw: TestGateway;
let world: World;
const endpoints: PushEndpoint[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'psgw-embedded-wake-'));
  gw = await startTestGateway({
    // No DATABASE_URL: the gateway runs on PGlite under DATA_DIR, as `npm start` does.
    DATABASE_URL: '',
    DATA_DIR: dataDir,
    DATABASE_POOL_SIZE: '1',
    ENDPOINT_ALLOWED_NETWORKS: '127.0.0.1',
    PUSH_RUNNER: 'on',
    PUSH_POLL_INTERVAL_MS: String(POLL_INTERVAL_MS),
    // Far beyond any wait below: only a wake can start the job's round in time.
    PUSH_IDLE_POLL_INTERVAL_MS: String(IDLE_PAUSE_MS),
  });
  world = await createWorld(gw);
}, 120_000);
afterAll(async () => {
  await gw?.close();
  await Promise.all(endpoints.map((endpoint) => endpoint.close()));
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('push dispatch on the embedded database', () => {
  it('runs a new push job at once, waking on its own notification instead of the idle pause', { timeout: 60_000 }, async () => {
    expect(gw.database.embedded).toBe(true);
    // Idle long enough after the setup that the runner's own next round is seconds away.
    const { job, ms } = await pushJobDoneAfterIdle(gw, world, { idleMs: IDLE_WAIT_MS, images: 3, endpoints });
    console.log(`[embedded push] job done ${ms} ms after it was created`);
    expect(job).toEqual({ status: 'SUCCESS', progress: { total: 3, done: 3 } });
    expect(ms).toBeLessThan(WOKEN_WITHIN_MS);
  });
});

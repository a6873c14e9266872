import os from 'node:os';
import { loadWorkerSettings, WorkerSettingsError } from './settings';
import { runWorker, type WorkerLog } from './worker';

/** Entry point: `npm run worker` (settings from the environment; see README.md). */

const log: WorkerLog = {
  info: (message) => console.log(`${new Date().toISOString()} ${message}`),
  warn: (message) => console.warn(`${new Date().toISOString()} warning: ${message}`),
};

async function main(): Promise<number> {
  let settings;
  try {
    settings = loadWorkerSettings(process.env, os.hostname());
  } catch (error) {
    if (!(error instanceof WorkerSettingsError)) throw error;
    console.error(error.message);
    return 2;
  }
  const stop = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log.info(`${signal}: stopping`);
      stop.abort();
    });
  }
  try {
    await runWorker(settings, { signal: stop.signal, log });
    log.info('stopped');
    return 0;
  } catch (error) {
    // One line, no stack: the typed errors say what failed and whether retrying could help.
    console.error(`worker stopped: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

main().then((code) => process.exit(code));

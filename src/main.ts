import 'reflect-metadata';
import { startGateway } from './app/gateway';
import { ConfigError, loadConfig } from './core/config';

async function main(): Promise<void> {
  const started = Date.now();
  const gateway = await startGateway(loadConfig());
  gateway.app.log.info({ url: gateway.url, startupMs: Date.now() - started }, 'ps-gateway listening');

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    gateway.app.log.info({ signal }, 'shutting down: finishing in-flight requests');
    gateway.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        gateway.app.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(error.message);
  } else {
    console.error(`ps-gateway failed to start: ${error instanceof Error ? error.message : String(error)}`);
  }
  process.exit(1);
});

import type { FastifyInstance } from 'fastify';
import type { GraphQLSchema } from 'graphql';
import type { DestinationStream } from 'pino';
import type { Config } from '../core/config';
import { INVALIDATION_CHANNEL, parseInvalidation, type Invalidation } from '../core/invalidation';
import { createLogger } from '../core/logger';
import { migrate, openDatabase, type Database } from '../db/database';
import { listenForNotifications, type ChannelHandlers, type NotificationListener } from '../db/notification-listener';
import { PUSH_WORK_CHANNEL, PushRunner } from '../push/push-runner';
import { createGateway } from './server';
import { createServices, type Services } from './services';

const SHUTDOWN_GRACE_MS = 10_000;
/** How long start-up waits for the notification listener before serving without it. */
const LISTENER_READY_WAIT_MS = 3_000;

/** Applies one invalidation to this process's caches. */
function forget(services: Services, { apiKeyPrefixes = [], sessionIds = [], userIds = [] }: Invalidation): void {
  services.apiKeys.forget(apiKeyPrefixes);
  services.users.forgetSessions({ sessionIds, userIds });
}

export interface RunningGateway {
  app: FastifyInstance;
  database: Database;
  services: Services;
  /** e.g. http://127.0.0.1:4000 */
  url: string;
  stop(): Promise<void>;
}

/**
 * Opens the database, applies migrations, makes sure the ADMIN_EMAIL superuser exists, and serves
 * HTTP. `stop` stops accepting, lets in-flight requests finish, then closes the pool.
 */
export async function startGateway(
  config: Config,
  logDestination?: DestinationStream,
  /** Tests serve a schema with extra resolvers (e.g. one that throws). */
  options: { schema?: GraphQLSchema } = {},
): Promise<RunningGateway> {
  const logger = createLogger(config.LOG_LEVEL, logDestination);
  const database = await openDatabase(
    {
      databaseUrl: config.DATABASE_URL,
      dataDir: config.DATA_DIR,
      poolSize: config.DATABASE_POOL_SIZE,
      statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
      connectTimeoutMs: config.DATABASE_CONNECT_TIMEOUT_MS,
    },
    logger,
  );
  let notifications: NotificationListener | undefined;
  try {
    const applied = await migrate(database.orm, { exclusive: !database.embedded });
    if (applied.length > 0) logger.info({ migrations: applied }, 'migrations applied');
    const services = createServices(config);
    if (config.ADMIN_EMAIL && config.ADMIN_PASSWORD) {
      const { user, created } = await services.users.ensureSuperuser(
        database.orm.em.fork(),
        config.ADMIN_EMAIL,
        config.ADMIN_PASSWORD,
      );
      logger.info({ userId: user.id, created }, 'admin superuser ensured');
    }
    const push = new PushRunner(
      () => database.orm.em.fork(),
      services.pushHealth,
      services.pushDispatch,
      {
        healthIntervalSeconds: config.PUSH_HEALTH_CHECK_INTERVAL_SECONDS,
        pollIntervalMs: config.PUSH_POLL_INTERVAL_MS,
        idlePollIntervalMs: config.PUSH_IDLE_POLL_INTERVAL_MS,
        retryBackoffMs: config.PUSH_RETRY_BACKOFF_MS,
      },
      logger,
    );
    const channels: ChannelHandlers = { [INVALIDATION_CHANNEL]: (payload) => forget(services, parseInvalidation(payload)) };
    if (config.PUSH_RUNNER === 'on') channels[PUSH_WORK_CHANNEL] = () => push.wake();
    // The embedded database serves one process, so there is no other replica to hear from: its one
    // session hears the notifications of this process's own statements, on the same channels.
    if (database.hearOwnNotifications) await database.hearOwnNotifications(channels);
    notifications =
      config.DATABASE_URL && !database.embedded
        ? listenForNotifications(
            config.DATABASE_URL,
            channels,
            () => {
              services.apiKeys.forgetAll();
              services.users.forgetAllSessions();
              push.wake();
            },
            logger,
          )
        : undefined;
    // Serving without the channel is safe, only slower to hear of other replicas' changes: the
    // caches' TTLs bound how stale they get, and the listener keeps retrying meanwhile.
    if (notifications && !(await notifications.readyWithin(LISTENER_READY_WAIT_MS))) {
      logger.warn(
        { waitedMs: LISTENER_READY_WAIT_MS },
        "notification listener not connected yet: serving anyway; other replicas' changes reach this one within the cache TTLs until it connects",
      );
      void notifications.ready.then(() => logger.info('notification listener connected'));
    }
    const app = await createGateway({ config, database, services, logger, schema: options.schema });
    const address = await app.listen({ host: config.HOST, port: config.PORT });
    if (config.PUSH_RUNNER === 'on') push.start();
    services.heartbeats.start(() => database.orm.em.fork(), config.HEARTBEAT_FLUSH_INTERVAL_MS, logger);
    return {
      app,
      database,
      services,
      url: address.replace('[::1]', '127.0.0.1'),
      async stop() {
        // In-flight requests get this long to finish before their connections are cut.
        const deadline = setTimeout(() => app.server.closeAllConnections(), SHUTDOWN_GRACE_MS);
        try {
          await Promise.all([app.close(), push.stop()]);
        } finally {
          clearTimeout(deadline);
        }
        // After the last request: the beats it recorded are written too.
        await services.heartbeats.stop(database.orm.em.fork()).catch((error: unknown) => {
          logger.warn({ err: error }, 'heartbeats recorded since the last flush could not be written');
        });
        await services.outbound.close();
        await notifications?.stop();
        await database.close();
      },
    };
  } catch (error) {
    await notifications?.stop();
    await database.close();
    throw error;
  }
}

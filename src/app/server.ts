import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from '@apollo/server/plugin/disabled';
import fastifyApollo, { fastifyApolloDrainPlugin } from '@as-integrations/fastify';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { GraphQLSchema } from 'graphql';
import { randomUUID } from 'node:crypto';
import type { Config } from '../core/config';
import { RateLimitedError } from '../core/errors';
import { DATABASE_RETRY_AFTER_SECONDS, isDatabaseUnavailable } from '../core/unavailable';
import type { Database } from '../db/database';
import type { GatewayContext } from '../graphql/context';
import { formatError, formatErrorForProduction, isUnexpected } from '../graphql/errors';
import { AddressBudget, anonymousBudgetPlugin, guardAnonymousRequests } from './anonymous-budget';
import { compiledExecution, type ExecutionCounts } from './compiled-execution';
import { registerConsole } from './console';
import { contextBuilder } from './context';
import { guardDocuments, type DocumentLimits } from './document-shape';
import { heartbeatPlugin } from './heartbeat.plugin';
import { buildGatewaySchema } from './schema';
import type { Services } from './services';
import { queryCostPlugin, type QueryCostLimit } from './query-cost';
import { loggingContextFailures } from './request-failures';
import { refuseInvalidUtf8Json, refuseUnstorableVariables, storableLiterals } from './string-inputs';

declare module 'fastify' {
  interface FastifyInstance {
    /** Operations run by each executor since start, for tests that must know which one served them. */
    graphqlExecutions: ExecutionCounts;
  }
}

export type GatewayConfig = Pick<
  Config,
  'NODE_ENV' | 'TRUST_PROXY' | 'BODY_LIMIT_BYTES' | 'ANONYMOUS_WORK_MS_PER_SECOND' | 'ANONYMOUS_WORK_BURST_MS' | 'GRAPHQL_EXECUTION'
>;

export interface GatewayOptions {
  config: GatewayConfig;
  database: Database;
  services: Services;
  logger: FastifyBaseLogger;
  schema?: GraphQLSchema;
}

/** Query shape limits (graphql-armor): bounded work per request, whatever the client sends. */
export const queryLimits = { maxDepth: 12, maxAliases: 20, maxDirectives: 20, maxTokens: 2_000 };

/**
 * Cost = 2 per object, 1 per scalar, times the page size of each `first`: roughly the values a
 * response can hold when every other list has one entry. The limit admits the UI's full
 * processing-service page of 100 with room to grow, or two such pages in one request, but not
 * three (the query-cost tests hold it to that). No depth factor: our types have no cycles and
 * depth has its own limit, while a factor per level made the UI's nested category maps weigh so
 * much that the page was refused.
 */
export const queryCostLimit: QueryCostLimit = { maxCost: 20_000, objectCost: 2, scalarCost: 1, depthCostFactor: 1 };

/** Far above what real documents need: they are small, hold a few definitions and repeat no field in a selection set. */
export const documentLimits: DocumentLimits = { maxBytes: 32 * 1024, maxMergePairs: 100, maxDefinitions: 20 };

const requestIdPattern = /^[A-Za-z0-9._-]{1,64}$/;

/** Logs unexpected errors in full (they are masked for the client). */
function gatewayPlugin(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, contextValue, response }) {
          for (const error of errors) {
            if (isUnexpected(error)) contextValue.log?.error({ err: error.originalError ?? error }, 'unexpected error');
            const original = unwrapResolverError(error);
            if (isDatabaseUnavailable(original)) {
              contextValue.log?.warn({ err: original }, 'database unavailable');
              response.http.status = 503;
              response.http.headers.set('retry-after', String(DATABASE_RETRY_AFTER_SECONDS));
            }
            if (original instanceof RateLimitedError) {
              response.http.status = 429;
              response.http.headers.set('retry-after', String(original.retryAfterSeconds));
            }
          }
        },
      };
    },
  };
}

/**
 * The HTTP server: Apollo on Fastify at /graphql (GET and POST), the console at /console, /healthz, /readyz. The context
 * builder resolves the caller, forks the EntityManager and creates the request's DataLoaders.
 */
export async function createGateway({ config, database, services, logger, schema }: GatewayOptions): Promise<FastifyInstance> {
  const production = config.NODE_ENV === 'production';
  const app = Fastify({
    loggerInstance: logger,
    trustProxy: config.TRUST_PROXY.length > 0 ? config.TRUST_PROXY : false,
    bodyLimit: config.BODY_LIMIT_BYTES,
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && requestIdPattern.test(incoming) ? incoming : randomUUID();
    },
  });
  refuseInvalidUtf8Json(app);
  const anonymousBudget = new AddressBudget({ msPerSecond: config.ANONYMOUS_WORK_MS_PER_SECOND, burstMs: config.ANONYMOUS_WORK_BURST_MS });
  guardAnonymousRequests(app, anonymousBudget, '/graphql');
  refuseUnstorableVariables(app, '/graphql');
  guardDocuments(app, {
    path: '/graphql',
    limits: documentLimits,
    maxTokens: queryLimits.maxTokens,
    documentChecks: [storableLiterals],
    onChecked: (request, ms) => request.headers.authorization === undefined && anonymousBudget.charge(request.ip, ms),
  });
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
    // A keep-alive connection left open would hold `close()` until the client drops it.
    if (closing) reply.header('connection', 'close');
  });

  const armor = new ApolloArmor({
    maxDepth: { n: queryLimits.maxDepth, ignoreIntrospection: true },
    // Checked by queryCostPlugin once variables are known, so `first: $first` counts too.
    costLimit: { enabled: false },
    maxAliases: { n: queryLimits.maxAliases },
    maxDirectives: { n: queryLimits.maxDirectives },
    // Armor's token limit re-parses in a plugin hook, where any syntax error becomes a 500;
    // graphql-js enforces the same limit while parsing, answering 400 GRAPHQL_PARSE_FAILED.
    maxTokens: { enabled: false },
    // Its mask left a stray `?`; formatErrorForProduction drops suggestions from every message.
    blockFieldSuggestion: { enabled: false },
  }).protect();

  const execution = compiledExecution(schema ?? buildGatewaySchema(), config.GRAPHQL_EXECUTION);
  const apollo = new ApolloServer<GatewayContext>({
    gateway: execution.gateway,
    introspection: !production,
    hideSchemaDetailsFromClientErrors: production,
    includeStacktraceInErrorResponses: false,
    allowBatchedHttpRequests: false,
    // main.ts owns SIGTERM/SIGINT and stops the whole gateway in order.
    stopOnTerminationSignals: false,
    // Apollo's own warnings as JSON lines in the same stream, not plain console output.
    logger,
    parseOptions: { maxTokens: queryLimits.maxTokens },
    // Apollo indents every response by default: larger bodies, slower to write, for clients that
    // parse them anyway.
    stringifyResult: (result) => JSON.stringify(result),
    formatError: production ? formatErrorForProduction : formatError,
    validationRules: armor.validationRules,
    plugins: [
      ...(armor.plugins as ApolloServerPlugin<GatewayContext>[]),
      anonymousBudgetPlugin(anonymousBudget),
      queryCostPlugin(queryCostLimit),
      fastifyApolloDrainPlugin(app),
      gatewayPlugin(),
      heartbeatPlugin(),
      // The default cache-control plugin wraps every field resolver to compute HTTP cache hints we
      // never send (POST, per-principal answers): pure per-field overhead.
      ApolloServerPluginCacheControlDisabled(),
      // Otherwise installed implicitly: usage reporting as soon as APOLLO_KEY is set (operations
      // sent to Apollo's cloud), inline tracing for a federation subgraph. We want neither.
      ApolloServerPluginUsageReportingDisabled(),
      ApolloServerPluginInlineTraceDisabled(),
      ...(production ? [ApolloServerPluginLandingPageDisabled()] : []),
    ],
  });
  await apollo.start();

  const context = loggingContextFailures(contextBuilder(database.orm, services));
  await app.register(fastifyApollo(apollo), { path: '/graphql', method: ['GET', 'POST', 'OPTIONS'], context });

  await registerConsole(app);
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const ready = await database.ping();
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'database unavailable' });
  });
  app.decorate('graphqlExecutions', execution.counts);
  return app;
}

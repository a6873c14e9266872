import pino, { type LoggerOptions } from 'pino';

/** Paths whose values never reach a log line: credentials in headers and secrets in bodies. */
export const redactedPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  '*.password',
  '*.token',
  '*.key',
  'variables.*',
];

/**
 * Properties of database errors that quote row values (`detail`: "Key (email)=(...)", "Failing
 * row contains (...)") or the statement; the message and code say enough to find the cause.
 */
const errorPropertiesWithValues = ['detail', 'where', 'internalQuery', 'parameters', 'sql', 'sqlMessage', 'query'];

/** Quoted SQL literals: the ORM inlines parameter values (emails, digests) into the statement it reports. */
const sqlStringLiteral = /(?:\b[Ee])?'(?:[^']|'')*'/g;

function serializeError(error: unknown): unknown {
  const serialized = pino.stdSerializers.err(error as Error) as unknown as Record<string, unknown>;
  if (!serialized || typeof serialized !== 'object') return serialized;
  for (const property of errorPropertiesWithValues) delete serialized[property];
  // Every error from PostgreSQL has a severity; its message starts with the failed statement.
  if (typeof serialized.severity === 'string') {
    for (const property of ['message', 'stack'] as const) {
      const text = serialized[property];
      if (typeof text === 'string') serialized[property] = text.replace(sqlStringLiteral, "'?'");
    }
  }
  return serialized;
}

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: { paths: redactedPaths, censor: '[redacted]' },
    serializers: {
      err: serializeError,
      // The query string of a GET /graphql can carry variables; log the path only.
      req: (req: { method: string; url: string; id: string }) => ({
        method: req.method,
        path: req.url.split('?')[0],
        id: req.id,
      }),
    },
  };
}

/** The process logger: JSON lines to stdout, or to `destination` (tests capture it). */
export function createLogger(level: string, destination?: pino.DestinationStream) {
  return pino(loggerOptions(level), destination);
}

import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One scripted answer: a status, headers and body, optionally sent only after `hangMs`. */
export type Reply = { status: number; body?: unknown; headers?: Record<string, string>; hangMs?: number };

export interface FakeGateway {
  endpoint: string;
  /** Answers for the next requests, in order; when empty, `fallback` answers. */
  script: Reply[];
  received: { headers: IncomingHttpHeaders; body: string }[];
  /** Called for each request after it is recorded (e.g. to stop a worker after N requests). */
  onRequest?: () => void;
  reset(): void;
  close(): Promise<void>;
}

function send(response: ServerResponse, reply: Reply) {
  const json = typeof reply.body !== 'string';
  response.writeHead(reply.status, { 'content-type': json ? 'application/json' : 'text/plain', ...reply.headers });
  response.end(json ? JSON.stringify(reply.body ?? {}) : reply.body);
}

/** A scripted HTTP server on 127.0.0.1 that stands in for the gateway in client tests. */
export async function startFakeGateway(fallback: Reply): Promise<FakeGateway> {
  const fake: Omit<FakeGateway, 'endpoint' | 'close'> = {
    script: [],
    received: [],
    reset() {
      fake.script = [];
      fake.received = [];
      fake.onRequest = undefined;
    },
  };
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      fake.received.push({ headers: request.headers, body });
      fake.onRequest?.();
      const reply = fake.script.shift() ?? fallback;
      if (!reply.hangMs) return send(response, reply);
      const timer = setTimeout(() => send(response, reply), reply.hangMs);
      response.on('close', () => clearTimeout(timer));
    });
  });
  // Longer than a test file runs: the client never reuses a socket the server already closed.
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(fake, {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}

/** Resolves with the error `promise` rejects with; fails the test if it resolves. */
export async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the request to fail');
}

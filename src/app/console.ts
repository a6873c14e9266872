import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * No inline script or style, nothing from another origin, no framing: an injected string
 * cannot run, and the console talks only to this gateway's /graphql.
 */
export const consoleContentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const securityHeaders: Record<string, string> = {
  'content-security-policy': consoleContentSecurityPolicy,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=()',
};

/**
 * Where `npm run build` writes the console (console/vite.config.mts): dist/console, which is
 * ../../console from the compiled dist/src/app and ../../dist/console from the sources (tests).
 */
export const consoleBuildDir = [join(__dirname, '..', '..', 'console'), join(__dirname, '..', '..', 'dist', 'console')].find((dir) =>
  existsSync(join(dir, 'index.html')) && existsSync(join(dir, 'assets')),
) ?? join(__dirname, '..', '..', 'dist', 'console');

/**
 * Serves the built console at /console. Assets have content-hashed names, so they are cached
 * for good; index.html is revalidated every time so that a new build is picked up at once.
 */
export async function registerConsole(app: FastifyInstance, root = consoleBuildDir): Promise<void> {
  app.addHook('onSend', async (request, reply) => {
    if (request.url === '/console' || request.url.startsWith('/console/')) {
      for (const [name, value] of Object.entries(securityHeaders)) reply.header(name, value);
    }
  });
  app.get('/console', async (_request, reply) => reply.redirect('/console/', 308));
  if (!existsSync(join(root, 'index.html'))) {
    app.get('/console/*', async (_request, reply) =>
      reply.code(404).type('text/plain; charset=utf-8').send('The console is not built: run `npm run build`.\n'),
    );
    return;
  }
  await app.register(fastifyStatic, {
    root,
    prefix: '/console/',
    wildcard: false,
    preCompressed: false,
    // send's own Cache-Control would replace the one setHeaders writes.
    cacheControl: false,
    setHeaders(res, path) {
      res.setHeader('cache-control', path.includes(`${join('console', 'assets')}`) ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
}

import { isUtf8 } from 'node:buffer';
import type { FastifyInstance } from 'fastify';
import { visit, type DocumentNode } from 'graphql';
import { sendRefusal, type EdgeRefusal } from './document-shape';

const unstorableCharacter = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Why strings are refused at the edge rather than stored: PostgreSQL can keep neither a NUL
 * character nor an unpaired UTF-16 surrogate in text or jsonb, and silently replacing them would
 * store something other than what the caller sent (and what the response echoes).
 */
export function isStorableString(value: string): boolean {
  return !unstorableCharacter.test(value);
}

const refusalMessage = 'must not contain NUL characters or unpaired UTF-16 surrogates';

function refusal(path: string): EdgeRefusal {
  return { status: 400, message: `${path}: ${refusalMessage}`, extensions: { code: 'BAD_USER_INPUT', field: path } };
}

/** The path of the first string (value or object key) in a variable value that cannot be stored. */
export function unstorableStringPath(value: unknown, path: string): string | null {
  if (typeof value === 'string') return isStorableString(value) ? null : path;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      const found = unstorableStringPath(value[index], `${path}.${index}`);
      if (found) return found;
    }
    return null;
  }
  if (value && typeof value === 'object') {
    for (const [key, entry] of Object.entries(value)) {
      if (!isStorableString(key)) return path;
      const found = unstorableStringPath(entry, `${path}.${key}`);
      if (found) return found;
    }
  }
  return null;
}

/**
 * A document check for `guardDocuments`: refuses the first string literal written into the
 * document that cannot be stored, naming its argument path.
 */
export function storableLiterals(document: DocumentNode): EdgeRefusal | null {
  let found: string | null = null;
  const names: string[] = [];
  visit(document, {
    Argument: { enter: (node) => void names.push(node.name.value), leave: () => void names.pop() },
    ObjectField: { enter: (node) => void names.push(node.name.value), leave: () => void names.pop() },
    StringValue(node) {
      if (found === null && !isStorableString(node.value)) found = names.join('.') || 'value';
    },
  });
  return found === null ? null : refusal(found);
}

/**
 * Refuses, with BAD_USER_INPUT naming the path, a request whose variables (keys of JSON values
 * too) or operation name hold a string the database cannot store, before anything runs, a
 * heartbeat included.
 */
export function refuseUnstorableVariables(app: FastifyInstance, path: string): void {
  app.addHook('preHandler', async (request, reply) => {
    if (request.url.split('?')[0] !== path) return;
    const params = (request.method === 'GET' ? request.query : request.body) as { variables?: unknown; operationName?: unknown } | null;
    let variables = params?.variables;
    if (typeof variables === 'string') {
      try {
        variables = JSON.parse(variables);
      } catch {
        return; // Apollo answers malformed variables itself.
      }
    }
    if (typeof params?.operationName === 'string' && !isStorableString(params.operationName)) return sendRefusal(reply, refusal('operationName'));
    if (!variables || typeof variables !== 'object') return;
    for (const [name, value] of Object.entries(variables)) {
      const found = unstorableStringPath(value, name);
      if (found) return sendRefusal(reply, refusal(found));
    }
  });
}

/**
 * JSON bodies must be valid UTF-8: the default parser would replace bad bytes with U+FFFD, so the
 * stored text would differ from what was sent without anyone being told.
 */
export function refuseInvalidUtf8Json(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body: Buffer, done) => {
    if (!isUtf8(body)) {
      done(Object.assign(new Error('The request body is not valid UTF-8'), { statusCode: 400, code: 'INVALID_UTF8' }), undefined);
      return;
    }
    parseJson(request, body.toString('utf8'), done);
  });
}

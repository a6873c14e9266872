import type { ApiKeyView } from '../api-keys/api-key.view';
import { operatorOrigin } from '../audit/audit-origin';
import { system } from '../auth/principal';
import { parseId } from '../core/ids';
import { isProjectRole, projectRoles } from '../auth/project-role';
import { auditCommands } from './audit-commands';
import { UsageError, type CliIo, type Command } from './command';
import { formatTime, table } from './format';
import { jobCommands } from './job-commands';

/** Only these carry a password: an argument would land in shell history and `ps` output. */
export const PASSWORD_ENV = 'PSGW_PASSWORD';

/** The password from stdin (one trailing newline dropped) or from PSGW_PASSWORD. */
async function readPassword(io: CliIo, fromStdin: boolean): Promise<string> {
  if (!fromStdin) {
    const password = io.env[PASSWORD_ENV];
    if (!password) throw new UsageError(`no password: pipe it in with --password-stdin or set ${PASSWORD_ENV}`);
    return password;
  }
  if (!io.stdin) throw new UsageError('--password-stdin: no standard input');
  let text = '';
  for await (const chunk of io.stdin) text += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
  const password = text.replace(/\r?\n$/, '');
  if (!password) throw new UsageError('--password-stdin: standard input was empty');
  return password;
}

function optionalString(value: string | boolean | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** A `--flag <id>` that every command using it requires. */
function requiredId(value: string | boolean | undefined, flag: string): number {
  if (typeof value !== 'string') throw new UsageError(`missing --${flag} <id>`);
  return parseId(value, `--${flag}`);
}

const isoDateTime = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** An ISO 8601 date, or date-time with a zone (no naive local times). */
function parseDateTime(value: string, flag: string): Date {
  const date = new Date(value);
  if (!isoDateTime.test(value) || Number.isNaN(date.getTime())) {
    throw new UsageError(`--${flag}: expected an ISO 8601 date or date-time with a zone, e.g. 2027-01-31T00:00:00Z`);
  }
  return date;
}

function parseCount(value: string, flag: string): number {
  if (!/^\d{1,9}$/.test(value)) throw new UsageError(`--${flag}: expected a whole number of seconds`);
  return Number(value);
}

function keyStatus(key: Pick<ApiKeyView, 'revokedAt' | 'expiresAt'>, now: number): string {
  if (key.revokedAt) return 'revoked';
  if (key.expiresAt && key.expiresAt.getTime() <= now) return 'expired';
  return 'active';
}

const migrate: Command = {
  name: 'migrate',
  positionals: [],
  options: {},
  summary: 'Apply pending database migrations.',
  details: [
    'The server applies pending migrations at start-up, and so does every other command here:',
    'this build and its migrations belong together, and a migration that already ran is skipped.',
    'Run this on its own to migrate once before rolling out several replicas, so they do not',
    'race to do it, or to check that the database is reachable and current.',
  ],
  async prepare() {
    return async ({ applied, out }) => {
      if (applied.length === 0) out('Database schema is up to date; no pending migrations.');
      else out(`Applied ${applied.length} migration(s): ${applied.join(', ')}`);
    };
  },
};

const usersCreate: Command = {
  name: 'users create',
  positionals: ['<email>'],
  options: {
    superuser: { type: 'boolean', help: 'make the user a superuser (may do everything)' },
    'password-stdin': { type: 'boolean', help: 'read the password from standard input (one line)' },
  },
  summary: 'Create a user who signs in with email and password.',
  fieldNames: { email: '<email>', password: 'password' },
  details: [
    `The password comes from --password-stdin or the ${PASSWORD_ENV} environment variable, never from`,
    'an argument (arguments land in shell history and in `ps` output). At least 12 characters.',
    `Example: printf '%s\\n' "$PASSWORD" | npm run cli -- users create ana@example.org --password-stdin`,
  ],
  async prepare({ values, positionals }, io) {
    const password = await readPassword(io, values['password-stdin'] === true);
    const [email] = positionals as [string];
    const isSuperuser = values.superuser === true;
    return async ({ em, services, out }) => {
      const user = await services.users.createUser(em, system, { email, password, isSuperuser });
      out(`Created user ${user.id} ${user.email}${user.isSuperuser ? ' (superuser)' : ''}`);
    };
  },
};

const projectsCreate: Command = {
  name: 'projects create',
  positionals: ['<name>'],
  options: {
    description: { type: 'string', value: '<text>', help: 'what the project is about' },
    owner: { type: 'string', value: '<email>', help: 'an existing user who owns the project (may do everything in it)' },
  },
  summary: 'Create a project.',
  fieldNames: { 'input.name': '<name>', 'input.description': '--description', owner: '--owner' },
  details: ['Without --owner the project has no owner; add a PROJECT_MANAGER with `projects add-member`.'],
  async prepare({ values, positionals }) {
    const [name] = positionals as [string];
    const description = optionalString(values.description);
    const ownerEmail = optionalString(values.owner);
    return async ({ em, services, out }) => {
      const project = await services.projects.createProject(em, system, { name, description }, ownerEmail);
      const owner = ownerEmail ? `, owner ${ownerEmail.trim().toLowerCase()}` : ', no owner';
      out(`Created project ${project.id} "${project.name}"${owner}`);
    };
  },
};

const projectsAddMember: Command = {
  name: 'projects add-member',
  positionals: ['<projectId>', '<email>', '<role>'],
  options: {},
  summary: "Add a user to a project, or change an existing member's role.",
  fieldNames: { email: '<email>' },
  details: [`Roles, weakest first (case-insensitive): ${projectRoles.join(', ')}.`],
  async prepare({ positionals }) {
    const [projectIdText, email, roleText] = positionals as [string, string, string];
    const projectId = parseId(projectIdText, '<projectId>');
    const role = roleText.toUpperCase();
    if (!isProjectRole(role)) throw new UsageError(`unknown role "${roleText}": use one of ${projectRoles.join(', ')}`);
    return async ({ em, services, out }) => {
      const membership = await services.projects.addMember(em, projectId, email, role, operatorOrigin);
      out(`${email.trim().toLowerCase()} is now ${membership.role} of project ${projectId} (membership ${membership.id})`);
    };
  },
};

const keysGenerate: Command = {
  name: 'keys generate',
  positionals: [],
  options: {
    service: { type: 'string', value: '<id>', required: true, help: 'the processing service the key identifies' },
    name: { type: 'string', value: '<name>', help: 'a label for the key (default "<service name> key")' },
    'expires-at': { type: 'string', value: '<ISO>', help: 'when the key stops working, e.g. 2027-01-31T00:00:00Z' },
    'grace-seconds': {
      type: 'string',
      value: '<N>',
      help: "keep the service's other active keys valid N more seconds (default 0: revoke them now)",
    },
  },
  summary: 'Create an API key for a processing service and print it once.',
  fieldNames: { name: '--name', expiresAt: '--expires-at', previousKeyGraceSeconds: '--grace-seconds' },
  details: [
    'The plaintext key is printed only here and never stored: give it to the worker now, which sends',
    'it as `Authorization: Api-Key <key>`. Afterwards only its prefix is shown.',
  ],
  async prepare({ values }) {
    const processingServiceId = requiredId(values.service, 'service');
    const expiresAt = typeof values['expires-at'] === 'string' ? parseDateTime(values['expires-at'], 'expires-at') : null;
    const grace = typeof values['grace-seconds'] === 'string' ? parseCount(values['grace-seconds'], 'grace-seconds') : 0;
    const name = optionalString(values.name);
    return async ({ em, services, out }) => {
      const { key, apiKey, processingService } = await services.apiKeys.generate(em, operatorOrigin, {
        processingServiceId,
        name,
        expiresAt,
        previousKeyGraceSeconds: grace,
      });
      out(`Generated API key ${apiKey.id} for processing service ${processingService.id} "${processingService.name}"`);
      out(`  prefix:  ${apiKey.prefix}`);
      out(`  name:    ${apiKey.name}`);
      out(`  expires: ${apiKey.expiresAt ? formatTime(apiKey.expiresAt) : 'never'}`);
      out(`  earlier active keys: ${grace > 0 ? `expire in ${grace} s` : 'revoked now'}`);
      out(`key: ${key}`);
      out('Store it now: it is shown only this once.');
    };
  },
};

const keysRevoke: Command = {
  name: 'keys revoke',
  positionals: ['<id>'],
  options: {},
  summary: 'Revoke an API key for good (the id from `keys list`).',
  async prepare({ positionals }) {
    const apiKeyId = parseId(positionals[0]!, '<id>');
    return async ({ em, services, out }) => {
      const key = await services.apiKeys.revoke(em, apiKeyId, operatorOrigin);
      out(`Revoked API key ${key.id} (${key.prefix}) at ${formatTime(key.revokedAt)}`);
    };
  },
};

const keysList: Command = {
  name: 'keys list',
  positionals: [],
  options: { service: { type: 'string', value: '<id>', required: true, help: 'the processing service' } },
  summary: "List a processing service's API keys, newest first (prefixes only, never a secret).",
  async prepare({ values }) {
    const processingServiceId = requiredId(values.service, 'service');
    return async ({ em, services, out }) => {
      const keys = await services.apiKeys.list(em, processingServiceId);
      if (keys.length === 0) {
        out(`Processing service ${processingServiceId} has no API keys.`);
        return;
      }
      const now = Date.now();
      const rows = keys.map((key) => [
        String(key.id),
        key.prefix,
        keyStatus(key, now),
        key.name,
        formatTime(key.createdAt),
        formatTime(key.expiresAt),
        formatTime(key.revokedAt),
        formatTime(key.lastUsedAt),
      ]);
      for (const line of table(['ID', 'PREFIX', 'STATUS', 'NAME', 'CREATED', 'EXPIRES', 'REVOKED', 'LAST USED'], rows)) {
        out(line);
      }
    };
  },
};

export const commands: Command[] = [migrate, usersCreate, projectsCreate, projectsAddMember, keysGenerate, keysRevoke, keysList, ...jobCommands, ...auditCommands];

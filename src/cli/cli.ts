import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../core/config';
import { DomainError, ValidationError } from '../core/errors';
import { migrate, openDatabase } from '../db/database';
import { DataDirInUseError } from '../db/embedded';
import { createServices } from '../app/services';
import { UsageError, type CliIo, type Command, type ParsedArgs } from './command';
import { commands, PASSWORD_ENV } from './commands';

export type { CliIo } from './command';

const PROGRAM = 'npm run cli --';

/** Exit codes: 0 done, 1 the command failed, 2 wrong usage or invalid input. */
const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

function usageLine(command: Command): string {
  const options = Object.entries(command.options).map(([flag, spec]) => {
    const text = `--${flag}${spec.value ? ` ${spec.value}` : ''}`;
    return spec.required ? text : `[${text}]`;
  });
  return [command.name, ...command.positionals, ...options].join(' ');
}

/** The command with its required arguments, for the command list. */
function synopsis(command: Command): string {
  const required = Object.entries(command.options)
    .filter(([, spec]) => spec.required)
    .map(([flag, spec]) => `--${flag} ${spec.value ?? ''}`.trimEnd());
  return [command.name, ...command.positionals, ...required].join(' ');
}

function topHelp(): string {
  const width = Math.max(...commands.map((command) => synopsis(command).length));
  return [
    'ps-gateway operator CLI: the same services as the GraphQL API, run as the trusted operator.',
    '',
    `Usage: ${PROGRAM} <command> [arguments]   (in a built image: node dist/src/cli/main.js <command>)`,
    '',
    'Commands:',
    ...commands.map((command) => `  ${synopsis(command).padEnd(width)}  ${command.summary}`),
    '',
    'Database: DATABASE_URL, else the embedded database under DATA_DIR (default ./data), exactly as',
    'the server. The embedded database serves one process at a time: stop the server first.',
    'Every command applies pending migrations first (see `migrate --help`).',
    `Passwords come from --password-stdin or ${PASSWORD_ENV}, never from arguments.`,
    `Run \`${PROGRAM} <command> --help\` for a command's arguments. Exit codes: 0 done, 1 failed, 2 wrong usage or invalid input.`,
    '',
  ].join('\n');
}

function commandHelp(command: Command): string {
  const flags = Object.entries(command.options).map(([flag, spec]) => [`--${flag}${spec.value ? ` ${spec.value}` : ''}`, spec.help]);
  flags.push(['-h, --help', 'show this help']);
  const width = Math.max(...flags.map(([flag]) => flag!.length));
  return [
    `Usage: ${PROGRAM} ${usageLine(command)}`,
    '',
    command.summary,
    ...(command.details ? ['', ...command.details] : []),
    '',
    'Options:',
    ...flags.map(([flag, help]) => `  ${flag!.padEnd(width)}  ${help}`),
    '',
  ].join('\n');
}

function groupHelp(group: string): string {
  const members = commands.filter((command) => command.name.startsWith(`${group} `));
  return [
    ...members.map((command) => `Usage: ${PROGRAM} ${usageLine(command)}`),
    '',
    ...members.map((command) => `  ${command.name}: ${command.summary}`),
    '',
  ].join('\n');
}

/** The command named by the first one or two words, and the arguments after them. */
function findCommand(argv: string[]): { command: Command; rest: string[] } | null {
  for (const words of [2, 1]) {
    const name = argv.slice(0, words).join(' ');
    const command = commands.find((candidate) => candidate.name === name);
    if (command && argv.length >= words) return { command, rest: argv.slice(words) };
  }
  return null;
}

function parseCommandArgs(command: Command, rest: string[]): ParsedArgs & { help: boolean } {
  // Refused outright with the reason, rather than as just another unknown option.
  if (rest.some((arg) => arg === '--password' || arg.startsWith('--password='))) {
    throw new UsageError(`--password is not accepted (arguments land in shell history and ps): use --password-stdin or ${PASSWORD_ENV}`);
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      options: {
        help: { type: 'boolean', short: 'h' },
        ...Object.fromEntries(Object.entries(command.options).map(([flag, spec]) => [flag, { type: spec.type }])),
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    // parseArgs explains in a first sentence; the rest is a hint about `--` that rarely applies.
    throw new UsageError((error as Error).message.split('. ')[0]!);
  }
  const { help, ...values } = parsed.values as Record<string, string | boolean | undefined>;
  if (help) return { values, positionals: parsed.positionals, help: true };
  const missing = command.positionals.slice(parsed.positionals.length);
  if (missing.length > 0) throw new UsageError(`${command.name}: missing ${missing.join(' ')}`);
  const extra = parsed.positionals.slice(command.positionals.length);
  if (extra.length > 0) throw new UsageError(`${command.name}: unexpected argument "${extra[0]}"`);
  return { values, positionals: parsed.positionals, help: false };
}

/** A service's message, with the input path it names spelled as this command's flag or argument. */
function domainMessage(command: Command, error: DomainError): string {
  const path = error instanceof ValidationError ? error.path : undefined;
  const name = path && command.fieldNames?.[path];
  return name ? `${name}${error.message.slice(path.length)}` : error.message;
}

/** One line, whatever the error carried. */
function oneLine(text: string): string {
  return text.replace(/\s*\n[\s\S]*$/, '').slice(0, 500);
}

/**
 * Runs one CLI invocation in-process and returns its exit code. `main.ts` wires it to the
 * process; tests call it directly. Output goes to `io.stdout`; an error is one line on
 * `io.stderr`, never a stack trace.
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const fail = (code: number, message: string) => {
    io.stderr.write(`error: ${oneLine(message)}\n`);
    return code;
  };
  const [first] = argv;
  if (first === undefined) return fail(EXIT.usage, `no command given (see ${PROGRAM} --help)`);
  if (first === '--help' || first === '-h' || first === 'help') {
    io.stdout.write(topHelp());
    return EXIT.ok;
  }
  const found = findCommand(argv);
  if (!found) {
    const group = commands.some((command) => command.name.startsWith(`${first} `));
    if (group && (argv[1] === '--help' || argv[1] === '-h')) {
      io.stdout.write(groupHelp(first));
      return EXIT.ok;
    }
    const name = group ? argv.slice(0, 2).join(' ') : first;
    return fail(EXIT.usage, `unknown command "${name}" (see ${PROGRAM} --help)`);
  }

  const { command, rest } = found;
  let work;
  try {
    const args = parseCommandArgs(command, rest);
    if (args.help) {
      io.stdout.write(commandHelp(command));
      return EXIT.ok;
    }
    work = await command.prepare(args, io);
  } catch (error) {
    if (error instanceof UsageError) return fail(EXIT.usage, error.message);
    if (error instanceof ValidationError) return fail(EXIT.usage, domainMessage(command, error));
    throw error;
  }

  let config;
  try {
    config = loadConfig(io.env);
  } catch (error) {
    if (error instanceof ConfigError) return fail(EXIT.failed, error.message);
    throw error;
  }

  try {
    const database = await openDatabase({
      databaseUrl: config.DATABASE_URL,
      dataDir: config.DATA_DIR,
      poolSize: config.DATABASE_POOL_SIZE,
    });
    try {
      const applied = await migrate(database.orm, { exclusive: !database.embedded });
      if (applied.length > 0 && command.name !== 'migrate') {
        io.stderr.write(`Applied ${applied.length} pending migration(s) first.\n`);
      }
      await work({
        em: database.orm.em.fork(),
        services: createServices(config),
        applied,
        out: (line) => io.stdout.write(`${line}\n`),
      });
    } finally {
      await database.close();
    }
    return EXIT.ok;
  } catch (error) {
    if (error instanceof DataDirInUseError) return fail(EXIT.failed, `${error.message} (stop the server first)`);
    if (error instanceof DomainError) {
      return fail(error instanceof ValidationError ? EXIT.usage : EXIT.failed, domainMessage(command, error));
    }
    return fail(EXIT.failed, `${command.name} failed unexpectedly: ${error instanceof Error ? error.message : String(error)}`);
  }
}

import type { EntityManager } from '@mikro-orm/postgresql';
import type { Services } from '../app/services';

/** Where the CLI reads and writes; `runCli` gets the process's, tests their own. */
export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  /** Read only by `--password-stdin`. */
  stdin?: AsyncIterable<string | Buffer>;
  env: NodeJS.ProcessEnv;
}

/** Wrong usage: unknown command, missing or malformed argument (exit code 2). */
export class UsageError extends Error {}

export interface OptionSpec {
  type: 'string' | 'boolean';
  /** Shown after the flag in help, e.g. `<id>`. */
  value?: string;
  /** Shown without brackets in the usage line; the command checks it. */
  required?: boolean;
  help: string;
}

export interface ParsedArgs {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/** What a command's work gets once the database is open and migrated. */
export interface CommandContext {
  em: EntityManager;
  services: Services;
  /** Migrations this run applied before the command (usually none). */
  applied: string[];
  out(line: string): void;
}

export interface Command {
  /** The words that select it, e.g. `keys generate`. */
  name: string;
  /** Required positional arguments, in order, as shown in help (`<email>`). */
  positionals: string[];
  options: Record<string, OptionSpec>;
  summary: string;
  /** The CLI's names for the input paths that services name in their ValidationErrors. */
  fieldNames?: Record<string, string>;
  /** More help lines, printed below the summary. */
  details?: string[];
  /**
   * Checks the arguments and gathers input (the password from stdin) before any database work,
   * then returns the work to run on the migrated database.
   */
  prepare(args: ParsedArgs, io: CliIo): Promise<(context: CommandContext) => Promise<void>>;
}

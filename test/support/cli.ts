import { Readable } from 'node:stream';
import { runCli } from '../../src/cli/cli';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in this process with `env` as its whole environment, capturing what it prints. */
export async function runCapturedCli(argv: string[], env: NodeJS.ProcessEnv, stdin?: string): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    stdin: stdin === undefined ? undefined : Readable.from([stdin]),
    env,
  });
  return { code, stdout, stderr };
}

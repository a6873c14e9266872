import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');

/** Compiles the gateway into a scratch folder, so tests can run it as separate processes. */
export async function buildGateway(): Promise<{ mainJs: string; remove(): Promise<void> }> {
  const outDir = await mkdtemp(path.join(tmpdir(), 'psgw-build-'));
  const tsc = require.resolve('typescript/bin/tsc');
  const { code, output } = await run(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json'), '--outDir', outDir]);
  if (code !== 0) throw new Error(`tsc failed:\n${output}`);
  return { mainJs: path.join(outDir, 'src/main.js'), remove: () => rm(outDir, { recursive: true, force: true }) };
}

function run(command: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

export interface GatewayProcess {
  child: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves with the URL once it listens, or with the exit code and output when it exits first. */
  started: Promise<{ listening: true; url: string } | { listening: false; code: number | null; output: string }>;
  stop(): Promise<void>;
}

/** Starts `node <mainJs>` with the environment given (plus PATH), on loopback and port 0. */
export function spawnGateway(mainJs: string, env: Record<string, string>): GatewayProcess {
  const child = spawn(process.execPath, [mainJs], {
    cwd: root,
    // The build lives outside the repository; its imports resolve from the repository's packages.
    env: { PATH: process.env.PATH ?? '', NODE_PATH: path.join(root, 'node_modules'), HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const started = new Promise<{ listening: true; url: string } | { listening: false; code: number | null; output: string }>((resolve) => {
    const onData = (chunk: Buffer) => {
      output += chunk;
      const url = /"url":"(http:\/\/[^"]+)"/.exec(output)?.[1];
      if (url && output.includes('ps-gateway listening')) resolve({ listening: true, url });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => resolve({ listening: false, code, output }));
  });
  return {
    child,
    output: () => output,
    started,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

'use strict';
/**
 * `npm run build`: compiles the server (tsc -b), makes the embedded database template and builds
 * the console (Vite), each step only when its inputs changed after its output was written, so a
 * build with nothing to do is quick (`npm start` runs it every time). `--force` runs every step.
 */
const { execFileSync } = require('node:child_process');
const { readdirSync, statSync } = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const force = process.argv.includes('--force');

/** Latest change under these paths; folders count too, so a deleted or renamed file is a change. */
function newestChange(paths) {
  let newest = 0;
  const visit = (file) => {
    const stats = statSync(file, { throwIfNoEntry: false });
    if (!stats) return;
    newest = Math.max(newest, stats.mtimeMs);
    if (!stats.isDirectory()) return;
    for (const entry of readdirSync(file)) if (entry !== 'node_modules') visit(path.join(file, entry));
  };
  for (const entry of paths) visit(path.join(root, entry));
  return newest;
}

const writtenAt = (file) => statSync(path.join(root, file), { throwIfNoEntry: false })?.mtimeMs ?? 0;

const run = (command, args) => execFileSync(command, args, { cwd: root, stdio: 'inherit' });

const steps = [
  {
    // tsc -b writes its build info whenever it compiles.
    inputs: ['src', 'bench', 'examples', 'tsconfig.json', 'tsconfig.build.json', 'package.json', 'package-lock.json'],
    output: 'dist/.tsbuildinfo',
    build: () => run(path.join(root, 'node_modules', '.bin', 'tsc'), ['-b', 'tsconfig.build.json']),
  },
  {
    // Decides for itself, from the engine's version and the migration names, whether it is current.
    build: () => run(process.execPath, [path.join(root, 'dist', 'src', 'db', 'embedded-template.js')]),
  },
  {
    inputs: ['console', 'package-lock.json'],
    output: 'dist/console/index.html',
    build: () => run('npm', ['run', '-s', 'build:console']),
  },
];

for (const step of steps) {
  if (force || !step.inputs || newestChange(step.inputs) > writtenAt(step.output)) step.build();
}

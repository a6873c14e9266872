import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const srcRoot = path.resolve(__dirname, '../../src');

/**
 * The layers of src/, lowest first. Shared code sits below the domains and the composition
 * (what assembles the application from every domain) above them; every folder not named here is
 * a domain, so a new concept needs no entry. Files directly in src/ are entry points.
 */
const sharedFolders = ['core', 'graphql', 'auth'];
const compositionFolders = ['db', 'app', 'cli', '.'];

function layerOf(folder: string): number {
  if (sharedFolders.includes(folder)) return 0;
  if (compositionFolders.includes(folder)) return 2;
  return 1;
}

const layerNames = ['shared', 'domain', 'composition'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return name === 'migrations' ? [] : sourceFiles(full);
    return name.endsWith('.ts') ? [full] : [];
  });
}

/** The src/ folder a file belongs to ('.' for files directly in src/). */
const folderOf = (file: string) => {
  const relative = path.relative(srcRoot, file);
  return relative.includes(path.sep) ? relative.split(path.sep)[0]! : '.';
};

/** Every import between src/ folders: [from folder, to folder, file, specifier]. */
function folderImports(): [string, string, string, string][] {
  return sourceFiles(srcRoot).flatMap((file) =>
    ts
      .preProcessFile(readFileSync(file, 'utf8'), true, true)
      .importedFiles.map((imported) => imported.fileName)
      .filter((specifier) => specifier.startsWith('.'))
      .map((specifier): [string, string, string, string] => [
        folderOf(file),
        folderOf(path.resolve(path.dirname(file), specifier)),
        path.relative(srcRoot, file),
        specifier,
      ])
      .filter(([from, to]) => from !== to),
  );
}

describe('the folders of src/ depend one way', () => {
  const imports = folderImports();

  it('finds the imports it checks', () => {
    expect(imports.length).toBeGreaterThan(50);
  });

  it('never imports upwards: shared code knows no domain, no domain knows the composition layer', () => {
    const upwards = imports
      .filter(([from, to]) => layerOf(to) > layerOf(from))
      .map(([from, to, file, specifier]) => `${file} (${layerNames[layerOf(from)]}) imports ${specifier} (${layerNames[layerOf(to)]})`);
    expect(upwards).toEqual([]);
  });

  it('has no two-way ties between folders, directly or around a cycle', () => {
    const edges = new Map<string, Set<string>>();
    for (const [from, to] of imports) edges.set(from, (edges.get(from) ?? new Set()).add(to));
    const cycles: string[] = [];
    const visit = (folder: string, trail: string[]) => {
      for (const next of edges.get(folder) ?? []) {
        if (next === trail[0]) cycles.push([...trail, next].join(' -> '));
        else if (!trail.includes(next) && next > trail[0]!) visit(next, [...trail, next]);
      }
    };
    for (const folder of [...edges.keys()].sort()) visit(folder, [folder]);
    expect(cycles).toEqual([]);
  });
});

/**
 * The floors of src/ (docs/architecture.md): a file may import from its own floor or below, never
 * from above. Reads every import of every server-side file, so a new arrow up fails here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../../src');

/** Highest first; the first matching prefix decides a file's floor. */
const FLOORS: [number, RegExp][] = [
  [5, /^(main\.ts|cli\/|demo\/)/],
  [4, /^(app\.ts|openapi\.ts|server\/)/],
  [3, /^store\//],
  [2, /^features\//],
  [1, /^http\//],
  [0, /^(lib\/|spec\/|config\/|version\.ts)/],
];

function floorOf(file: string): number {
  const hit = FLOORS.find(([, re]) => re.test(file));
  if (!hit) throw new Error(`${file} is on no floor: add its folder to FLOORS and docs/architecture.md`);
  return hit[0];
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'console' && dir === SRC ? [] : sourceFiles(path);
    return e.name.endsWith('.ts') ? [relative(SRC, path)] : [];
  });
}

describe('floors', () => {
  const files = sourceFiles(SRC);

  it('every server-side file is on a floor', () => {
    expect(files.length).toBeGreaterThan(50);
    for (const f of files) expect(() => floorOf(f), f).not.toThrow();
  });

  it('no import goes up a floor', () => {
    const upward: string[] = [];
    for (const file of files) {
      const text = readFileSync(join(SRC, file), 'utf8');
      for (const [, spec] of text.matchAll(/from '(\.{1,2}\/[^']+)'/g)) {
        const target = relative(SRC, resolve(dirname(join(SRC, file)), spec as string)).replace(/\.js$/, '.ts');
        if (floorOf(target) > floorOf(file)) upward.push(`${file} -> ${target}`);
      }
    }
    expect(upward).toEqual([]);
  });
});

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The ccbox package root (where profiles/, images/ and egress/ live), found by walking up from this
 * module, so it works from src/ under vitest and from dist/src/ when installed.
 */
export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        const parsed = JSON.parse(readFileSync(pkg, 'utf8')) as { name?: unknown };
        if (parsed.name === 'ccbox') return dir;
      } catch {
        // keep walking
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('ccbox package root not found');
    dir = parent;
  }
}

/** Directory of the built-in profiles. */
export function builtinProfilesDir(): string {
  return path.join(packageRoot(), 'profiles');
}

/** Directory of the shipped `ccbox policy test` fixtures (attack paths, obfuscations, benign commands). */
export function builtinFixturesDir(): string {
  return path.join(packageRoot(), 'redteam');
}

/** ccbox's version, from its package.json. */
export function ccboxVersion(): string {
  const pkg = JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CcboxError } from '../errors.js';
import { ExitCodes } from '../exit-codes.js';
import { packageRoot } from '../paths.js';

/** A file of an image's build context, by its path in the context. */
export interface ContextFile {
  path: string;
  content: string;
}

/**
 * The compiled `.js` files of `dirs` (relative to the package's dist/), under `prefix` in a build context
 * with their layout kept. Why read at every start: their bytes are part of the image's content-hash tag,
 * so changed code never runs from a stale image.
 */
export function distFiles(dirs: readonly string[], prefix: string, what: string): ContextFile[] {
  const dist = path.join(packageRoot(), 'dist');
  const files: ContextFile[] = [];
  for (const dir of dirs) {
    let names: string[];
    try {
      names = readdirSync(path.join(dist, dir))
        .filter((f) => f.endsWith('.js'))
        .sort();
    } catch (cause) {
      throw new CcboxError(`the compiled ${what} is missing (${path.join(dist, dir)})`, {
        code: 'GATE_NOT_BUILT',
        exitCode: ExitCodes.imageBuildFailed,
        hint: 'run `npm run build` first',
        cause,
      });
    }
    for (const name of names)
      files.push({
        path: `${prefix}${dir}/${name}`,
        content: readFileSync(path.join(dist, dir, name), 'utf8'),
      });
  }
  return files;
}

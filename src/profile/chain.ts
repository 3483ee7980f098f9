import { realpathSync } from 'node:fs';
import path from 'node:path';
import { CcboxError } from '../errors.js';
import type { ProfileIssue } from './issues.js';
import { parseProfileText, type ParsedLayer } from './parse.js';
import { readProfileFile } from './read-file.js';
import { checkLayerSafety } from './safety.js';
import { anchorPaths, display, resolveProfileRef, type LoadOptions } from './refs.js';

/** One file of an `extends` chain, as read. */
export interface ChainLink {
  layer: ParsedLayer;
  /** The file as named (by the user or by the child's `extends`), shown relative to cwd. */
  named: string;
  /** The file actually read (symlinks resolved): paths inside it are anchored here. */
  real: string;
}

const MAX_CHAIN = 16;

function realOr(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

const inside = (file: string, dir: string): boolean => {
  const rel = path.relative(dir, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
};

/**
 * Reads the chain leaf → root, stopping at the first layer that fails to parse. Why the confinement:
 * `extends:` is written by whoever wrote the profile, and a pull request must not be able to make CI
 * read (and report on) a file elsewhere on the machine; the user vouches for a file by naming it.
 */
export function readChain(
  leafFile: string,
  opts: LoadOptions,
): { links: ChainLink[]; issues: ProfileIssue[] } {
  const links: ChainLink[] = [];
  const seen = new Set<string>();
  const roots = [realOr(path.dirname(leafFile)), realOr(opts.builtinDir)];
  const named = new Set([leafFile, ...(opts.namedFiles ?? [])].map(realOr));
  let file: string | undefined = leafFile;
  let child: ParsedLayer | undefined;
  // An `extends` problem is the child's: it is located at the child's `extends:` line.
  const stop = (message: string, shown: string, allowed?: string) => {
    const extra = allowed !== undefined ? { allowed } : {};
    return {
      links,
      issues: [
        child
          ? child.locate({ severity: 'error', path: ['extends'], message, ...extra })
          : { severity: 'error' as const, file: shown, path: 'extends', message, ...extra },
      ],
    };
  };
  while (file !== undefined) {
    const real = realOr(file);
    const plain = display(file, opts.cwd);
    if (seen.has(real) || links.length >= MAX_CHAIN) {
      const message = seen.has(real)
        ? `extends forms a cycle through ${plain}`
        : `extends chain deeper than ${MAX_CHAIN}`;
      return stop(message, plain);
    }
    if (child && !named.has(real) && !roots.some((root) => inside(real, root))) {
      return stop(
        `${plain} is outside this profile's directory and the built-in tiers`,
        plain,
        `a profile under ${display(roots[0] ?? '', opts.cwd) || '.'}, a built-in tier, or a file also named on the command line`,
      );
    }
    seen.add(real);
    const read = readProfileFile(file);
    // Why name the target: a reviewer must see that `profile.yaml` is really `../../secrets.env`.
    const shown = read.symlink ? `${plain} (a symlink to ${display(real, opts.cwd)})` : plain;
    if (!read.ok) {
      const message = child ? `the parent ${shown} ${read.problem}` : read.problem;
      return {
        links,
        issues: [
          child
            ? child.locate({ severity: 'error', path: ['extends'], message })
            : {
                severity: 'error',
                file: shown,
                ...(read.line ? { line: read.line } : {}),
                path: '',
                message,
              },
        ],
      };
    }
    const layer = parseProfileText(read.text, shown);
    if (!layer.data) {
      // The safety checks still speak about what the schema accepted, so one run lists every problem.
      const unsafe = layer.partial
        ? checkLayerSafety(anchorPaths(layer.partial, real, opts.home), opts.home).map(layer.locate)
        : [];
      return { links, issues: [...layer.issues, ...unsafe] };
    }
    links.push({ layer, named: plain, real });
    child = layer;
    const parentRef = layer.data.extends;
    if (parentRef === undefined) file = undefined;
    else {
      try {
        file = resolveProfileRef(parentRef, path.dirname(real), opts);
      } catch (cause) {
        const message = cause instanceof CcboxError ? `${cause.message}; ${cause.hint ?? ''}` : String(cause);
        return {
          links,
          issues: [
            layer.locate({ severity: 'error', path: ['extends'], message, found: JSON.stringify(parentRef) }),
          ],
        };
      }
    }
  }
  return { links, issues: [] };
}
